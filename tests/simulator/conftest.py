"""Shared fixtures for the simulator tests: a small, realistic org served over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simorg import Served, serve


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """One simulator per test module: 4,500 leads, enough for three default-size pages."""
    yield from serve(4_500)


@pytest.fixture
def fresh() -> Iterator[Served]:
    """A fresh five-lead org with default settings, for tests that change its state."""
    yield from serve(5)
