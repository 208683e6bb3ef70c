"""The one error the SOQL engine raises, shaped like Salesforce's REST error body."""

from __future__ import annotations

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"


class SoqlError(Exception):
    """A query Salesforce would refuse; the REST layer answers it as 400.

    ``error_code`` and ``message`` are what goes into
    ``[{"message": ..., "errorCode": ...}]``.
    """

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message

    def __reduce__(self) -> tuple[type[SoqlError], tuple[str, str]]:
        return (type(self), (self.error_code, self.message))


def located(soql: str, pos: int, detail: str) -> str:
    """Salesforce's message layout: the offending line, a caret, the row/column, the detail."""
    line_start = soql.rfind("\n", 0, pos) + 1
    line_end = soql.find("\n", pos)
    if line_end == -1:
        line_end = len(soql)
    row = soql.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    line = soql[line_start:line_end]
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{detail}"
