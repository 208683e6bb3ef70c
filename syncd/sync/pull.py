"""Incremental pull of one object from the org into the mirror.

Cursor discipline (STYLE.md 2): watermark on SystemModstamp; read ``>= watermark - lookback``
ordered by SystemModstamp through queryAll (so deletes and merge losers arrive too); upsert by
Id, so re-read boundary rows are harmless; save the watermark in the same transaction as the
page it covers, and never later than the moment the run started. A record whose values cannot
be stored is quarantined (a run event naming the record and field) and the rest go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncd.config.fields import ObjectMapping
from syncd.mirror import Mirror
from syncd.mirror.records import Refused
from syncd.ports import OrgReader, Progress
from syncd.salesforce.records import BadRecord, RecordDecoder
from syncd.salesforce.soql import datetime_literal, in_list
from syncd.sync.echo import STAMPS, is_echo, written_as

__all__ = ["PullResult", "build_soql", "pull_object"]

_BULK_BATCH = 5000


@dataclass
class PullResult:
    sobject: str
    fetched: int = 0
    changed_ids: set[str] = field(default_factory=set)
    # Records the mirror held before, by the attributes that moved (what echo detection needs).
    moved: dict[str, frozenset[str]] = field(default_factory=dict)
    # Changed records whose change is only the echo of syncd's own writes: not re-evaluated.
    echo_ids: set[str] = field(default_factory=set)
    pages: int = 0
    full: bool = False
    used_bulk: bool = False
    quarantined: list[BadRecord] = field(default_factory=list)


def build_soql(mapping: ObjectMapping, since: datetime | None) -> str:
    conditions = []
    if since is not None:
        conditions.append(f"SystemModstamp >= {datetime_literal(since)}")
    if mapping.where:
        conditions.append(f"({mapping.where})")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    fields = ", ".join(mapping.soql_fields())
    return f"SELECT {fields} FROM {mapping.sobject}{where} ORDER BY SystemModstamp ASC"


def _decode(
    decoder: RecordDecoder, records: Iterable[Mapping[str, Any]], result: PullResult
) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        try:
            rows.append(decoder(record))
        except BadRecord as bad:
            result.quarantined.append(bad)
    return rows


def _quarantine_refused(sobject: str, refused: list[Refused], result: PullResult) -> None:
    """Rows the mirror refused (too long for a column...) are quarantined like bad records."""
    for row in refused:
        result.quarantined.append(BadRecord(sobject, row.record_id, row.attribute or "?", row.why))
    refused.clear()


def _decoder(mirror: Mirror, mapping: ObjectMapping) -> RecordDecoder:
    value_maps = {a: vm.apply for a, vm in mapping.value_maps.items()}
    return RecordDecoder(
        mapping.sobject, mapping.pull, mirror.column_kinds(mapping.sobject), value_maps
    )


def _store(
    mirror: Mirror,
    decoder: RecordDecoder,
    page: list[dict[str, Any]],
    result: PullResult,
    *,
    run_id: str,
    now: datetime,
    mark_of: Callable[[list[dict[str, Any]]], datetime | None] = lambda rows: None,
    fresh: bool = False,
) -> None:
    """Decode and store one page (with the watermark ``mark_of`` its rows give); what
    changed and what was refused go into ``result``."""
    result.pages += 1
    rows = _decode(decoder, page, result)
    refused: list[Refused] = []
    changes = mirror.store_page(
        result.sobject,
        rows,
        now=now,
        run_id=run_id,
        mark=mark_of(rows),
        refused=refused,
        fresh=fresh,
    )
    _quarantine_refused(result.sobject, refused, result)
    result.changed_ids.update(changes)
    result.moved.update((i, keys) for i, keys in changes.items() if keys is not None)
    result.fetched += len(page)


def pull_object(
    client: OrgReader,
    mirror: Mirror,
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
    mark = mirror.watermark(sobject)
    since = None if mark is None or not mark.full_pull_done else mark.watermark - lookback
    result.full = since is None
    soql = build_soql(mapping, since)
    decoder = _decoder(mirror, mapping)

    expected: int | None = None
    pages: Iterator[list[dict[str, Any]]]
    if result.full:
        # A backfill decides between REST paging and a Bulk job by the query's size: its
        # first REST page says it (totalSize), so no COUNT() call is spent on it; for a big
        # object that one page is the price of asking, and Bulk reads everything.
        expected, rest = client.query_pages_sized(soql, include_deleted=True)
        result.used_bulk = expected >= bulk_threshold
        pages = (
            _batches(client.bulk_query(soql, include_deleted=True)) if result.used_bulk else rest
        )
    else:
        pages = client.query_pages(soql, include_deleted=True)
    if progress is not None:
        progress.start(f"pull {sobject}", expected)
    # A first backfill into an empty table: every row is new, nothing to compare against.
    # (A Bulk result may repeat a row across batches; the upsert takes the last.)
    fresh = result.full and mirror.count_rows(sobject) == 0

    def page_mark(rows: list[dict[str, Any]]) -> datetime | None:
        # Bulk results are not ordered, so their watermark is only saved once the job is in.
        stamps = [r["system_modstamp"] for r in rows if r.get("system_modstamp") is not None]
        return None if result.used_bulk or not stamps else min(max(stamps), run_started)

    for page in pages:
        _store(
            mirror, decoder, page, result, run_id=run_id, now=now(), mark_of=page_mark, fresh=fresh
        )
        if progress is not None:
            progress.advance(f"pull {sobject}", result.fetched, max(expected or 0, result.fetched))

    # Everything was read up to the run's start, so whatever changed before
    # run_started - lookback has been seen (the lookback's own assumption). Moving the mark
    # there (it never moves back) keeps a quiet org from re-reading a past burst each cycle.
    mirror.advance_watermark(
        sobject,
        run_started - lookback,
        run_id=run_id,
        now=now(),
        full_pull_done=True if result.full else None,
    )
    if sobject == "Lead" and mapping.writeback and result.moved:
        result.echo_ids = _echoes(mirror, mapping, result.moved)
    elif sobject in ("Task", "Event"):
        # The handoff Tasks syncd created, read back for the first time.
        result.echo_ids = mirror.created_by_syncd(result.changed_ids - result.moved.keys())
    if progress is not None:
        progress.finish(f"pull {sobject}")
    return result


def _echoes(mirror: Mirror, mapping: ObjectMapping, moved: dict[str, frozenset[str]]) -> set[str]:
    outputs = written_as(mapping)
    candidates = [i for i, keys in moved.items() if keys <= outputs.keys() | STAMPS]
    written = mirror.written_values(candidates)
    values = mirror.lead_attributes(candidates)
    return {
        i
        for i in candidates
        if i in values and is_echo(moved[i], values[i], written.get(i, {}), outputs)
    }


def pull_ids(
    client: OrgReader,
    mirror: Mirror,
    mapping: ObjectMapping,
    ids: Iterable[str],
    *,
    run_id: str,
    now: Callable[[], datetime],
) -> PullResult:
    """Read these records again by Id (the reconcile's drift) and store them; no watermark
    moves: the incremental pull's own position is untouched."""
    sobject = mapping.sobject
    result = PullResult(sobject)
    decoder = _decoder(mirror, mapping)
    fields = ", ".join(mapping.soql_fields())
    extra = f" AND ({mapping.where})" if mapping.where else ""
    for clause in in_list("Id", ids):
        soql = f"SELECT {fields} FROM {sobject} WHERE {clause}{extra}"
        for page in client.query_pages(soql):
            _store(mirror, decoder, page, result, run_id=run_id, now=now())
    return result


def _batches(records: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= _BULK_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
