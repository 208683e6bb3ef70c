"""The policy's problem types: one `ConfigError` per mistake (path and message), and the
`PolicyError` that carries every one of them, so a load reports all mistakes at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfigError:
    """One problem in a configuration file: where (dotted path inside the file) and what."""

    path: str
    message: str

    def render(self, file_name: str) -> str:
        """`policy.yaml: scoring.fit[3].points: must be a number`."""
        where = f"{file_name}: {self.path}" if self.path else file_name
        return f"{where}: {self.message}"


class PolicyError(ValueError):
    """The policy is invalid; `messages` lists every problem with file and path."""

    def __init__(self, file_name: str, errors: list[ConfigError]) -> None:
        self.file_name = file_name
        self.errors = tuple(errors)
        self.messages = tuple(e.render(file_name) for e in errors)
        super().__init__(f"{len(errors)} problem(s) in {file_name}:\n" + "\n".join(self.messages))
