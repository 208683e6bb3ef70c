"""Print a query tree back as SOQL text that :func:`parse` reads to an equal tree."""

from __future__ import annotations

from datetime import timedelta

from .nodes import (
    And,
    BooleanValue,
    Comparison,
    DateTimeValue,
    DateValue,
    Expr,
    Literal,
    Not,
    NullValue,
    NumberValue,
    OrderItem,
    Query,
    RelativeDate,
    StringValue,
    TimeValue,
    Value,
    ValueList,
)

_STRING_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def _string(lit: StringValue) -> str:
    out = []
    for i, ch in enumerate(lit.value):
        if i in lit.escaped_wildcards:
            out.append("\\" + ch)
        else:
            out.append(_STRING_ESCAPES.get(ch, ch))
    return "'" + "".join(out) + "'"


def _clock(hour: int, minute: int, second: int, micro: int) -> str:
    text = f"{hour:02d}:{minute:02d}:{second:02d}"
    return text + (f".{micro:06d}".rstrip("0") if micro else "")


def format_literal(lit: Literal) -> str:
    """One literal in SOQL syntax."""
    if isinstance(lit, NullValue):
        return "null"
    if isinstance(lit, BooleanValue):
        return "true" if lit.value else "false"
    if isinstance(lit, NumberValue):
        return format(lit.value, "f")
    if isinstance(lit, StringValue):
        return _string(lit)
    if isinstance(lit, DateValue):
        return lit.value.isoformat()
    if isinstance(lit, DateTimeValue):
        v = lit.value
        offset = v.utcoffset() or timedelta()
        clock = _clock(v.hour, v.minute, v.second, v.microsecond)
        if not offset:
            zone = "Z"
        else:
            sign = "-" if offset < timedelta() else "+"
            minutes = abs(int(offset.total_seconds())) // 60
            zone = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        return f"{v.date().isoformat()}T{clock}{zone}"
    if isinstance(lit, TimeValue):
        t = lit.value
        return _clock(t.hour, t.minute, t.second, t.microsecond) + "Z"
    assert isinstance(lit, RelativeDate)
    return lit.name if lit.n is None else f"{lit.name}:{lit.n}"


def _value(value: Value) -> str:
    if isinstance(value, ValueList):
        return "(" + ", ".join(format_literal(v) for v in value.items) + ")"
    return format_literal(value)


def format_expr(expr: Expr) -> str:
    """A WHERE tree as SOQL; nested AND/OR/NOT groups get the parentheses SOQL requires."""
    if isinstance(expr, Comparison):
        return f"{expr.field} {expr.op.value} {_value(expr.value)}"
    if isinstance(expr, Not):
        return f"NOT {_operand(expr.operand)}"
    joiner = " AND " if isinstance(expr, And) else " OR "
    return joiner.join(_operand(e) for e in expr.operands)


def _operand(expr: Expr) -> str:
    return format_expr(expr) if isinstance(expr, Comparison) else f"({format_expr(expr)})"


def _order(item: OrderItem) -> str:
    text = item.field + (" DESC" if item.descending else " ASC")
    if item.nulls_first is not None:
        text += " NULLS FIRST" if item.nulls_first else " NULLS LAST"
    return text


def format_query(query: Query) -> str:
    """The whole query as one line of SOQL."""
    select = "COUNT()" if query.is_count else ", ".join(query.fields)
    text = f"SELECT {select} FROM {query.object_name}"
    if query.where is not None:
        text += f" WHERE {format_expr(query.where)}"
    if query.order_by:
        text += " ORDER BY " + ", ".join(_order(i) for i in query.order_by)
    if query.limit is not None:
        text += f" LIMIT {query.limit}"
    if query.offset is not None:
        text += f" OFFSET {query.offset}"
    return text
