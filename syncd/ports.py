"""Every seam between the orchestration and the adapters, side by side.

`syncd.sync` is written against these Protocols only; `syncd.salesforce.SalesforceClient`
and `syncd.mirror.Mirror` implement them, and tests pass fakes. The plain value types that
cross a seam (`FieldKind`, `Progress`) live here too, so neither side imports the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, Protocol

__all__ = ["FieldKind", "OrgReader", "OrgWriter", "Progress", "SaveAnswer"]


class FieldKind(StrEnum):
    """What a mirror column holds; the org adapter decodes Salesforce values into it."""

    TEXT = "text"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"


class Progress(Protocol):
    """Where long work reports how far it is (the face draws bars; the daemon logs)."""

    def start(self, phase: str, total: int | None) -> None: ...

    def advance(self, phase: str, done: int, total: int | None = None) -> None: ...

    def finish(self, phase: str) -> None: ...


class SaveAnswer(Protocol):
    """Salesforce's answer for one written record (``outcome``: success, retry, failed)."""

    @property
    def id(self) -> str | None: ...

    @property
    def outcome(self) -> Any: ...

    @property
    def errors(self) -> list[dict[str, Any]]: ...

    @property
    def message(self) -> str: ...


class OrgReader(Protocol):
    calls_made: int

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]: ...

    def query_pages_sized(
        self, soql: str, *, include_deleted: bool = False
    ) -> tuple[int, Iterator[list[dict[str, Any]]]]: ...

    def query(self, soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]: ...

    def count(self, soql: str) -> int: ...

    def bulk_query(
        self, soql: str, *, include_deleted: bool = False
    ) -> Iterator[dict[str, Any]]: ...


class OrgWriter(Protocol):
    def update_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> Sequence[SaveAnswer]: ...

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> Sequence[SaveAnswer]: ...

    def bulk_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]]
    ) -> Sequence[SaveAnswer]: ...

    def query(self, soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]: ...


class OrgClient(OrgReader, OrgWriter, Protocol):
    """The whole org as a cycle sees it."""
