"""A seeded simulator org and settings that point syncd at it over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncd.simulator.server import SimulatorHandle, start_simulator

SEEDED_LEADS = 300


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorHandle]:
    with start_simulator(leads=SEEDED_LEADS, seed=7) as handle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.ca_bundle)
        yield handle
