"""The status page an on-call engineer reads at a glance: what the daemon is, how its jobs and
runs went, what is stuck (failed writebacks with Salesforce's message, a rejected mappings
edit), SLA breaches and open MQLs per rep.

`StatusView` is plain data the daemon fills in; `render` turns it into one HTML page with
no scripts (it refreshes itself every 15 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

__all__ = ["FailedWrite", "JobLine", "OwnerLine", "RejectedLine", "RunLine", "StatusView", "render"]


@dataclass(frozen=True)
class JobLine:
    name: str
    every: str
    last_status: str | None
    last_finished: datetime | None
    next_run: datetime | None
    failures_in_a_row: int
    last_error: str | None


@dataclass(frozen=True)
class RunLine:
    id: str
    job: str
    started_at: datetime
    seconds: float | None
    status: str
    api_calls: int
    written: int
    tasks: int
    error: str | None


@dataclass(frozen=True)
class FailedWrite:
    id: int
    sobject: str
    record_id: str | None
    field: str | None
    error_code: str | None
    message: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class OwnerLine:
    owner: str
    open_mqls: int
    breached: int


@dataclass(frozen=True)
class RejectedLine:
    seen_at: datetime
    fingerprint: str
    problems: Sequence[str]


@dataclass(frozen=True)
class StatusView:
    role: str  # leader or standby
    pid: int
    generated_at: datetime
    healthy: bool
    health_reason: str
    config_version: str
    config_fingerprint: str
    holder: str | None = None  # who writes the mirror, when we are standby
    rejected: RejectedLine | None = None
    jobs: Sequence[JobLine] = ()
    runs: Sequence[RunLine] = ()
    outbox: Mapping[str, int] = field(default_factory=dict)
    failed_writes: Sequence[FailedWrite] = ()
    owners: Sequence[OwnerLine] = ()
    api_calls_24h: int = 0
    api_budget_left: int | None = None
    errors: Sequence[str] = ()
    # The newest report the daemon kept: where it is, and its conversion alerts.
    report: str | None = None
    report_alerts: Sequence[str] = ()


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24;background:#fafbfc}
h1{font-size:20px;margin:0 0 .3em} h2{font-size:15px;margin:1.4em 0 .4em}
table{border-collapse:collapse;background:#fff;min-width:40%}
td,th{border:1px solid #d8dee4;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6} .num{text-align:right}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:600;color:#fff}
.ok{background:#1a7f37} .bad{background:#cf222e} .warn{background:#9a6700} .idle{background:#57606a}
.box{border:1px solid #cf222e;background:#fff5f5;padding:.5em 1em;margin:.6em 0}
.muted{color:#57606a} form{display:inline} code{font-size:12px}
"""


def _t(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _status(status: str | None) -> str:
    css = {"ok": "ok", "failed": "bad", "error": "bad", "killed": "bad", "stopped": "warn"}.get(
        status or "", "idle"
    )
    return f'<span class="badge {css}">{escape(status or "not yet")}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render(view: StatusView, *, action_suffix: str = "") -> str:
    """The page; ``action_suffix`` (e.g. ``?token=...``) is appended to the action forms."""
    role_css = "ok" if view.role == "leader" else "idle"
    health_css = "ok" if view.healthy else "bad"
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta http-equiv='refresh' content='15'><title>syncd status</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>syncd <span class='badge {role_css}' id='role'>{escape(view.role)}</span> "
        f"<span class='badge {health_css}' id='health'>"
        f"{'healthy' if view.healthy else 'unhealthy'}</span></h1>",
        f"<p class='muted'>pid {view.pid} · {escape(view.health_reason)} · page at "
        f"{_t(view.generated_at)} UTC</p>",
    ]
    if view.holder:
        parts.append(
            f"<p>standby: the mirror is written by another syncd ({escape(view.holder)})</p>"
        )
    parts.append(
        f"<p>policy version in force <code id='config-version'>{escape(view.config_version)}</code>"
        f" (files {escape(view.config_fingerprint)}) · API calls in 24 h: {view.api_calls_24h}"
        f" · budget left for syncd: "
        f"{'unknown' if view.api_budget_left is None else view.api_budget_left}</p>"
    )
    if view.rejected is not None:
        items = "".join(f"<li><code>{escape(p)}</code></li>" for p in view.rejected.problems)
        parts.append(
            "<div class='box' id='rejected-edit'><b>Rejected mappings edit</b> (files "
            f"{escape(view.rejected.fingerprint)}, seen {_t(view.rejected.seen_at)} UTC): the "
            f"last good version keeps running.<ul>{items}</ul></div>"
        )
    for error in view.errors:
        parts.append(f"<div class='box'>{escape(error)}</div>")
    parts.append("<h2>Jobs</h2>")
    parts.append(
        _table(
            ["job", "every", "last", "finished", "next run", "failures in a row", "error"],
            [
                [
                    escape(j.name),
                    escape(j.every),
                    _status(j.last_status),
                    _t(j.last_finished),
                    _t(j.next_run),
                    str(j.failures_in_a_row),
                    escape((j.last_error or "")[:200]),
                ]
                for j in view.jobs
            ],
            "no jobs scheduled (standby)",
        )
    )
    parts.append("<h2>Last runs</h2>")
    parts.append(
        _table(
            [
                "run",
                "job",
                "started (UTC)",
                "seconds",
                "status",
                "API calls",
                "written",
                "tasks",
                "error",
            ],
            [
                [
                    f"<code>{escape(r.id[:8])}</code>",
                    escape(r.job),
                    _t(r.started_at),
                    "-" if r.seconds is None else f"{r.seconds:.1f}",
                    _status(r.status),
                    f"<span class='num'>{r.api_calls}</span>",
                    str(r.written),
                    str(r.tasks),
                    escape((r.error or "")[:160]),
                ]
                for r in view.runs
            ],
            "no runs yet",
        )
    )
    parts.append("<h2>Outbox</h2>")
    parts.append(
        _table(
            ["state", "entries"],
            [[escape(s), str(n)] for s, n in sorted(view.outbox.items())],
            "the outbox is empty",
        )
    )
    parts.append("<h2>Failed writebacks</h2>")
    parts.append(
        _table(
            ["entry", "object", "record", "field", "Salesforce said", "when", "action"],
            [
                [
                    str(w.id),
                    escape(w.sobject),
                    f"<code>{escape(w.record_id or '')}</code>",
                    escape(w.field or ""),
                    escape(f"{w.error_code or ''}: {w.message or ''}"),
                    _t(w.updated_at),
                    f"<form method='post' action='/writes/{w.id}/retry{action_suffix}'>"
                    "<button>retry</button></form> "
                    f"<form method='post' action='/writes/{w.id}/ignore{action_suffix}'>"
                    "<button>ignore</button></form>",
                ]
                for w in view.failed_writes
            ],
            "no failed writebacks",
        )
    )
    parts.append("<h2>SLA breaches and open MQLs by owner</h2>")
    parts.append(
        _table(
            ["owner", "SLA breached", "open MQLs"],
            [[escape(o.owner), str(o.breached), str(o.open_mqls)] for o in view.owners],
            "no open MQLs",
        )
    )
    parts.append("<h2 id=report-alerts>Latest report's alerts</h2>")
    if view.report is None:
        parts.append('<p class="muted">no weekly report yet</p>')
    else:
        parts.append(f'<p class="muted">{escape(view.report)}</p>')
        parts.append(
            _table(
                ["alert"],
                [[escape(a)] for a in view.report_alerts],
                "no conversion rate moved sharply",
            )
        )
    parts.append("</body></html>")
    return "".join(parts)
