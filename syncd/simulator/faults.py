"""Injected faults: latency, 503s, row locks. Deterministic for a given seed."""

from __future__ import annotations

import dataclasses
import random
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FaultSettings:
    """What goes wrong, and how often (rates are shares in [0, 1])."""

    latency_ms: int = 0
    error_503_rate: float = 0.0
    lock_row_rate: float = 0.0
    retry_after_seconds: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_503_rate", "lock_row_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")


class Faults:
    """The live fault settings plus the seeded random source that decides each draw."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self.settings = settings or FaultSettings()
        self._rng = random.Random(self.settings.seed)

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Apply a partial update (unknown keys are a ValueError); a new seed restarts the draws."""
        known = {f.name for f in dataclasses.fields(FaultSettings)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        with self._lock:
            self.settings = dataclasses.replace(self.settings, **changes)
            if "seed" in changes:
                self._rng = random.Random(self.settings.seed)
            return self.settings

    def _draw(self, rate: float) -> bool:
        if rate <= 0.0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def should_fail_503(self) -> bool:
        return self._draw(self.settings.error_503_rate)

    def should_lock_row(self) -> bool:
        return self._draw(self.settings.lock_row_rate)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self.settings)
