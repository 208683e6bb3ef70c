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
    "SourceFix",
    "data_quality_text",
    "duplicate_emails",
    "email_flags",
    "is_valid_email",
    "lead_source_fix",
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
class SourceFix:
    """What a lead's LeadSource should read: a standard value, and the sub-source (e.g.
    "Adwords" under "Advertising") for the detail field, None when the map names none."""

    standard: str
    detail: str | None


@dataclass(frozen=True, slots=True)
class HygienePolicy:
    """The one lead-source map (cleans what syncd reasons with and is written back to the
    org) and the email flags.

    `lead_source_map` keys are folded (trimmed, case-insensitive) source values; each maps
    to its fix. `standard_sources` is the standard list, in policy order (every target must
    be a LeadSource picklist value: `syncd check` verifies it). `unmatched` is the standard
    value a source outside the map becomes (its raw value kept as the detail); None keeps
    unknown sources as they are. `notify` says where a person sees a flag besides the
    Data_Quality__c field: "task" (one Task for the owner per new set of flags), "reason"
    (appended to the score reason) or "none".
    """

    lead_source_map: tuple[tuple[str, SourceFix], ...] = ()
    standard_sources: tuple[str, ...] = ()
    unmatched: str | None = None
    flag_invalid_email: bool = True
    flag_duplicate_email: bool = True
    notify: str = "none"
    _lookup: Mapping[str, SourceFix] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.lead_source_map))

    def lead_source_lookup(self) -> Mapping[str, SourceFix]:
        return self._lookup


def lead_source_fix(value: object, policy: HygienePolicy) -> SourceFix | None:
    """The standard LeadSource (and sub-source) for `value`; None for a blank source, or an
    unknown one when the policy keeps those."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = policy.lead_source_lookup().get(value.strip().casefold())
    if found is not None:
        return found
    if policy.unmatched is None:
        return None
    return SourceFix(policy.unmatched, value.strip()[:255])


def standard_lead_source(value: object, policy: HygienePolicy) -> str | None:
    """The standard LeadSource for `value`, or None when it is already standard/unknown."""
    fix = lead_source_fix(value, policy)
    if fix is None or fix.standard == value:
        return None
    return fix.standard


def data_quality_text(flags: Iterable[str], email: object) -> str | None:
    """What the Data_Quality__c field shows for these flags (None: nothing to fix)."""
    parts = []
    for flag in flags:
        if flag == INVALID_EMAIL:
            parts.append(f"invalid email '{email}'")
        elif flag == DUPLICATE_EMAIL:
            parts.append("duplicate email: another lead has the same address")
        else:
            parts.append(flag)
    return "; ".join(parts)[:255] or None


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
