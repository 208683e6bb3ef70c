"""Progress bars people can trust: one per phase (pull per object, evaluate, write back)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["RichProgress"]


class RichProgress:
    """A `syncd.ports.Progress` drawn with rich on stderr; finished phases stop their timer."""

    def __init__(self) -> None:
        self._bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bars.__exit__(None, None, None)

    def start(self, phase: str, total: int | None) -> None:
        self._tasks[phase] = self._bars.add_task(phase, total=total)

    def advance(self, phase: str, done: int, total: int | None = None) -> None:
        if phase not in self._tasks:
            self.start(phase, total)
        kwargs: dict[str, Any] = {"completed": done}
        if total is not None:
            kwargs["total"] = max(total, done)
        self._bars.update(self._tasks[phase], **kwargs)

    def finish(self, phase: str) -> None:
        task = self._tasks.get(phase)
        if task is not None:
            done = self._bars.tasks[task].completed
            self._bars.update(task, total=done, completed=done)
            self._bars.stop_task(task)
