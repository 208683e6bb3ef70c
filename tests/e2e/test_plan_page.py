"""The plan page as a reviewer sees it, rendered by headless Chromium (screenshot in docs/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import DOCS, rendered_dom, screenshot
from syncd_e2e import settings_for

from syncd.ops.plan_files import write_plan
from syncd.simulator.server import SimulatorHandle
from syncd.sync.plan import make_plan

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_plan_page_shows_counts_owner_names_and_changes_grouped_by_kind(
    org: SimulatorHandle, tmp_path: Path
) -> None:
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}")
    plan, _ = make_plan(settings, now=org.org.clock)
    assert plan is not None
    page = write_plan(plan, tmp_path / "plan")["html"]

    dom = rendered_dom(page.as_uri())
    screenshot(page.as_uri(), DOCS / "plan.png", height=1400)

    assert f"<b>{len(plan.changes)}</b>field changes" in dom
    assert f"<b>{plan.api_calls}</b>API calls to write" in dom
    handoffs = [c for c in plan.changes if c.kind == "handoff"]
    assert handoffs
    assert handoffs[0].new_label in dom
    assert not handoffs[0].new_label.startswith("005")  # a name, not an id
    assert dom.index("Handoffs to reps") < dom.index("Score, grade and reason refreshes")
