"""Write a report to a directory: report.html (charts embedded), one CSV per table, report.json.

Charts are drawn with matplotlib's Agg backend (no display needed: the daemon and CI have
none) and embedded as base64 PNG, so the page is one self-contained file to mail or archive.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd.domain.reporting import FUNNEL_STAGES, Report
from syncd.ops.report_tables import Cell, Table, report_tables

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ReportFiles", "latest_report", "write_report_files"]


@dataclass(frozen=True, slots=True)
class ReportFiles:
    html: Path
    json: Path
    csv: Sequence[Path]


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, loaded when a report is drawn (the daemon
    imports this module for the status page and would otherwise carry ~40 MB)."""
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: no display on a server
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Figure) -> str:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _gaps(values: Sequence[float | None]) -> list[float]:
    """None as NaN, which matplotlib draws as a gap in the line (no week, no point)."""
    return [math.nan if v is None else v for v in values]


def _charts(report: Report) -> list[tuple[str, str]]:
    import matplotlib.ticker

    plt = _pyplot()
    weeks = [w.week.strftime("%d %b") for w in report.funnel]
    charts = []

    fig, ax = plt.subplots(figsize=(6, 3.2))
    totals = [sum(w.entered[s] for w in report.funnel) for s in FUNNEL_STAGES]
    ax.barh(list(reversed(FUNNEL_STAGES)), list(reversed(totals)), color="#2b6cb0")
    for y, value in enumerate(reversed(totals)):
        ax.text(value, y, f" {value}", va="center")
    ax.set_title("Funnel over the window")
    charts.append(("Funnel", _png(fig)))

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for pair in report.funnel[0].rates if report.funnel else ():
        ax.plot(weeks, _gaps([w.rates[pair] for w in report.funnel]), marker="o", label=pair)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title("Conversion by cohort week")
    ax.legend(loc="upper right", fontsize="small")
    charts.append(("Conversion trend", _png(fig)))

    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(weeks, _gaps([s.median_hours for s in report.speed]), marker="o", label="median")
    ax.plot(weeks, _gaps([s.p90_hours for s in report.speed]), marker="o", label="p90")
    ax.set_ylabel("business hours")
    ax.set_title("Speed to lead (handoff -> first touch)")
    ax.legend(fontsize="small")
    charts.append(("Speed to lead", _png(fig)))

    fig, ax = plt.subplots(figsize=(7, 3.6))
    # Reps with nothing to show would only crowd the names of those who have.
    reps = [r for r in report.reps if r.handoffs or r.accepted]
    names = [r.name for r in reps]
    ax.bar(names, [r.handoffs for r in reps], label="handoffs", color="#a0aec0")
    ax.bar(names, [r.accepted for r in reps], label="accepted", color="#2f855a")
    ax.set_title("Per rep: handoffs and accepted")
    ax.tick_params(axis="x", labelrotation=35, labelsize="small")
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.legend(fontsize="small")
    fig.tight_layout()
    charts.append(("Per rep", _png(fig)))
    return charts


def _cell(value: Cell, column: str, label: Cell = None) -> str:
    """`label`: the row's first cell; a row named "... rate" holds rates in every column."""
    if value is None:
        return "–"
    is_rate = "rate" in column or column in ("acceptance", "attainment")
    if isinstance(value, float) and (is_rate or str(label).endswith(" rate")):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return html.escape(str(value))


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = (
        "".join(
            "<tr>"
            + "".join(
                f"<td>{_cell(v, c, row[0])}</td>" for v, c in zip(row, table.columns, strict=True)
            )
            + "</tr>"
            for row in table.rows
        )
        or f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    )
    return (
        f'<section id="{table.name}"><h2>{html.escape(table.title)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1a202c;max-width:1200px}
h1{margin-bottom:4px} .sub{color:#4a5568;margin-top:0}
.alerts{background:#fff5f5;border-left:4px solid #c53030;padding:8px 16px}
.ok{background:#f0fff4;border-left:4px solid #2f855a;padding:8px 16px}
.charts{display:flex;flex-wrap:wrap;gap:16px} .charts img{max-width:560px}
table{border-collapse:collapse;margin-bottom:16px;font-size:14px}
th,td{border:1px solid #e2e8f0;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left} th{background:#edf2f7}
"""


def render_html(report: Report, tables: Sequence[Table]) -> str:
    first, end = report.weeks.first, report.weeks.end
    if report.alerts:
        items = "".join(f"<li>{html.escape(a.message())}</li>" for a in report.alerts)
        alerts = f'<div class="alerts" id="alert-list"><b>Alerts</b><ul>{items}</ul></div>'
    else:
        alerts = '<div class="ok" id="alert-list">No conversion rate moved sharply.</div>'
    charts = "".join(
        f'<figure><img alt="{html.escape(t)}" src="data:image/png;base64,{png}"></figure>'
        for t, png in _charts(report)
    )
    sections = "".join(_table_html(t) for t in tables if t.name != "alerts")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>syncd handover report {first:%Y-%m-%d}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Handover report</h1><p class=sub>weeks {first:%Y-%m-%d} to "
        f"{end:%Y-%m-%d} (Monday 00:00 UTC), generated {report.generated_at:%Y-%m-%d %H:%M} UTC."
        " Each figure is attributed to the week the lead entered the stage it starts from; "
        "see docs/REPORT.md.</p>"
        f'{alerts}<div class="charts">{charts}</div>{sections}</body></html>'
    )


def write_report_files(report: Report, out: Path) -> ReportFiles:
    """Write every file of `report` under `out` (created if needed); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    tables = report_tables(report)
    csv_paths = []
    for table in tables:
        path = out / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
        csv_paths.append(path)
    json_path = out / "report.json"
    json_path.write_text(
        json.dumps(
            {
                "generated_at": report.generated_at.isoformat(),
                "weeks": {"first": report.weeks.first.isoformat(), "count": report.weeks.count},
                "tables": {
                    t.name: [dict(zip(t.columns, row, strict=True)) for row in t.rows]
                    for t in tables
                },
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    html_path = out / "report.html"
    html_path.write_text(render_html(report, tables), encoding="utf-8")
    return ReportFiles(html_path, json_path, csv_paths)


def latest_report(base: Path) -> tuple[Path, list[str]] | None:
    """The newest kept report under `base` (weekly directories sort by name) and its alert
    messages; None when there is none yet."""
    if not base.is_dir():
        return None
    kept = sorted(d for d in base.iterdir() if (d / "report.json").is_file())
    if not kept:
        return None
    data = json.loads((kept[-1] / "report.json").read_text(encoding="utf-8"))
    return kept[-1], [str(a["message"]) for a in data.get("tables", {}).get("alerts", [])]
