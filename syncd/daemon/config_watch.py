"""Hot reload of `mappings/`: a changed directory is validated by the same loader `syncd check`
and `sync --once` use; a valid edit is applied at the next job, an invalid one is rejected
(every problem logged and kept for the status page) while the last good version keeps running.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog

from syncd.config import Config, read_config

__all__ = ["ConfigWatcher", "RejectedEdit", "fingerprint"]

log = structlog.get_logger("syncd.config")


def fingerprint(directory: Path) -> str:
    """A digest of every file's name and bytes: it changes exactly when an edit lands."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class RejectedEdit:
    """An edit that failed validation: when it was seen and every problem with it."""

    fingerprint: str
    seen_at: datetime
    problems: tuple[str, ...]


class ConfigWatcher:
    """The configuration in force, re-read when the directory's fingerprint changes."""

    def __init__(
        self, directory: Path, config: Config, *, now: Callable[[], datetime] | None = None
    ) -> None:
        self.directory = directory
        self._config = config
        self._applied = fingerprint(directory)
        self._seen = self._applied
        self._rejected: RejectedEdit | None = None
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        # Checks beyond the files (e.g. owners against the mirror's copy of the org), set by
        # the daemon once it has that copy; each returns rendered problems.
        self.validate: Callable[[Config], list[str]] | None = None

    @property
    def config(self) -> Config:
        return self._config

    @property
    def applied_fingerprint(self) -> str:
        return self._applied

    @property
    def rejected(self) -> RejectedEdit | None:
        return self._rejected

    def current(self) -> Config:
        """The configuration for the job about to run (reloaded first if the files changed)."""
        with self._lock:
            try:
                seen = fingerprint(self.directory)
            except OSError as exc:
                log.warning(
                    "mappings directory unreadable; keeping the last good version", error=str(exc)
                )
                return self._config
            if seen == self._seen:
                return self._config
            self._seen = seen
            config, problems = read_config(self.directory)
            rendered = tuple(p.render() for p in problems)
            if config is not None and self.validate is not None:
                rendered = tuple(self.validate(config))
            if config is None or rendered:
                self._rejected = RejectedEdit(seen, self._now(), rendered)
                for line in rendered:
                    log.error("mappings edit rejected", problem=line, fingerprint=seen)
                log.warning(
                    "keeping the last good mappings",
                    version=self._config.version,
                    fingerprint=self._applied,
                    problems=len(rendered),
                )
                return self._config
            before = self._config.version
            self._config, self._applied, self._rejected = config, seen, None
            log.info(
                "mappings reloaded", fingerprint=seen, policy_version=config.version, before=before
            )
            return self._config
