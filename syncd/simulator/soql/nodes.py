"""The syntax tree of a SOQL query: frozen dataclasses a caller can read and match on.

The WHERE tree is public on purpose: the record store can look for index-friendly
conjuncts (``SystemModstamp >= 2026-11-20T10:15:30Z``) before falling back to a scan.
Source positions are kept for error messages and excluded from equality.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum


class Op(Enum):
    """A comparison operator of a field expression."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LIKE = "LIKE"
    IN = "IN"
    NOT_IN = "NOT IN"


ORDERING_OPS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})


@dataclass(frozen=True)
class NullValue:
    """The ``null`` literal."""


@dataclass(frozen=True)
class BooleanValue:
    value: bool


@dataclass(frozen=True)
class NumberValue:
    """A numeric literal, kept exact; the evaluator compares as float like the API's doubles."""

    value: Decimal


@dataclass(frozen=True)
class StringValue:
    """A quoted string with its escapes decoded.

    ``escaped_wildcards`` holds the indexes of ``%``/``_`` characters written as ``\\%``
    or ``\\_``: in a LIKE pattern those match themselves, the others are wildcards.
    """

    value: str
    escaped_wildcards: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DateValue:
    value: date


@dataclass(frozen=True)
class DateTimeValue:
    """A datetime literal; always timezone-aware (SOQL requires ``Z`` or an offset)."""

    value: datetime


@dataclass(frozen=True)
class TimeValue:
    """A time literal such as ``08:30:00.000Z`` (times of day carry no date)."""

    value: time


@dataclass(frozen=True)
class RelativeDate:
    """A relative date literal: ``TODAY`` (n is None) or ``LAST_N_DAYS:7`` (n is 7)."""

    name: str
    n: int | None = None


Scalar = NullValue | BooleanValue | NumberValue | StringValue | DateValue | DateTimeValue
Literal = Scalar | TimeValue | RelativeDate


@dataclass(frozen=True)
class ValueList:
    """The parenthesised list on the right of ``IN`` / ``NOT IN``."""

    items: tuple[Literal, ...]


Value = Literal | ValueList


@dataclass(frozen=True)
class Comparison:
    """``field op value``; after binding ``field`` is the canonical field name."""

    field: str
    op: Op
    value: Value
    field_pos: int = dataclasses.field(default=0, compare=False, repr=False)
    value_pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    operand: Expr


Expr = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY key. ``nulls_first`` None means Salesforce's default for the direction."""

    field: str
    descending: bool = False
    nulls_first: bool | None = None
    pos: int = dataclasses.field(default=0, compare=False, repr=False)

    @property
    def effective_nulls_first(self) -> bool:
        # Salesforce's default: NULLS FIRST ascending, NULLS LAST descending.
        return (not self.descending) if self.nulls_first is None else self.nulls_first


@dataclass(frozen=True)
class Query:
    """A parsed query; names are as written until :func:`bind` makes them canonical."""

    object_name: str
    fields: tuple[str, ...]
    is_count: bool = False
    where: Expr | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    soql: str = dataclasses.field(default="", compare=False, repr=False)
    object_pos: int = dataclasses.field(default=0, compare=False, repr=False)
    field_positions: tuple[int, ...] = dataclasses.field(default=(), compare=False, repr=False)
    offset_pos: int = dataclasses.field(default=0, compare=False, repr=False)


def conjuncts(expr: Expr | None) -> tuple[Expr, ...]:
    """The top-level AND operands of a WHERE tree (the whole tree if it is not an AND).

    Every returned expression must hold for a record to match, so a caller may use any
    of them to narrow the candidates (an index range) before evaluating the full tree.
    """
    if expr is None:
        return ()
    if isinstance(expr, And):
        return expr.operands
    return (expr,)
