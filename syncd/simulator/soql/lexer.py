"""A hand-written SOQL tokenizer: one pass over the text, positions kept for error carets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum

from .errors import MALFORMED_QUERY, SoqlError, located
from .nodes import StringValue


class Kind(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    OP = "operator"
    PUNCT = "punctuation"
    EOF = "<EOF>"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: int
    value: object = None

    def is_word(self, word: str) -> bool:
        """True for an identifier spelled ``word`` in any letter case (keywords are)."""
        return self.kind is Kind.IDENT and self.text.upper() == word

    @property
    def shown(self) -> str:
        return "<EOF>" if self.kind is Kind.EOF else self.text


# SOQL's quoted-string escapes; \_ and \% are LIKE-only and handled separately.
_ESCAPES = {
    "n": "\n",
    "N": "\n",
    "r": "\r",
    "R": "\r",
    "t": "\t",
    "T": "\t",
    "b": "\b",
    "B": "\b",
    "f": "\f",
    "F": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_TWO_CHAR_OPS = ("!=", "<>", "<=", ">=")
_ONE_CHAR_OPS = "=<>"
_PUNCT = "(),.:"


def _error(soql: str, pos: int, detail: str) -> SoqlError:
    return SoqlError(MALFORMED_QUERY, located(soql, pos, detail))


def _is_ident_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_ident_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(soql: str) -> list[Token]:
    """Split ``soql`` into tokens, ending with an EOF token.

    Raises SoqlError(MALFORMED_QUERY) for an unterminated string, a bad escape or a
    malformed date/time literal. Unknown characters become PUNCT tokens so the parser
    can report them as an unexpected token at the right place.
    """
    tokens: list[Token] = []
    i = 0
    n = len(soql)
    while i < n:
        ch = soql[i]
        if ch.isspace():
            i += 1
        elif ch == "'":
            i = _string(soql, i, tokens)
        elif ch.isdigit() or (ch in "+-" and i + 1 < n and soql[i + 1].isdigit()):
            i = _number_or_temporal(soql, i, tokens)
        elif _is_ident_start(ch):
            start = i
            while i < n and _is_ident_char(soql[i]):
                i += 1
            tokens.append(Token(Kind.IDENT, soql[start:i], start))
        elif soql.startswith(_TWO_CHAR_OPS, i):
            tokens.append(Token(Kind.OP, soql[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token(Kind.OP, ch, i))
            i += 1
        else:
            tokens.append(Token(Kind.PUNCT, ch, i))
            i += 1
    tokens.append(Token(Kind.EOF, "", n))
    return tokens


def _string(soql: str, start: int, tokens: list[Token]) -> int:
    chars: list[str] = []
    escaped_wildcards: set[int] = set()
    i = start + 1
    n = len(soql)
    while i < n:
        ch = soql[i]
        if ch == "'":
            value = StringValue("".join(chars), frozenset(escaped_wildcards))
            tokens.append(Token(Kind.STRING, soql[start : i + 1], start, value))
            return i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            nxt = soql[i + 1]
            if nxt in "_%":
                escaped_wildcards.add(len(chars))
                chars.append(nxt)
            elif nxt in _ESCAPES:
                chars.append(_ESCAPES[nxt])
            else:
                raise _error(soql, i, f"Invalid string literal '{soql[start : i + 2]}'")
            i += 2
            continue
        chars.append(ch)
        i += 1
    raise _error(soql, start, "unterminated string literal")


def _digits(soql: str, i: int, count: int) -> str | None:
    part = soql[i : i + count]
    return part if len(part) == count and part.isdigit() and part.isascii() else None


def _number_or_temporal(soql: str, start: int, tokens: list[Token]) -> int:
    n = len(soql)
    i = start
    if soql[i] in "+-":
        i += 1
    digits_start = i
    while i < n and soql[i].isdigit():
        i += 1
    digit_count = i - digits_start
    unsigned = digits_start == start
    if unsigned and digit_count == 4 and soql.startswith("-", i):
        return _date_or_datetime(soql, start, tokens)
    if unsigned and digit_count == 2 and soql.startswith(":", i):
        return _time_literal(soql, start, tokens)
    if i < n and soql[i] == ".":
        i += 1
        fraction_start = i
        while i < n and soql[i].isdigit():
            i += 1
        if i == fraction_start:
            raise _error(soql, start, f"invalid number '{soql[start:i]}'")
    if i < n and _is_ident_char(soql[i]):
        # Exponents, trailing letters (1e5, 10d) are not SOQL numbers.
        raise _error(soql, start, f"unexpected token: '{soql[start : i + 1]}'")
    text = soql[start:i]
    tokens.append(Token(Kind.NUMBER, text, start, Decimal(text)))
    return i


def _date_or_datetime(soql: str, start: int, tokens: list[Token]) -> int:
    bad = _error(soql, start, f"invalid date literal starting '{soql[start : start + 10]}'")
    y, mo, d = _digits(soql, start, 4), _digits(soql, start + 5, 2), _digits(soql, start + 8, 2)
    if y is None or mo is None or d is None or soql[start + 7 : start + 8] != "-":
        raise bad
    try:
        day = date(int(y), int(mo), int(d))
    except ValueError:
        raise bad from None
    i = start + 10
    if not soql.startswith("T", i):
        if i < len(soql) and _is_ident_char(soql[i]):
            raise bad
        tokens.append(Token(Kind.DATE, soql[start:i], start, day))
        return i
    clock, i = _clock(soql, i + 1, bad)
    tz, i = _zone(soql, i, bad)
    if i < len(soql) and _is_ident_char(soql[i]):
        raise bad
    value = datetime.combine(day, clock, tzinfo=tz)
    tokens.append(Token(Kind.DATETIME, soql[start:i], start, value))
    return i


def _time_literal(soql: str, start: int, tokens: list[Token]) -> int:
    bad = _error(soql, start, f"invalid time literal starting '{soql[start : start + 8]}'")
    clock, i = _clock(soql, start, bad)
    # Time fields are zone-less; SOQL still wants the trailing Z.
    if not soql.startswith("Z", i):
        raise bad
    i += 1
    tokens.append(Token(Kind.TIME, soql[start:i], start, clock))
    return i


def _clock(soql: str, i: int, bad: SoqlError) -> tuple[time, int]:
    hh, mm, ss = _digits(soql, i, 2), _digits(soql, i + 3, 2), _digits(soql, i + 6, 2)
    if hh is None or mm is None or ss is None or soql[i + 2 : i + 3] != ":":
        raise bad
    if soql[i + 5 : i + 6] != ":":
        raise bad
    i += 8
    micro = 0
    if soql.startswith(".", i):
        j = i + 1
        while j < len(soql) and soql[j].isdigit():
            j += 1
        fraction = soql[i + 1 : j]
        if not fraction:
            raise bad
        # Salesforce keeps milliseconds; finer digits are truncated, not rounded.
        micro = int(fraction[:6].ljust(6, "0"))
        i = j
    try:
        return time(int(hh), int(mm), int(ss), micro), i
    except ValueError:
        raise bad from None


def _zone(soql: str, i: int, bad: SoqlError) -> tuple[timezone, int]:
    if soql.startswith("Z", i):
        return UTC, i + 1
    sign = soql[i : i + 1]
    hh, mm = _digits(soql, i + 1, 2), _digits(soql, i + 4, 2)
    if sign not in ("+", "-") or hh is None or mm is None or soql[i + 3 : i + 4] != ":":
        raise bad
    offset = timedelta(hours=int(hh), minutes=int(mm))
    if offset >= timedelta(hours=24):
        raise bad
    return timezone(-offset if sign == "-" else offset), i + 6
