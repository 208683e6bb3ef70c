"""The one error type of the simulated org, shaped like Salesforce's error bodies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SalesforceApiError(Exception):
    """A refusal the org answers with Salesforce's status, error code and message.

    The same error renders two ways: as a top-level REST error body item
    (``{"message", "errorCode", "fields"}``) and as a per-record SaveResult error
    (``{"statusCode", "message", "fields"}``).
    """

    def __init__(
        self, status: int, error_code: str, message: str, fields: Sequence[str] = ()
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields)

    def to_error(self) -> dict[str, Any]:
        """One item of a top-level error body."""
        return {"message": self.message, "errorCode": self.error_code, "fields": self.fields}

    def to_record_error(self) -> dict[str, Any]:
        """One item of a SaveResult's ``errors`` list."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields}

    def __reduce__(self) -> tuple[type[SalesforceApiError], tuple[Any, ...]]:
        return (type(self), (self.status, self.error_code, self.message, self.fields))


def not_found() -> SalesforceApiError:
    return SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
