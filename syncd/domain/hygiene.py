"""Data hygiene: LeadSource standardised through a value map; invalid and duplicate
emails flagged (never merged: merging is a person's call in Salesforce)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "DUPLICATE_EMAIL",
    "INVALID_EMAIL",
    "HygienePolicy",
    "duplicate_emails",
    "email_flags",
    "is_valid_email",
    "normal_email",
    "standard_lead_source",
]

INVALID_EMAIL = "invalid email"
DUPLICATE_EMAIL = "duplicate email"

# Deliberately pragmatic: one @, no spaces, a dotted domain with a 2+ letter TLD.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)


@dataclass(frozen=True, slots=True)
class HygienePolicy:
    """`lead_source_map` keys are folded (trimmed, case-insensitive) source values."""

    lead_source_map: tuple[tuple[str, str], ...] = ()
    flag_invalid_email: bool = True
    flag_duplicate_email: bool = True
    _lookup: Mapping[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.lead_source_map))

    def lead_source_lookup(self) -> Mapping[str, str]:
        return self._lookup


def standard_lead_source(value: object, policy: HygienePolicy) -> str | None:
    """The standard LeadSource for `value`, or None when it is already standard/unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    standard = policy.lead_source_lookup().get(value.strip().casefold())
    if standard is None or standard == value:
        return None
    return standard


def normal_email(value: object) -> str | None:
    """The comparison form of an email (trimmed, lower case), or None when blank."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().casefold()


def duplicate_emails(emails: Iterable[object]) -> frozenset[str]:
    """Emails (normal form) that appear more than once."""
    counts = Counter(e for e in (normal_email(v) for v in emails) if e)
    return frozenset(e for e, n in counts.items() if n > 1)


def is_valid_email(value: str) -> bool:
    return len(value) <= 254 and _EMAIL.match(value.strip()) is not None


def email_flags(
    email: object, other_emails: frozenset[str], policy: HygienePolicy
) -> tuple[str, ...]:
    """Flags for a lead's email. `other_emails` are the other leads' emails in normal form."""
    normal = normal_email(email)
    if normal is None:
        return ()
    flags: list[str] = []
    if policy.flag_invalid_email and not is_valid_email(normal):
        flags.append(INVALID_EMAIL)
    if policy.flag_duplicate_email and normal in other_emails:
        flags.append(DUPLICATE_EMAIL)
    return tuple(flags)
