"""Headless Chromium for the pages people look at (status, plan, report).

One copy of "find the browser, render a page, keep a screenshot", so every page test
drives the same real browser the same way. Outside CI a missing Chromium skips the
test with the reason; in CI (where `.ci/run` installs Debian's chromium) it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def chromium() -> str:
    """The browser's path, or skip (fail in CI) naming what is missing."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    reason = "headless Chromium not installed (apt-get install chromium; .ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="syncd-chromium-") as profile:
        return subprocess.run(
            [
                chromium(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def rendered_dom(url: str, *, timeout: float = 60.0, budget_ms: int = 5000) -> str:
    """The page's DOM after Chromium loaded it and ran its scripts."""
    result = _run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url], timeout)
    if result.returncode != 0 or not result.stdout.strip():
        raise AssertionError(f"chromium could not render {url}: {result.stderr[-2000:]}")
    return result.stdout


def screenshot(url: str, out: Path, *, width: int = 1280, height: int = 1600) -> Path:
    """A PNG of the page as Chromium draws it (kept in docs/ by the page tests)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    result = _run([f"--window-size={width},{height}", f"--screenshot={out}", url], timeout=60.0)
    if result.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise AssertionError(f"chromium took no screenshot of {url}: {result.stderr[-2000:]}")
    return out
