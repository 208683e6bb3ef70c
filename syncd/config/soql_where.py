"""A check of an admin's `where:` (a SOQL condition syncd adds to an object's query).

Not a full SOQL parser: enough that `syncd check --offline` catches what would make every
pull fail at Salesforce (MALFORMED_QUERY) or change the query's meaning: an unclosed quote,
unbalanced parentheses, characters SOQL has no use for (``;``, ``==``), and clauses that end
the WHERE (``LIMIT 5``, ``ORDER BY``...), which would cut or reorder the pull's pages.
Accepted: ``field op value`` comparisons joined by AND / OR / NOT and parentheses, with
``IN`` / ``NOT IN`` / ``INCLUDES`` / ``EXCLUDES`` lists, semi-joins (``IN (SELECT ...)``),
date functions (``CALENDAR_YEAR(CreatedDate) = 2026``) and date literals
(``LAST_N_DAYS:30``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["where_problem"]

_TOKEN: Final = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<paren>[()])
  | (?P<comma>,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::-?\d+)?)
    """,
    re.VERBOSE,
)
_CLAUSES: Final = frozenset(
    {"LIMIT", "ORDER", "GROUP", "HAVING", "OFFSET", "FOR", "WITH", "FROM", "SELECT", "USING"}
)
_WORD_OPS: Final = frozenset({"LIKE", "IN", "INCLUDES", "EXCLUDES"})
_VALUES: Final = ("string", "number", "date", "datetime")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: int

    @property
    def upper(self) -> str:
        return self.text.upper()


class _Invalid(Exception):
    pass


def _tokens(where: str) -> list[_Token]:
    out: list[_Token] = []
    at = 0
    while at < len(where):
        if where[at] == "'":
            match = _TOKEN.match(where, at)
            if match is None or match.lastgroup != "string":
                raise _Invalid(f"the quote at character {at + 1} is never closed")
        else:
            match = _TOKEN.match(where, at)
        if match is None:
            raise _Invalid(f"{where[at : at + 10]!r} at character {at + 1} is not SOQL")
        kind = match.lastgroup or ""
        if kind == "op" and where.startswith("==", at):
            raise _Invalid(f"'==' at character {at + 1}: SOQL compares with a single '='")
        if kind != "space":
            out.append(_Token(kind, match.group(), at))
        at = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _Invalid("it ends where a field, an operator or a value should follow")
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise _Invalid(f"{text!r} expected at character {token.at + 1}, found {token.text!r}")

    def condition(self) -> None:
        self.term()
        while (token := self.peek()) is not None and token.upper in {"AND", "OR"}:
            self.i += 1
            self.term()

    def term(self) -> None:
        token = self.take()
        if token.upper == "NOT":
            self.term()
        elif token.text == "(":
            self.condition()
            self.expect(")")
        elif token.kind == "word" and token.upper not in _CLAUSES | _WORD_OPS | {"AND", "OR"}:
            self.field_rest()
            self.comparison()
        else:
            raise _Invalid(
                f"a field name expected at character {token.at + 1}, found {token.text!r}"
            )

    def field_rest(self) -> None:
        # A function of a field: CALENDAR_YEAR(CreatedDate), convertTimezone(...).
        token = self.peek()
        if token is not None and token.text == "(":
            self.i += 1
            self.take()
            self.expect(")")

    def comparison(self) -> None:
        token = self.take()
        if token.upper == "NOT":
            token = self.take()
            if token.upper != "IN":
                raise _Invalid(f"'NOT' must be followed by 'IN' at character {token.at + 1}")
        if token.upper in {"IN", "INCLUDES", "EXCLUDES"}:
            self.value_list()
        elif token.kind == "op" or token.upper == "LIKE":
            self.value()
        else:
            raise _Invalid(
                f"an operator expected at character {token.at + 1}, found {token.text!r}"
            )

    def value(self) -> None:
        token = self.take()
        if token.kind in _VALUES:
            return
        if token.kind == "word" and token.upper not in _CLAUSES | _WORD_OPS | {"AND", "OR", "NOT"}:
            return  # true, false, null, or a date literal such as TODAY or LAST_N_DAYS:30
        raise _Invalid(f"a value expected at character {token.at + 1}, found {token.text!r}")

    def value_list(self) -> None:
        self.expect("(")
        token = self.peek()
        if token is not None and token.upper == "SELECT":
            self.skip_subquery()
            return
        self.value()
        while (token := self.peek()) is not None and token.text == ",":
            self.i += 1
            self.value()
        self.expect(")")

    def skip_subquery(self) -> None:
        depth = 1
        while depth:
            token = self.take()
            depth += {"(": 1, ")": -1}.get(token.text, 0)


def _check(where: str) -> None:
    tokens = _tokens(where)
    depth = 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth < 0:
            raise _Invalid(f"the ')' at character {token.at + 1} closes nothing")
        if token.kind == "word" and token.upper in _CLAUSES and depth == 0:
            raise _Invalid(
                f"{token.text!r} at character {token.at + 1} starts another clause; "
                "a where: is only a condition"
            )
    if depth:
        raise _Invalid("a '(' is never closed (unbalanced parentheses)")
    parser = _Parser(tokens)
    parser.condition()
    rest = parser.peek()
    if rest is not None:
        raise _Invalid(f"{rest.text!r} at character {rest.at + 1} does not continue it")


def where_problem(where: str) -> str | None:
    """What is wrong with ``where`` as a SOQL condition, or None when it reads as one."""
    try:
        _check(where)
    except _Invalid as exc:
        return f"not a valid SOQL condition: {exc}"
    return None
