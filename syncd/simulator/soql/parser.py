"""A recursive-descent parser for the SOQL subset the simulator serves.

Grammar (keywords case-insensitive; the WHERE rules follow Salesforce's own, where a
NOT or a mix of AND and OR needs parentheses)::

    query       := SELECT select FROM name [WHERE logical] [ORDER BY order (, order)*]
                   [LIMIT int] [OFFSET int] EOF
    select      := COUNT ( ) | item (, item)*
    item        := name | name . name                       -- one relationship level
                 | FIELDS ( STANDARD | CUSTOM | ALL )         -- expanded by the caller
    logical     := NOT condition | condition (AND condition)* | condition (OR condition)*
    condition   := ( logical ) | name op value
    op          := = | != | <> | < | <= | > | >= | LIKE | IN | NOT IN
    value       := null | true | false | number | 'string' | date | datetime | time
                 | relative-date | ( value (, value)* )      -- the list only after IN
    order       := name [ASC | DESC] [NULLS FIRST | NULLS LAST]

Everything else (GROUP BY, HAVING, subqueries, aggregates, relationship paths outside
SELECT or deeper than one level, aliases,
WITH, FOR, TYPEOF, bind variables...) is refused as ``unexpected token`` at the place
it starts, never skipped.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from .errors import MALFORMED_QUERY, SoqlError, located
from .lexer import Kind, Token, tokenize
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
    Op,
    Or,
    OrderItem,
    Query,
    RelativeDate,
    StringValue,
    TimeValue,
    Value,
    ValueList,
)

# Words that can never be a field or object name, so e.g. ``FROM Lead GROUP BY`` reports
# GROUP rather than taking it for an alias.
RESERVED = frozenset(
    {
        "AND", "AS", "ASC", "BY", "CUBE", "DESC", "ELSE", "END", "EXCLUDES", "FALSE", "FIRST",
        "FOR", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST", "LIKE", "LIMIT", "NOT",
        "NULL", "NULLS", "OFFSET", "OR", "ORDER", "ROLLUP", "SELECT", "THEN", "TRUE",
        "TYPEOF", "USING", "WHEN", "WHERE", "WITH",
    }
)  # fmt: skip

RELATIVE_DATES = frozenset(
    {
        "YESTERDAY", "TODAY", "TOMORROW",
        "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK",
        "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
        "LAST_90_DAYS", "NEXT_90_DAYS",
        "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER",
        "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
    }
)  # fmt: skip
RELATIVE_DATES_N = frozenset(
    {
        "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO",
        "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO",
        "LAST_N_MONTHS", "NEXT_N_MONTHS", "N_MONTHS_AGO",
        "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO",
        "LAST_N_YEARS", "NEXT_N_YEARS", "N_YEARS_AGO",
    }
)  # fmt: skip

# FIELDS(...) groups; the caller expands them (ALL and CUSTOM only with LIMIT <= 200).
FIELD_GROUPS = frozenset({"STANDARD", "CUSTOM", "ALL"})

# Salesforce's documented cap on the length of a SOQL statement.
MAX_SOQL_LENGTH = 100_000
# Parentheses deeper than this are refused before Python's recursion limit is near.
MAX_NESTING = 100

_OPS = {"=": Op.EQ, "!=": Op.NE, "<>": Op.NE, "<": Op.LT, "<=": Op.LE, ">": Op.GT, ">=": Op.GE}


def parse(soql: str) -> Query:
    """Parse ``soql`` (syntax only: names are not checked against any schema).

    Raises SoqlError(MALFORMED_QUERY) with Salesforce's message layout for anything
    outside the supported grammar.
    """
    if len(soql) > MAX_SOQL_LENGTH:
        raise SoqlError(
            MALFORMED_QUERY,
            f"SOQL statements cannot be longer than {MAX_SOQL_LENGTH:,} characters",
        )
    return _Parser(soql).query()


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.i = 0
        self.depth = 0

    # --- token helpers ---------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.EOF:
            self.i += 1
        return tok

    def unexpected(self, tok: Token | None = None) -> SoqlError:
        tok = self.tok if tok is None else tok
        return SoqlError(
            MALFORMED_QUERY, located(self.soql, tok.pos, f"unexpected token: '{tok.shown}'")
        )

    def accept_word(self, word: str) -> bool:
        if self.tok.is_word(word):
            self.i += 1
            return True
        return False

    def expect_word(self, word: str) -> Token:
        if not self.tok.is_word(word):
            raise self.unexpected()
        return self.advance()

    def accept_punct(self, ch: str) -> bool:
        if self.tok.kind is Kind.PUNCT and self.tok.text == ch:
            self.i += 1
            return True
        return False

    def expect_punct(self, ch: str) -> Token:
        if not (self.tok.kind is Kind.PUNCT and self.tok.text == ch):
            raise self.unexpected()
        return self.advance()

    def name(self) -> Token:
        """A plain field or object name: no keyword, no relationship path, no call."""
        tok = self.tok
        if tok.kind is not Kind.IDENT or tok.text.upper() in RESERVED:
            raise self.unexpected()
        self.advance()
        nxt = self.tok
        # Relationship paths (Owner.Name) and functions (DAY_ONLY(x), FIELDS(ALL)) are
        # not supported: refuse them where they start instead of misreading them.
        if nxt.kind is Kind.PUNCT and nxt.text in ".(":
            raise self.unexpected(nxt)
        return tok

    def select_item(self) -> tuple[Token, str]:
        """A selected field: a name, or one relationship level (``Owner.Name``, ``Who.Type``)."""
        tok = self.tok
        if tok.kind is not Kind.IDENT or tok.text.upper() in RESERVED:
            raise self.unexpected()
        nxt = self.peek()
        if tok.text.upper() == "FIELDS" and nxt.kind is Kind.PUNCT and nxt.text == "(":
            self.advance()
            self.advance()
            group = self.tok
            if group.kind is not Kind.IDENT or group.text.upper() not in FIELD_GROUPS:
                raise self.unexpected()
            self.advance()
            self.expect_punct(")")
            return tok, f"FIELDS({group.text.upper()})"
        if not (nxt.kind is Kind.PUNCT and nxt.text == "."):
            return tok, self.name().text
        self.advance()
        self.advance()
        field_tok = self.name()  # a second "." (two levels) is refused here
        return tok, f"{tok.text}.{field_tok.text}"

    def object_name(self) -> Token:
        """The FROM object. Quirk: ``Group`` (queues) is a real object; GROUP is reserved only
        as the start of GROUP BY, so ``FROM Group WHERE ...`` is valid SOQL."""
        tok = self.tok
        following = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else tok
        if tok.kind is Kind.IDENT and tok.text.upper() == "GROUP" and not following.is_word("BY"):
            self.advance()
            return tok
        return self.name()

    # --- grammar ---------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_word("SELECT")
        fields: list[str] = []
        positions: list[int] = []
        is_count = False
        if self.tok.is_word("COUNT") and self.peek().text == "(":
            self.advance()
            self.advance()
            self.expect_punct(")")
            is_count = True
        else:
            while True:
                tok, text = self.select_item()
                fields.append(text)
                positions.append(tok.pos)
                if not self.accept_punct(","):
                    break
        self.expect_word("FROM")
        obj = self.object_name()
        where = None
        if self.accept_word("WHERE"):
            where = self.logical()
        order_by: list[OrderItem] = []
        if self.tok.is_word("ORDER"):
            self.advance()
            self.expect_word("BY")
            order_by.append(self.order_item())
            while self.accept_punct(","):
                order_by.append(self.order_item())
        limit = None
        if self.accept_word("LIMIT"):
            limit = self.integer()
        offset = None
        offset_pos = 0
        if self.tok.is_word("OFFSET"):
            self.advance()
            offset_pos = self.tok.pos
            offset = self.integer()
        if self.tok.kind is not Kind.EOF:
            raise self.unexpected()
        return Query(
            object_name=obj.text,
            fields=tuple(fields),
            is_count=is_count,
            where=where,
            order_by=tuple(order_by),
            limit=limit,
            offset=offset,
            soql=self.soql,
            object_pos=obj.pos,
            field_positions=tuple(positions),
            offset_pos=offset_pos,
        )

    def integer(self) -> int:
        tok = self.tok
        if tok.kind is not Kind.NUMBER or not tok.text.isdigit():
            raise self.unexpected()
        self.advance()
        return int(tok.text)

    def order_item(self) -> OrderItem:
        tok = self.name()
        descending = False
        if self.accept_word("DESC"):
            descending = True
        else:
            self.accept_word("ASC")
        nulls_first = None
        if self.accept_word("NULLS"):
            if self.accept_word("FIRST"):
                nulls_first = True
            else:
                self.expect_word("LAST")
                nulls_first = False
        return OrderItem(tok.text, descending, nulls_first, pos=tok.pos)

    def logical(self) -> Expr:
        if self.accept_word("NOT"):
            # NOT governs exactly one condition; an AND/OR after it is a syntax error.
            return Not(self.condition())
        first = self.condition()
        for word, node in (("AND", And), ("OR", Or)):
            if self.tok.is_word(word):
                operands = [first]
                while self.accept_word(word):
                    operands.append(self.condition())
                return node(tuple(operands))
        return first

    def condition(self) -> Expr:
        if self.accept_punct("("):
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise SoqlError(
                    MALFORMED_QUERY,
                    located(self.soql, self.tok.pos, "parentheses nested too deeply"),
                )
            inner = self.logical()
            self.expect_punct(")")
            self.depth -= 1
            return inner
        field_tok = self.name()
        op = self.operator()
        value_pos = self.tok.pos
        value: Value = self.value_list() if op in (Op.IN, Op.NOT_IN) else self.literal()
        return Comparison(field_tok.text, op, value, field_pos=field_tok.pos, value_pos=value_pos)

    def operator(self) -> Op:
        tok = self.tok
        if tok.kind is Kind.OP:
            self.advance()
            return _OPS[tok.text]
        if self.accept_word("LIKE"):
            return Op.LIKE
        if self.accept_word("IN"):
            return Op.IN
        if tok.is_word("NOT") and self.peek().is_word("IN"):
            self.advance()
            self.advance()
            return Op.NOT_IN
        raise self.unexpected()

    def value_list(self) -> ValueList:
        self.expect_punct("(")
        items = [self.list_item()]
        while self.accept_punct(","):
            items.append(self.list_item())
        self.expect_punct(")")
        return ValueList(tuple(items))

    def list_item(self) -> Literal:
        start = self.tok
        item = self.literal()
        # Relative date ranges are comparison values, not IN-list members (unverified
        # against a live org; refusing keeps a query that might fail there visible here).
        if isinstance(item, RelativeDate):
            raise self.unexpected(start)
        return item

    def literal(self) -> Literal:
        tok = self.tok
        kind = tok.kind
        if kind is Kind.STRING:
            self.advance()
            assert isinstance(tok.value, StringValue)
            return tok.value
        if kind is Kind.NUMBER:
            self.advance()
            assert isinstance(tok.value, Decimal)
            return NumberValue(tok.value)
        if kind is Kind.DATETIME:
            self.advance()
            assert isinstance(tok.value, datetime)
            return DateTimeValue(tok.value)
        if kind is Kind.DATE:
            self.advance()
            assert isinstance(tok.value, date)
            return DateValue(tok.value)
        if kind is Kind.TIME:
            self.advance()
            assert isinstance(tok.value, time)
            return TimeValue(tok.value)
        if kind is Kind.IDENT:
            word = tok.text.upper()
            if word == "NULL":
                self.advance()
                return NullValue()
            if word in ("TRUE", "FALSE"):
                self.advance()
                return BooleanValue(word == "TRUE")
            if word in RELATIVE_DATES:
                self.advance()
                return RelativeDate(word)
            if word in RELATIVE_DATES_N:
                self.advance()
                self.expect_punct(":")
                return RelativeDate(word, self.integer())
        raise self.unexpected()
