"""Hot reload: an edit is validated by the same loader as `syncd check`; a valid one is
applied at the next job, an invalid one is rejected with every problem while the last good
version keeps running, and the next valid edit is applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from syncd.config import load_config
from syncd.daemon.config_watch import ConfigWatcher

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target)
    return target


def _edit(folder: Path, old: str, new: str) -> None:
    policy = folder / "policy.yaml"
    text = policy.read_text()
    assert old in text
    policy.write_text(text.replace(old, new, 1))


def test_an_unchanged_directory_keeps_the_same_config(folder: Path) -> None:
    config = load_config(folder)
    watcher = ConfigWatcher(folder, config)
    assert watcher.current() is config
    assert watcher.rejected is None


def test_a_broken_edit_is_rejected_and_the_last_good_version_keeps_running(folder: Path) -> None:
    config = load_config(folder)
    watcher = ConfigWatcher(folder, config)
    (folder / "policy.yaml").write_text("version: [unclosed\n")
    assert watcher.current() is config
    assert watcher.rejected is not None
    assert watcher.rejected.problems
    assert all(p.startswith("policy.yaml") for p in watcher.rejected.problems)


def test_the_next_valid_edit_is_applied_and_clears_the_rejection(folder: Path) -> None:
    good = (folder / "policy.yaml").read_text()
    watcher = ConfigWatcher(folder, load_config(folder))
    (folder / "policy.yaml").write_text("version: [unclosed\n")
    watcher.current()
    (folder / "policy.yaml").write_text(good)
    _edit(folder, 'version: "2026.11-default"', 'version: "2026.12-spring"')
    applied = watcher.current()
    assert watcher.rejected is None
    assert applied.version.startswith("2026.12-spring")
