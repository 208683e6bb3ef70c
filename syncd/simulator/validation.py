"""Validation rules: the org's own refusals of a record, as an admin configures them.

A rule names an object, a condition on the record as it would be saved (a field holding
one of some values) and a field that must then be filled. A record breaking a rule is
refused alone with FIELD_CUSTOM_VALIDATION_EXCEPTION and the rule's message, so a
collection with ``allOrNone: false`` saves the others and ``allOrNone: true`` rolls
them all back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from syncd.simulator.errors import SalesforceApiError


@dataclass(frozen=True)
class ValidationRule:
    """When ``when_field`` is one of ``when_values``, ``required_field`` must not be empty.

    ``error_field`` is where Salesforce shows the message (None: at the top of the page,
    and ``fields`` stays empty in the API error).
    """

    name: str
    sobject: str
    when_field: str
    when_values: tuple[Any, ...]
    required_field: str
    message: str
    error_field: str | None = None
    active: bool = True

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ValidationRule:
        """A rule from the admin API's JSON (``when_values`` a list)."""
        return cls(
            name=str(body["name"]),
            sobject=str(body["sobject"]),
            when_field=str(body["when_field"]),
            when_values=tuple(body["when_values"]),
            required_field=str(body["required_field"]),
            message=str(body["message"]),
            error_field=body.get("error_field"),
            active=bool(body.get("active", True)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sobject": self.sobject,
            "when_field": self.when_field,
            "when_values": list(self.when_values),
            "required_field": self.required_field,
            "message": self.message,
            "error_field": self.error_field,
            "active": self.active,
        }

    def breaks(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` (as it would be saved) breaks this rule."""
        if record.get(self.when_field) not in self.when_values:
            return False
        return record.get(self.required_field) in (None, "")


def enforce(rules: Iterable[ValidationRule], sobject: str, record: Mapping[str, Any]) -> None:
    """Raise the first active rule of ``sobject`` that ``record`` breaks, as Salesforce does."""
    for rule in rules:
        if rule.active and rule.sobject == sobject and rule.breaks(record):
            raise SalesforceApiError(
                400,
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                rule.message,
                [rule.error_field] if rule.error_field else [],
            )
