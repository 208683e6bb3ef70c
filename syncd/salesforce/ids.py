"""Salesforce record ids: 15-character (case-sensitive, shown in the UI) and 18-character
(what the API returns; the suffix encodes which characters are upper case)."""

from __future__ import annotations

from typing import Final

__all__ = ["canonical_id", "key_prefix"]

_SUFFIX: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def canonical_id(value: str) -> str:
    """The 18-character form of a Salesforce id (15-character ids get their checksum)."""
    if len(value) != 15:
        return value
    suffix = ""
    for block in range(3):
        chunk = value[block * 5 : block * 5 + 5]
        flags = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _SUFFIX[flags]
    return value + suffix


def key_prefix(record_id: str) -> str:
    """The object's key prefix: 00Q is a Lead, 003 a Contact, 005 a User, 00G a Group."""
    return record_id[:3]
