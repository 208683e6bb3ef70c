"""`syncd whatif --policy OTHER.yaml [--since DATE] [--json]`: render a policy comparison."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syncd.cli.common import fail, handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.config import load_config
from syncd.domain.whatif import WhatIf

__all__ = ["register", "render_whatif"]

SHOWN = 20  # differing leads listed on screen (--json has them all)


def _pairs(table: Table, title: str, a: Mapping[str, int], b: Mapping[str, int]) -> None:
    for key in sorted(a.keys() | b.keys(), key=lambda k: (-(a.get(k, 0) + b.get(k, 0)), k)):
        n, m = a.get(key, 0), b.get(key, 0)
        table.add_row(f"{title}: {key}", str(n), str(m), f"{m - n:+d}")


def render_whatif(result: WhatIf, names: Mapping[str, str], console: Console) -> None:
    cur, oth = result.current, result.other
    table = Table(title=f"what if: {cur.leads} leads replayed at {result.as_of:%Y-%m-%d %H:%M} UTC")
    for col in ("", "current policy", "other policy", "change"):
        table.add_column(col, justify="left" if not col else "right")
    for label, n, m in (
        ("MQLs", cur.mqls, oth.mqls),
        ("recycles", cur.recycles, oth.recycles),
        ("open SLAs", cur.sla_open, oth.sla_open),
    ):
        table.add_row(label, str(n), str(m), f"{m - n:+d}")
    _pairs(table, "MQLs week", cur.mqls_per_week, oth.mqls_per_week)
    _pairs(table, "MQLs source", cur.mqls_by_source, oth.mqls_by_source)
    _pairs(table, "MQLs segment", cur.mqls_by_segment, oth.mqls_by_segment)
    load_a = {names.get(k, k): v for k, v in cur.load_per_owner.items()}
    load_b = {names.get(k, k): v for k, v in oth.load_per_owner.items()}
    _pairs(table, "load", load_a, load_b)
    console.print(table)
    console.print(f"{len(result.differences)} leads would end differently")

    def who(owner_id: str | None) -> str:
        return names.get(owner_id, owner_id) if owner_id else "nobody"

    for d in result.differences[:SHOWN]:
        console.print(
            f"  {d.lead_id}: {d.current.stage} / {who(d.current.owner_id)}"
            f" -> {d.other.stage} / {who(d.other.owner_id)}"
        )
        console.print(f"      now:   {'; '.join(d.current.reasons)}")
        console.print(f"      other: {'; '.join(d.other.reasons)}")


def as_json(result: WhatIf) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "current": asdict(result.current),
        "other": asdict(result.other),
        "differences": [asdict(d) for d in result.differences],
    }


def register(app: typer.Typer) -> None:
    @app.command("whatif")
    @handles_errors
    def whatif_command(
        policy: Annotated[Path, typer.Option("--policy", help="The policy file to compare with.")],
        since: Annotated[
            str | None, typer.Option("--since", help="Only leads created on or after DATE.")
        ] = None,
        as_json_: Annotated[bool, typer.Option("--json", help="JSON for tools.")] = False,
    ) -> None:
        """Replay the mirror under another policy and compare (no API call)."""
        from syncd.sync.runtime import open_mirror
        from syncd.sync.whatif import load_other_policy, whatif

        settings = settings_or_exit()
        start = None
        if since:
            try:
                start = date.fromisoformat(since)
            except ValueError:
                fail(f"--since must be a date like 2026-11-01, not {since!r}", Exit.CONFIG)
        config = load_config(settings.mappings_dir)
        other = load_other_policy(policy)
        with open_mirror(settings) as mirror:
            result = whatif(mirror, config, other, datetime.now(UTC), since=start)
            names = {u: user.name or u for u, user in mirror.org_context().users.items()}
        if as_json_:
            typer.echo(json.dumps(as_json(result), indent=1, default=str))
        else:
            render_whatif(result, names, Console())
