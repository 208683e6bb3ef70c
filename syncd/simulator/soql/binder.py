"""Resolve a parsed query against an object's fields and type-check its literals.

Salesforce does this after parsing: names are matched case-insensitively and replaced by
their canonical spelling, each literal must suit its field's type, and fields that
cannot be filtered or sorted (long text areas) are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from .errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    INVALID_TYPE,
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    SoqlError,
    located,
)
from .nodes import (
    ORDERING_OPS,
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
    Op,
    Or,
    OrderItem,
    Query,
    RelativeDate,
    StringValue,
    TimeValue,
    ValueList,
)


class FieldType(Protocol):
    """What the binder needs to know about a field (the simulator's ``FieldDef`` fits).

    ``type`` is describe's spelling: id, reference, string, textarea, picklist, combobox,
    email, phone, url, boolean, int, double, currency, percent, date, datetime, time.
    An optional ``length`` tells a plain text area (<= 255, filterable) from a long one;
    a text area without a known length counts as long. An optional ``picklist_values``
    tuple gives a picklist's sort order.
    """

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "combobox", "email", "phone", "url", "encryptedstring"}
)
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})

# How Salesforce names the expected type in "must be of type ..." messages.
_TYPE_WORDS = {
    "reference": "id",
    "int": "integer",
    "currency": "double",
    "percent": "double",
    "datetime": "dateTime",
}

# Salesforce refuses OFFSET above 2,000 rows with NUMBER_OUTSIDE_VALID_RANGE.
MAX_OFFSET = 2000
_LONG_TEXT_LENGTH = 255


@dataclass(frozen=True)
class BoundQuery:
    """A query whose names are canonical and whose literals suit their fields.

    ``where`` is the bound tree (canonical field names; Id literals in 18-character
    form); ``field_types`` maps every field the query mentions to its type;
    ``picklist_orders`` holds the defined value order of picklists in ORDER BY.
    """

    object_name: str
    fields: tuple[str, ...]
    is_count: bool
    where: Expr | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    field_types: Mapping[str, str] = field(default_factory=dict, compare=False)
    picklist_orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)


def resolve_object(query: Query, object_names: Iterable[str]) -> str:
    """The canonical spelling of the query's object, or SoqlError(INVALID_TYPE)."""
    wanted = query.object_name.lower()
    for name in object_names:
        if name.lower() == wanted:
            return name
    raise SoqlError(
        INVALID_TYPE,
        located(
            query.soql,
            query.object_pos,
            f"sObject type '{query.object_name}' is not supported. If you are attempting to "
            "use a custom object, be sure to append the '__c' after the entity name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
        ),
    )


def bind(query: Query, schema: Mapping[str, FieldType], object_name_canonical: str) -> BoundQuery:
    """Resolve ``query``'s field names against ``schema`` and type-check its literals.

    ``schema`` maps canonical field name -> field. Raises SoqlError with INVALID_FIELD
    (unknown field, wrong literal type, unfilterable/unsortable field),
    INVALID_QUERY_FILTER_OPERATOR (bad Id literal, operator unfit for the field),
    MALFORMED_QUERY or NUMBER_OUTSIDE_VALID_RANGE (OFFSET above 2,000).
    """
    return _Binder(query, schema, object_name_canonical).bind()


def _to_18(id15: str) -> str:
    # Case-safe suffix: one character per 5-character chunk, its bits marking capitals.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += alphabet[bits]
    return id15 + suffix


class _Binder:
    def __init__(self, query: Query, schema: Mapping[str, FieldType], object_name: str) -> None:
        self.query = query
        self.soql = query.soql
        self.object_name = object_name
        self.by_lower = {name.lower(): ft for name, ft in schema.items()}
        self.used: dict[str, str] = {}
        self.picklist_orders: dict[str, tuple[str, ...]] = {}

    def error(self, code: str, pos: int, detail: str) -> SoqlError:
        return SoqlError(code, located(self.soql, pos, detail))

    def resolve(self, name: str, pos: int) -> tuple[str, str]:
        ft = self.by_lower.get(name.lower())
        if ft is None:
            raise self.error(
                INVALID_FIELD,
                pos,
                f"No such column '{name}' on entity '{self.object_name}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the "
                "custom field name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
            )
        ftype = str(ft.type)
        self.used[ft.name] = ftype
        return ft.name, ftype

    def is_long_text(self, name: str, ftype: str) -> bool:
        if ftype != "textarea":
            return False
        length = getattr(self.by_lower[name.lower()], "length", 0)
        # Long and rich text areas can be neither filtered nor sorted.
        return not isinstance(length, int) or not 0 < length <= _LONG_TEXT_LENGTH

    def bind(self) -> BoundQuery:
        q = self.query
        fields: list[str] = []
        positions = q.field_positions or (0,) * len(q.fields)
        for name, pos in zip(q.fields, positions, strict=True):
            canonical, _ = self.resolve(name, pos)
            if canonical in fields:
                raise self.error(INVALID_FIELD, pos, f"duplicate field selected: {canonical}")
            fields.append(canonical)
        where = None if q.where is None else self.expr(q.where)
        order_by = tuple(self.order_item(item) for item in q.order_by)
        if q.offset is not None and q.offset > MAX_OFFSET:
            raise SoqlError(
                NUMBER_OUTSIDE_VALID_RANGE, f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        return BoundQuery(
            object_name=self.object_name,
            fields=tuple(fields),
            is_count=q.is_count,
            where=where,
            order_by=order_by,
            limit=q.limit,
            offset=q.offset,
            field_types=dict(self.used),
            picklist_orders=dict(self.picklist_orders),
        )

    def order_item(self, item: OrderItem) -> OrderItem:
        canonical, ftype = self.resolve(item.field, item.pos)
        if self.is_long_text(canonical, ftype):
            raise self.error(
                INVALID_FIELD, item.pos, f"field '{canonical}' can not be sorted in a query call"
            )
        if ftype == "picklist":
            # Salesforce sorts a picklist by the order its values are defined in setup.
            values = getattr(self.by_lower[canonical.lower()], "picklist_values", ())
            if isinstance(values, tuple) and values:
                self.picklist_orders[canonical] = tuple(str(v) for v in values)
        return replace(item, field=canonical)

    def expr(self, expr: Expr) -> Expr:
        if isinstance(expr, Comparison):
            return self.comparison(expr)
        if isinstance(expr, Not):
            return Not(self.expr(expr.operand))
        operands = tuple(self.expr(e) for e in expr.operands)
        return And(operands) if isinstance(expr, And) else Or(operands)

    def comparison(self, cmp: Comparison) -> Comparison:
        canonical, ftype = self.resolve(cmp.field, cmp.field_pos)
        if self.is_long_text(canonical, ftype):
            raise self.error(
                INVALID_FIELD,
                cmp.field_pos,
                f"field '{canonical}' can not be filtered in query call",
            )
        if cmp.op is Op.LIKE and ftype not in TEXT_TYPES:
            raise self.error(
                INVALID_QUERY_FILTER_OPERATOR,
                cmp.field_pos,
                f"invalid operator on {ftype} field: LIKE",
            )
        if ftype == "boolean" and cmp.op in ORDERING_OPS:
            raise self.error(
                INVALID_QUERY_FILTER_OPERATOR,
                cmp.field_pos,
                f"invalid operator on boolean field: {cmp.op.value}",
            )
        if isinstance(cmp.value, ValueList):
            items = tuple(
                self.literal(canonical, ftype, cmp.op, item, cmp.value_pos)
                for item in cmp.value.items
            )
            value: Literal | ValueList = ValueList(items)
        else:
            value = self.literal(canonical, ftype, cmp.op, cmp.value, cmp.value_pos)
        return replace(cmp, field=canonical, value=value)

    def literal(
        self,
        name: str,
        ftype: str,
        op: Op,
        lit: Literal,
        pos: int,
    ) -> Literal:
        if isinstance(lit, NullValue):
            if op in ORDERING_OPS or op is Op.LIKE:
                raise self.error(MALFORMED_QUERY, pos, f"invalid operator for null: {op.value}")
            return lit
        if op is Op.LIKE and not isinstance(lit, StringValue):
            raise self.error(MALFORMED_QUERY, pos, "LIKE needs a quoted string pattern")
        if isinstance(lit, RelativeDate) and ftype in ("date", "datetime"):
            return lit
        ok: bool
        if ftype in TEXT_TYPES:
            ok = isinstance(lit, StringValue)
        elif ftype in ID_TYPES:
            if isinstance(lit, StringValue):
                return self.id_literal(lit, pos)
            ok = False
        elif ftype in NUMBER_TYPES:
            ok = isinstance(lit, NumberValue)
        elif ftype == "boolean":
            ok = isinstance(lit, BooleanValue)
        elif ftype == "date":
            ok = isinstance(lit, DateValue)
        elif ftype == "datetime":
            ok = isinstance(lit, DateTimeValue)
        elif ftype == "time":
            ok = isinstance(lit, TimeValue)
        else:
            raise self.error(
                INVALID_FIELD, pos, f"field '{name}' can not be filtered in query call"
            )
        if not ok:
            word = "string" if ftype in TEXT_TYPES else _TYPE_WORDS.get(ftype, ftype)
            quoting = "be" if ftype in TEXT_TYPES or ftype in ID_TYPES else "not be"
            raise self.error(
                INVALID_FIELD,
                pos,
                f"value of filter criterion for field '{name}' must be of type {word} and "
                f"should {quoting} enclosed in quotes",
            )
        return lit

    def id_literal(self, lit: StringValue, pos: int) -> StringValue:
        text = lit.value
        if len(text) not in (15, 18) or not (text.isascii() and text.isalnum()):
            raise self.error(INVALID_QUERY_FILTER_OPERATOR, pos, f"invalid ID field: {text}")
        # 15- and 18-character forms name the same record; compare on the 18-character one.
        return StringValue(_to_18(text[:15]))
