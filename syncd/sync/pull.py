"""Incremental pull of one object from the org into the mirror.

Cursor discipline (STYLE.md 2): watermark on SystemModstamp; read ``>= watermark - lookback``
ordered by SystemModstamp through queryAll (so deletes and merge losers arrive too); upsert by
Id, so re-read boundary rows are harmless; save the watermark in the same transaction as the
page it covers, and never later than the moment the run started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Boolean, Date, Float, Integer, Numeric, Table, select
from sqlalchemy.orm import Session, sessionmaker

from syncd.fieldmap import ObjectMapping
from syncd.mirror import store
from syncd.mirror.models import ORG_MODELS, Activity
from syncd.mirror.types import UTCDateTime
from syncd.salesforce.soql import datetime_literal

# Called after each page: (object, rows so far, rows expected or None).
Progress = Callable[[str, int, int | None], None]


class OrgReader(Protocol):
    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]: ...

    def count(self, soql: str) -> int: ...

    def bulk_query(
        self, soql: str, *, include_deleted: bool = False
    ) -> Iterator[dict[str, Any]]: ...


@dataclass
class PullResult:
    sobject: str
    fetched: int = 0
    changed_ids: set[str] = field(default_factory=set)
    pages: int = 0
    full: bool = False
    used_bulk: bool = False


def parse_sf_datetime(value: object) -> datetime | None:
    """Salesforce sends ``2026-11-20T10:15:30.000+0000``; Python wants ``+00:00``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    text = str(value)
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"Salesforce datetime without an offset: {value!r}")
    return parsed


def _converter(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, UTCDateTime):
        return parse_sf_datetime
    if isinstance(column_type, Date):
        return lambda v: None if v in (None, "") else date.fromisoformat(str(v)[:10])
    if isinstance(column_type, Boolean):
        return lambda v: bool(v) if not isinstance(v, str) else v.lower() == "true"
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return lambda v: None if v in (None, "") else Decimal(str(v))
    if isinstance(column_type, Integer):
        return lambda v: None if v in (None, "") else int(float(v))
    if isinstance(column_type, Float):
        return lambda v: None if v in (None, "") else float(v)
    return lambda v: v


def _column_converters(sobject: str) -> dict[str, Callable[[Any], Any]]:
    table: Table = ORG_MODELS[sobject].__table__  # type: ignore[attr-defined]
    return {c.name: _converter(c.type) for c in table.columns}


def to_mirror_rows(
    mapping: ObjectMapping, records: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Salesforce records -> mirror attribute dicts (typed columns converted, value maps)."""
    converters = _column_converters(mapping.sobject)
    rows = []
    for record in records:
        attrs = mapping.to_attributes(record)
        for name, value in list(attrs.items()):
            convert = converters.get(name)
            if convert is not None and value is not None:
                attrs[name] = convert(value)
        rows.append(attrs)
    return rows


def build_soql(mapping: ObjectMapping, since: datetime | None) -> str:
    conditions = []
    if since is not None:
        conditions.append(f"SystemModstamp >= {datetime_literal(since)}")
    if mapping.where:
        conditions.append(f"({mapping.where})")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    fields = ", ".join(mapping.soql_fields())
    return f"SELECT {fields} FROM {mapping.sobject}{where} ORDER BY SystemModstamp ASC"


def _known_stamps(session: Session, sobject: str, ids: Sequence[str]) -> dict[str, datetime]:
    model = ORG_MODELS[sobject]
    out: dict[str, datetime] = {}
    for chunk in store.chunked(ids):
        stmt = select(model.id, model.system_modstamp).where(model.id.in_(chunk))
        if model is Activity:
            stmt = stmt.where(Activity.kind == sobject)
        out.update({row[0]: row[1] for row in session.execute(stmt)})
    return out


def _content_changed(session: Session, sobject: str, rows: list[dict[str, Any]]) -> set[str]:
    if not rows:
        return set()
    model = ORG_MODELS[sobject]
    stored = {
        r.id: r
        for r in session.scalars(select(model).where(model.id.in_([str(x["id"]) for x in rows])))
    }
    changed = set()
    for row in rows:
        old = stored.get(str(row["id"]))
        new = store.split_attributes(sobject, row)
        if (
            old is None
            or any(getattr(old, key) != value for key, value in new.items() if key != "fields")
            or (old.fields or {}) != new["fields"]
        ):
            changed.add(str(row["id"]))
    return changed


def _store_page(
    session: Session,
    mapping: ObjectMapping,
    rows: list[dict[str, Any]],
    result: PullResult,
    *,
    run_id: str,
    run_started: datetime,
    now: datetime,
    save_mark: bool,
) -> None:
    sobject = mapping.sobject
    ids = [str(r["id"]) for r in rows]
    known = _known_stamps(session, sobject, ids)
    same_stamp: list[dict[str, Any]] = []
    for row in rows:
        stamp = row.get("system_modstamp")
        if known.get(row["id"]) != stamp:
            result.changed_ids.add(str(row["id"]))
        else:
            same_stamp.append(row)
    # Quirk: SystemModstamp has whole seconds, so an edit in the same second as our last read
    # keeps the stamp. Rows re-read with an unchanged stamp are compared by content.
    result.changed_ids |= _content_changed(session, sobject, same_stamp)
    store.upsert_records(session, sobject, rows, now)
    stamps = [r["system_modstamp"] for r in rows if r.get("system_modstamp") is not None]
    if save_mark and stamps:
        # Never later than the run's start: rows changed during the run are read again next time.
        mark = min(max(stamps), run_started)
        store.save_watermark(session, sobject, mark, run_id=run_id, now=now)
    session.commit()


def pull_object(
    client: OrgReader,
    sessions: sessionmaker[Session],
    mapping: ObjectMapping,
    *,
    run_id: str,
    run_started: datetime,
    lookback: timedelta,
    bulk_threshold: int,
    now: Callable[[], datetime],
    progress: Progress | None = None,
) -> PullResult:
    """Pull what changed on one object since its watermark; return what moved."""
    sobject = mapping.sobject
    result = PullResult(sobject)
    with sessions() as session:
        mark = store.get_watermark(session, sobject)
        since = None if mark is None or not mark.full_pull_done else mark.watermark - lookback
    result.full = since is None
    soql = build_soql(mapping, since)

    expected: int | None = None
    if result.full:
        # Only a backfill pays for a count: it decides between REST paging and a Bulk job.
        count_where = f" WHERE {mapping.where}" if mapping.where else ""
        expected = client.count(f"SELECT COUNT() FROM {sobject}{count_where}")
        result.used_bulk = expected >= bulk_threshold

    if result.used_bulk:
        _pull_bulk(
            client, sessions, mapping, soql, result, run_id, run_started, now, expected, progress
        )
    else:
        for page in client.query_pages(soql, include_deleted=True):
            result.pages += 1
            rows = to_mirror_rows(mapping, page)
            with sessions() as session:
                _store_page(
                    session,
                    mapping,
                    rows,
                    result,
                    run_id=run_id,
                    run_started=run_started,
                    now=now(),
                    save_mark=True,
                )
            result.fetched += len(rows)
            if progress is not None:
                progress(sobject, result.fetched, expected)

    with sessions() as session:
        # Everything was read up to the run's start, so whatever changed before
        # run_started - lookback has been seen (the lookback's own assumption). Moving the mark
        # there (it never moves back) keeps a quiet org from re-reading a past burst each cycle.
        store.save_watermark(
            session,
            sobject,
            run_started - lookback,
            run_id=run_id,
            now=now(),
            full_pull_done=True if result.full else None,
        )
        session.commit()
    return result


def _pull_bulk(
    client: OrgReader,
    sessions: sessionmaker[Session],
    mapping: ObjectMapping,
    soql: str,
    result: PullResult,
    run_id: str,
    run_started: datetime,
    now: Callable[[], datetime],
    expected: int | None,
    progress: Progress | None,
) -> None:
    # Bulk results are not ordered, so the watermark is only saved once the whole job is in.
    batch: list[dict[str, Any]] = []
    for record in client.bulk_query(soql, include_deleted=True):
        batch.append(record)
        if len(batch) >= 5000:
            _flush_bulk_batch(sessions, mapping, batch, result, run_id, run_started, now)
            batch = []
            if progress is not None:
                progress(mapping.sobject, result.fetched, expected)
    if batch:
        _flush_bulk_batch(sessions, mapping, batch, result, run_id, run_started, now)
    if progress is not None:
        progress(mapping.sobject, result.fetched, expected)


def _flush_bulk_batch(
    sessions: sessionmaker[Session],
    mapping: ObjectMapping,
    batch: list[dict[str, Any]],
    result: PullResult,
    run_id: str,
    run_started: datetime,
    now: Callable[[], datetime],
) -> None:
    rows = to_mirror_rows(mapping, batch)
    with sessions() as session:
        _store_page(
            session,
            mapping,
            rows,
            result,
            run_id=run_id,
            run_started=run_started,
            now=now(),
            save_mark=False,
        )
    result.pages += 1
    result.fetched += len(rows)
