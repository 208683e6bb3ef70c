"""`syncd report`: the weekly handover report from the mirror into a directory of files."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from syncd.cli.common import handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.config import load_config
from syncd.domain.reporting import Period

__all__ = ["register"]


def _day(since: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(since), time(), UTC)
    except ValueError:
        typer.echo(f"syncd: --since must be a date like 2026-09-07, not {since!r}", err=True)
        raise typer.Exit(Exit.CONFIG) from None


def register(app: typer.Typer) -> None:
    @app.command("report")
    @handles_errors
    def report_command(
        period: Annotated[
            Period,
            typer.Option(
                "--period",
                help="Judge the newest complete period against the one before.",
            ),
        ] = Period.WEEK,
        since: Annotated[
            str | None,
            typer.Option("--since", help="First day of the weekly trends (YYYY-MM-DD)."),
        ] = None,
        weeks: Annotated[
            int | None,
            typer.Option("--weeks", min=2, help="Weekly trends over this many weeks up to now."),
        ] = None,
        out: Annotated[Path, typer.Option("--out", help="Directory for the files.")] = Path(
            "report"
        ),
    ) -> None:
        """The handover report: funnel, revenue, speed to lead, SLA per rep, aging, alerts."""
        from syncd.sync.report import NoCalendarError, thresholds_from, write_report
        from syncd.sync.runtime import open_mirror

        start = None if since is None else _day(since)
        settings = settings_or_exit()
        config = load_config(settings.mappings_dir)
        with open_mirror(settings) as mirror:
            try:
                result = write_report(
                    mirror,
                    config,
                    out,
                    now=datetime.now(UTC),
                    period=period,
                    weeks=weeks,
                    since=start,
                    thresholds=thresholds_from(settings),
                )
            except NoCalendarError as exc:
                typer.echo(f"syncd: {exc}", err=True)
                raise typer.Exit(Exit.FAILURE) from None
        report = result.report
        mqls = sum(w.entered["mql"] for w in report.funnel)
        current, previous = report.current, report.previous
        typer.echo(
            f"report: {report.weeks.count} weeks from {report.weeks.first:%Y-%m-%d}, "
            f"{mqls} MQLs, {len(report.alerts)} alerts"
        )
        typer.echo(
            f"{period.value} of {current.span.first:%Y-%m-%d}: {current.funnel.entered['mql']} MQLs"
            f" (previous {previous.funnel.entered['mql']}), won {current.won_revenue:,.0f}"
            f" (previous {previous.won_revenue:,.0f}), pipeline {current.pipeline:,.0f}"
        )
        for alert in report.alerts:
            typer.echo(f"  ALERT {alert.message()}")
        typer.echo(f"wrote {result.files.html} (+ report.json and {len(result.files.csv)} CSV)")

    @app.command("calibrate")
    @handles_errors
    def calibrate_command(
        since: Annotated[
            str, typer.Option("--since", help="First day of the scores judged (YYYY-MM-DD).")
        ] = "",
        outcome: Annotated[
            str, typer.Option("--outcome", help="What counts as converted: sal, sql or converted.")
        ] = "sal",
        out: Annotated[Path, typer.Option("--out", help="Directory for the files.")] = Path(
            "calibration"
        ),
    ) -> None:
        """Each scoring rule's lift and a proposed policy diff, from the mirror's outcomes.

        Nothing is applied: review policy.diff and edit mappings/policy.yaml yourself."""
        from syncd.sync.calibrate import OUTCOMES, NotEnoughOutcomesError, run_calibration
        from syncd.sync.runtime import open_mirror

        now = datetime.now(UTC)
        start = _day(since) if since else now - timedelta(days=180)
        if outcome not in OUTCOMES:
            typer.echo(
                f"syncd: --outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}", err=True
            )
            raise typer.Exit(Exit.CONFIG)
        settings = settings_or_exit()
        config = load_config(settings.mappings_dir)
        with open_mirror(settings) as mirror:
            try:
                result = run_calibration(mirror, config, out, since=start, outcome=outcome)
            except NotEnoughOutcomesError as exc:
                typer.echo(f"syncd: {exc}", err=True)
                raise typer.Exit(Exit.FAILURE) from None
        cal = result.calibration
        typer.echo(f"calibration: {cal.leads} scored leads, {cal.converted} reached {outcome}")
        for f in cal.findings:
            lift = "–" if f.lift is None else f"{f.lift:.2f}x"
            typer.echo(
                f"  {f.rule}: lift {lift} ({f.matched_converted}/{f.matched} vs "
                f"{f.unmatched_converted}/{f.unmatched}), points {f.current:g} -> "
                f"{round(f.proposed):g}"
            )
        for e in result.effects:
            rate = "–" if e.rate is None else f"{e.rate:.0%}"
            typer.echo(f"  {e.label}: threshold {e.threshold:g}, {e.mqls} MQLs, {rate} convert")
        typer.echo(f"wrote {result.files.diff} (never applied) and {len(result.files.csv)} CSV")
