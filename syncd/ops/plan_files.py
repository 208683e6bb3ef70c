"""A plan on disk: plan.json (what `syncd apply` reads), changes.csv, tasks.csv, plan.html.

The JSON is the plan itself; the CSV files are for spreadsheets; the HTML page is for the
people who approve a go-live: counts at the top, owners by name, changes grouped by kind,
every reason in full.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from syncd.domain.plan import KIND_ORDER, ChangeKind, FieldChange, OwnerLoad, Plan, TaskCreate

__all__ = ["PLAN_FILE", "plan_html", "read_plan", "write_plan"]

PLAN_FILE = "plan.json"
FORMAT = 1


def _to_json(plan: Plan) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "made_at": plan.made_at,
        "policy_version": plan.policy_version,
        "run_id": plan.run_id,
        "counts": dict(plan.counts),
        "api_calls": plan.api_calls,
        "loads": [vars_of(load) for load in plan.loads],
        "changes": [{**vars_of(c), "kind": c.kind.value} for c in plan.changes],
        "tasks": [vars_of(t) for t in plan.tasks],
        "snapshot": dict(plan.snapshot),
    }


def vars_of(value: FieldChange | TaskCreate | OwnerLoad) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}


def read_plan(path: Path) -> Plan:
    """A plan saved by :func:`write_plan` (``path``: the plan.json or its folder)."""
    if path.is_dir():
        path = path / PLAN_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a syncd plan (format {data.get('format')!r})")
    return Plan(
        made_at=data["made_at"],
        policy_version=data["policy_version"],
        run_id=data["run_id"],
        changes=tuple(FieldChange(**{**c, "kind": ChangeKind(c["kind"])}) for c in data["changes"]),
        tasks=tuple(TaskCreate(**t) for t in data["tasks"]),
        loads=tuple(OwnerLoad(**o) for o in data["loads"]),
        snapshot=data["snapshot"],
        api_calls=int(data["api_calls"]),
        counts=data["counts"],
    )


def write_plan(plan: Plan, out: Path) -> dict[str, Path]:
    """Save the plan in ``out`` (created); the paths written, by format."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / PLAN_FILE,
        "changes_csv": out / "changes.csv",
        "tasks_csv": out / "tasks.csv",
        "html": out / "plan.html",
    }
    paths["json"].write_text(json.dumps(_to_json(plan), indent=1, default=str) + "\n", "utf-8")
    with paths["changes_csv"].open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["kind", "lead_id", "lead", "field", "old", "new", "reason"])
        for c in plan.changes:
            writer.writerow([c.kind.value, c.lead_id, c.lead_name, c.field, *_shown(c), c.reason])
    with paths["tasks_csv"].open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["lead_id", "lead", "owner", "subject", "key"])
        for t in plan.tasks:
            writer.writerow([t.lead_id, t.lead_name, t.owner_name, t.subject, t.key])
    paths["html"].write_text(plan_html(plan), encoding="utf-8")
    return paths


def _shown(change: FieldChange) -> tuple[str, str]:
    """Old and new as people read them: owner names, empty for nothing."""
    if change.new_label:
        return change.old_label, change.new_label
    return ("" if change.old is None else str(change.old)), (
        "" if change.new is None else str(change.new)
    )


_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}.meta{color:#57606a;margin-bottom:16px}
.counts{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0 20px}
.count{border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;min-width:110px}
.count b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:6px 0 18px}
th,td{border-bottom:1px solid #eaeef2;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right}.reason{color:#424a53;font-size:12.5px}
.up{color:#1a7f37}.down{color:#cf222e}
"""

_TITLES: Mapping[ChangeKind, str] = {
    ChangeKind.HANDOFF: "Handoffs to reps",
    ChangeKind.RECYCLE: "Recycled to nurture",
    ChangeKind.QUEUE: "Sent to a queue",
    ChangeKind.STATUS: "Status changes",
    ChangeKind.SLA: "SLA due dates",
    ChangeKind.SCORE: "Score, grade and reason refreshes",
    ChangeKind.OTHER: "Other fields",
}


def plan_html(plan: Plan) -> str:
    """The plan as one self-contained page (no scripts, no external files)."""
    e = escape
    counts = plan.counts
    tiles = [
        ("leads with changes", counts.get("leads_with_changes", 0)),
        ("field changes", len(plan.changes)),
        ("handoff tasks", len(plan.tasks)),
        ("recycles", len(plan.recycled())),
        ("API calls to write", plan.api_calls),
    ]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>syncd plan</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>syncd plan: what the next cycle would write</h1>",
        f"<div class='meta'>made {e(plan.made_at)} &middot; policy {e(plan.policy_version)}"
        f" &middot; {counts.get('evaluated', 0)} leads evaluated &middot; nothing written yet:"
        " <code>syncd apply</code> writes exactly this</div>",
        "<div class='counts'>",
        *(f"<div class='count'><b>{n}</b>{e(label)}</div>" for label, n in tiles),
        "</div>",
    ]
    if plan.loads:
        parts += [
            "<h2>Owner load (open leads, as syncd counts them for caps)</h2>"
            "<table><tr><th>owner</th><th>now</th><th>after</th><th>change</th></tr>"
        ]
        for load in plan.loads:
            delta = load.after - load.before
            css = "up" if delta > 0 else "down" if delta < 0 else ""
            parts.append(
                f"<tr><td>{e(load.name)}</td><td class='num'>{load.before}</td>"
                f"<td class='num'>{load.after}</td><td class='num {css}'>{delta:+d}</td></tr>"
            )
        parts.append("</table>")
    if plan.tasks:
        parts.append(f"<h2>Tasks to create ({len(plan.tasks)})</h2>")
        parts.append("<table><tr><th>lead</th><th>owner</th><th>subject</th></tr>")
        parts += [
            f"<tr><td>{e(t.lead_name)}</td><td>{e(t.owner_name)}</td><td>{e(t.subject)}</td></tr>"
            for t in plan.tasks
        ]
        parts.append("</table>")
    for kind in KIND_ORDER:
        group = [c for c in plan.changes if c.kind is kind]
        if not group:
            continue
        parts.append(f"<h2>{e(_TITLES[kind])} ({len(group)})</h2>")
        parts.append("<table><tr><th>lead</th><th>field</th><th>old</th><th>new</th></tr>")
        for c in group:
            old, new = _shown(c)
            parts.append(
                f"<tr><td>{e(c.lead_name)}</td><td>{e(c.field)}</td><td>{e(old)}</td>"
                f"<td>{e(new)}</td></tr><tr><td></td>"
                f"<td colspan='3' class='reason'>{e(c.reason)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
