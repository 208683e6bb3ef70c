"""The simulator's SOQL engine: a hand-written parser, a binder and an in-memory evaluator.

Typical use by the REST layer::

    query = parse(soql)                                   # MALFORMED_QUERY
    name = resolve_object(query, schema)                  # INVALID_TYPE
    bq = bind(query, fields_of(name), name)               # INVALID_FIELD, ...
    rows = execute(bq, records, now)                      # or count(bq, records, now)

Every refusal is a :class:`SoqlError` carrying Salesforce's ``error_code`` and message.
"""

from __future__ import annotations

from .binder import BoundQuery, FieldType, bind, resolve_object
from .errors import SoqlError
from .evaluator import compile_where, count, execute, sort_records
from .format import format_expr, format_query
from .nodes import (
    And,
    BooleanValue,
    Comparison,
    DateTimeValue,
    DateValue,
    Expr,
    Not,
    NullValue,
    NumberValue,
    Op,
    Or,
    OrderItem,
    Query,
    RelativeDate,
    StringValue,
    TimeValue,
    ValueList,
    conjuncts,
)
from .parser import parse

__all__ = [
    "And",
    "BooleanValue",
    "BoundQuery",
    "Comparison",
    "DateTimeValue",
    "DateValue",
    "Expr",
    "FieldType",
    "Not",
    "NullValue",
    "NumberValue",
    "Op",
    "Or",
    "OrderItem",
    "Query",
    "RelativeDate",
    "SoqlError",
    "StringValue",
    "TimeValue",
    "ValueList",
    "bind",
    "compile_where",
    "conjuncts",
    "count",
    "execute",
    "format_expr",
    "format_query",
    "parse",
    "resolve_object",
    "sort_records",
]
