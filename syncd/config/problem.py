"""The one problem type for configuration: which file, where inside it, what is wrong.

`syncd check`, `syncd sync` and the daemon all report mappings and policy mistakes as
`Problem`s, so an admin reads the same words whichever command found them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ConfigurationError", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake: ``file`` (e.g. ``policy.yaml``), ``path`` inside it, ``message``, ``line``.

    ``sobject`` names the Salesforce object concerned when there is one (check groups by it).
    """

    file: str
    path: str
    message: str
    line: int | None = None
    sobject: str | None = None

    def render(self) -> str:
        """``fields.yaml: objects.Lead.pull.Emial: ... (line 12)``."""
        where = f"{self.file}: {self.path}" if self.path else self.file
        at = f" (line {self.line})" if self.line is not None else ""
        return f"{where}: {self.message}{at}"


class ConfigurationError(Exception):
    """The mappings directory is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the mappings"
        super().__init__("\n".join([head, *(f"  {p.render()}" for p in self.problems)]))
