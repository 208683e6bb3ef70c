"""`syncd report` on a mirror: files written, the alert shown, the page drawn by Chromium."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser import DOCS, rendered_dom, screenshot
from cli_runner import run_syncd
from report_mirror import Shape, build

from syncd.domain.reporting.figures import week_of
from syncd.mirror import Mirror

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report over nine weeks of handovers whose newest complete week lost its acceptance."""
    tmp = tmp_path_factory.mktemp("report")
    url = f"sqlite:///{tmp / 'mirror.db'}"
    mirror = Mirror.open(url)
    start = week_of(datetime.now(UTC)) - timedelta(weeks=8)
    build(mirror.engine, Shape(start=start, weeks=8, leads=2400, sal_by_week={7: 0.2}))
    mirror.close()
    env = {"SYNCD_DATABASE_URL": url, "SYNCD_MAPPINGS_DIR": str(MAPPINGS)}
    result = run_syncd("report", "--weeks", "9", "--out", str(tmp / "out"), env=env, cwd=tmp)
    assert result.returncode == 0, result.stderr
    assert "ALERT mql->sal conversion" in result.stdout
    assert "week of " in result.stdout
    monthly = run_syncd("report", "--period", "month", "--out", str(tmp / "m"), env=env, cwd=tmp)
    assert monthly.returncode == 0, monthly.stderr
    assert "month of " in monthly.stdout
    bad = run_syncd("report", "--period", "year", env=env, cwd=tmp)
    assert bad.returncode == 2
    return tmp / "out"


def test_the_report_writes_html_json_and_one_csv_per_table(report_dir: Path) -> None:
    names = {p.name for p in report_dir.iterdir()}
    assert {"report.html", "report.json", "funnel_weekly.csv", "reps.csv", "alerts.csv"} <= names
    assert {"period.csv", "sla_compliance.csv", "aging.csv", "by_industry.csv"} <= names
    with (report_dir / "funnel_weekly.csv").open() as f:
        weekly = list(csv.DictReader(f))
    assert len(weekly) == 9
    assert sum(int(w["mql"]) for w in weekly) == 2400
    data = json.loads((report_dir / "report.json").read_text())
    assert data["tables"]["alerts"][0]["pair"] == "mql->sal"


@pytest.mark.browser
def test_the_report_page_renders_in_chromium_with_its_charts_and_alert(report_dir: Path) -> None:
    url = (report_dir / "report.html").as_uri()
    dom = rendered_dom(url)
    assert "Handover report" in dom
    assert dom.count("data:image/png;base64,") == 4
    assert "mql-&gt;sal conversion for the week of" in dom
    assert "Ava Patel" in dom
    for section in ("period", "sla_compliance", "aging", "by_industry", "exit_reasons"):
        assert f'<section id="{section}">' in dom, section
    assert "won revenue" in dom
    shot = screenshot(url, DOCS / "report.png", height=3400)
    assert shot.stat().st_size > 20_000
