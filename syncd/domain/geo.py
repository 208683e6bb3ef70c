"""Places and ids as routing compares them: countries and states in any spelling folded to
ISO codes, postal codes normalised, and Salesforce ids in one (18-character) form so a
15-character id typed into the policy matches the org's.
"""

from __future__ import annotations

import re
from functools import lru_cache

import holidays as holidays_lib

_ID_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def canonical_id(value: str) -> str:
    """The 18-character form of a Salesforce id (15-character ids get their checksum).

    Salesforce's UI shows case-sensitive 15-character ids while the API returns 18; the
    suffix encodes, per block of five, which characters are upper case.
    """
    if len(value) != 15:
        return value
    suffix = ""
    for block in range(3):
        chunk = value[block * 5 : block * 5 + 5]
        flags = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _ID_SUFFIX_ALPHABET[flags]
    return value + suffix


def _fold(value: str) -> str:
    return " ".join(value.replace(".", "").replace("_", " ").split()).casefold()


@lru_cache(maxsize=1)
def _country_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {
        "united states of america": "US",
        "great britain": "GB",
    }
    try:
        from holidays.registry import COUNTRIES  # a table of names and ISO codes
    except ImportError:  # pragma: no cover - an older holidays; codes still work
        return aliases
    for module_name, names in COUNTRIES.items():
        code = str(names[1]).upper()
        aliases[_fold(str(module_name))] = code
        for alias in names[1:]:
            if not str(alias).startswith("Holidays"):
                aliases[_fold(str(alias))] = code
    return aliases


def canonical_country(value: object) -> str | None:
    """ISO alpha-2 code for a country code or English name; other text folded; None if blank."""
    if not isinstance(value, str) or not value.strip():
        return None
    folded = _fold(value)
    return _country_aliases().get(folded, folded.upper())


@lru_cache(maxsize=512)
def _subdivision_aliases(country: str) -> dict[str, str]:
    entity = getattr(holidays_lib, country, None) if country.isalpha() else None
    if entity is None:
        return {}
    aliases = {_fold(str(code)): str(code).upper() for code in getattr(entity, "subdivisions", ())}
    for name, code in dict(getattr(entity, "subdivisions_aliases", {})).items():
        aliases[_fold(str(name))] = str(code).upper()
    return aliases


def canonical_state(country: str | None, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    folded = _fold(value)
    if country is not None:
        return _subdivision_aliases(country).get(folded, folded.upper())
    return folded.upper()


def canonical_postal(value: object) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s-]", "", str(value)).upper()
    return text or None
