"""`syncd demo` runs the daemon itself against the built-in simulator and tells a sales-ops
person what happened, with where to look next; the lead it suggests explaining exists."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser import DOCS, rendered_dom, screenshot
from syncd_e2e import MAPPINGS

pytestmark = pytest.mark.e2e

Demo = tuple[subprocess.CompletedProcess[str], Path]


def syncd(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syncd", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["COLUMNS"] = "160"
    ran = syncd("demo", "--leads", "400", "--cycles", "3", "--keep", str(folder), env=env)
    return ran, folder


def test_the_demo_runs_the_daemon_and_exits_0(demo: Demo) -> None:
    ran, _ = demo
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert re.search(r"daemon runs \(\d+ fast, \d+ sla\), all ok", ran.stdout)


def test_the_demo_prints_the_status_page_address_while_it_runs(demo: Demo) -> None:
    assert re.search(r"status page is at http://127\.0\.0\.1:\d+/", demo[0].stdout)


def test_the_summary_has_tables_per_rep_recycles_sla_and_queue_reasons(demo: Demo) -> None:
    out = demo[0].stdout
    assert "MQLs handed off, by owner" in out
    assert "recycled back to nurture (not handoffs)" in out
    assert "follow-up SLA, by state" in out
    assert "{" not in out.split("what happened")[1]  # tables, not Python dicts


def test_the_lead_it_suggests_explaining_is_explained(demo: Demo) -> None:
    ran, folder = demo
    found = re.search(r"syncd explain (00Q\w{15})", ran.stdout)
    assert found is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["SYNCD_DATABASE_URL"] = f"sqlite:///{folder / 'syncd.db'}"
    explained = syncd("explain", found.group(1), env=env)
    assert explained.returncode == 0, explained.stderr
    assert found.group(1) in explained.stdout


@pytest.mark.browser
def test_the_report_on_the_demos_mirror_shows_its_handovers_in_chromium(demo: Demo) -> None:
    _, folder = demo
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["SYNCD_DATABASE_URL"] = f"sqlite:///{folder / 'syncd.db'}"
    env["SYNCD_MAPPINGS_DIR"] = str(MAPPINGS)
    report = syncd("report", "--out", str(folder / "report"), env=env)
    assert report.returncode == 0, report.stderr
    newest = re.search(r"week of \S+: (\d+) MQLs", report.stdout)
    assert newest is not None
    assert int(newest.group(1)) > 0  # the demo's days are last week's

    url = (folder / "report" / "report.html").as_uri()
    dom = rendered_dom(url)
    assert "Handover report" in dom
    assert dom.count("data:image/png;base64,") == 4
    shot = screenshot(url, DOCS / "report-demo.png", height=3000)
    assert shot.stat().st_size > 20_000
