"""The report's policy: which lead attributes split the funnel into segments, stage limits,
and who receives the alert Tasks (`report:` in mappings/policy.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from syncd.domain.reporting.compliance import DEFAULT_STUCK_AFTER


@dataclass(frozen=True, slots=True)
class Segment:
    """A lead attribute the report splits by; numbers are cut into `bands` (lower bounds)."""

    attribute: str
    bands: tuple[float, ...] = ()

    def label(self, value: object) -> str | None:
        """The segment a value falls in: the value itself, or its band ("200-999")."""
        if value is None or value == "":
            return None
        if not self.bands:
            return str(value)
        try:
            number = float(str(value))
        except ValueError:
            return None
        below = [b for b in self.bands if b <= number]
        if not below:
            return f"<{self.bands[0]:g}"
        low = below[-1]
        higher = [b for b in self.bands if b > low]
        return f"{low:g}+" if not higher else f"{low:g}-{higher[0] - 1:g}"


DEFAULT_SEGMENTS: tuple[Segment, ...] = (Segment("country"),)


@dataclass(frozen=True, slots=True)
class ReportPolicy:
    segments: tuple[Segment, ...] = DEFAULT_SEGMENTS
    stuck_after: Mapping[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_STUCK_AFTER))
    # The user (id once resolved) given a Task per alert; None: alerts go to the log only.
    alert_owner: str | None = None
