"""`syncd explain LEAD_ID [--as-of T] [--json]`: render a lead's explanation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from syncd.cli.common import fail, handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.domain.explain import Event
from syncd.sync.explain import LeadExplanation

__all__ = ["as_json", "as_text", "register"]


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def as_text(found: LeadExplanation) -> str:
    ex = found.explanation
    lines = [f"{found.lead_name} ({ex.lead_id}) as of {_when(ex.as_of)}", ""]
    if ex.score is not None:
        lines.append(f"score {ex.score.score} (recorded {_when(ex.score.at)}): {ex.score.headline}")
        lines += [f"  {rule}" for rule in ex.score.rules]
    else:
        lines.append("score: none recorded yet")
    lines += ["", "stages (time in each):"]
    for span in ex.stages:
        until = "now" if span.left_at is None else _when(span.left_at)
        lines.append(
            f"  {span.stage:<16} {_when(span.entered_at)} -> {until} ({_age(span.aged)}): "
            f"{span.why}"
        )
    lines += ["", "owners:"]
    for e in ex.owners:
        lines.append(f"  {_when(e.at)} {found.who(e.before)} -> {found.who(e.after)}")
        lines += [f"      {r}" for r in e.reasons]
    for title, events in (("SLA", ex.sla), ("recycles", ex.recycles), ("other", ex.other)):
        if events:
            lines += ["", f"{title}:"]
            lines += [f"  {_when(e.at)} {e.kind}: {'; '.join(e.reasons)}" for e in events]
    return "\n".join(lines)


def _event_json(found: LeadExplanation, e: Event, *, owners: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "at": e.at.isoformat(),
        "before": e.before,
        "after": e.after,
        "reasons": list(e.reasons),
        "policy_version": e.policy_version,
    }
    if owners:
        out |= {"before_name": found.who(e.before), "after_name": found.who(e.after)}
    return out


def as_json(found: LeadExplanation) -> dict[str, Any]:
    ex = found.explanation
    return {
        "lead_id": ex.lead_id,
        "lead": found.lead_name,
        "as_of": ex.as_of.isoformat(),
        "score": None
        if ex.score is None
        else {
            "at": ex.score.at.isoformat(),
            "score": ex.score.score,
            "headline": ex.score.headline,
            "rules": list(ex.score.rules),
            "policy_version": ex.score.policy_version,
        },
        "stages": [
            {
                "stage": s.stage,
                "entered_at": s.entered_at.isoformat(),
                "left_at": None if s.left_at is None else s.left_at.isoformat(),
                "aged_hours": round(s.aged.total_seconds() / 3600, 2),
                "why": s.why,
            }
            for s in ex.stages
        ],
        "owners": [_event_json(found, e, owners=True) for e in ex.owners],
        "sla": [_event_json(found, e) for e in ex.sla],
        "recycles": [_event_json(found, e) for e in ex.recycles],
        "other": [{"kind": e.kind, **_event_json(found, e)} for e in ex.other],
    }


def register(app: typer.Typer) -> None:
    @app.command("explain")
    @handles_errors
    def explain_command(
        lead_id: Annotated[str, typer.Argument(metavar="LEAD_ID", help="The lead's Id.")],
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="A past moment (ISO 8601, e.g. 2026-11-20T15:00Z)."),
        ] = None,
        as_json_: Annotated[bool, typer.Option("--json", help="JSON for tools.")] = False,
    ) -> None:
        """Why a lead has its score, stage and owner, as they were at a moment (no API call)."""
        from syncd.sync.explain import explain_lead
        from syncd.sync.runtime import open_mirror

        settings = settings_or_exit()
        moment = datetime.now(UTC)
        if as_of:
            try:
                moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
            except ValueError:
                fail(f"--as-of must be an ISO 8601 moment, not {as_of!r}", Exit.CONFIG)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        with open_mirror(settings) as mirror:
            found = explain_lead(mirror, lead_id, moment)
        if found is None:
            fail(f"the mirror has never seen a lead {lead_id}", Exit.FAILURE)
        if as_json_:
            typer.echo(json.dumps(as_json(found), indent=1, default=str))
        else:
            typer.echo(as_text(found))
