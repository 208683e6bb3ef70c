"""The nightly reconcile's side in the mirror: the org's Ids are staged in ``reconcile_seen``
and compared with the mirror's rows in SQL, so the comparison costs no memory per record.

Found: rows live in the mirror that the org no longer holds (a delete the incremental pull
missed, e.g. purged from the recycle bin before it was read), and rows the org holds that the
mirror lacks or holds an older version of (drift). Also housekeeping: old run events go, and
deleted leads lose their personal fields after the retention period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Table, and_, delete, exists, or_, select, update

from syncd.mirror.models import ReconcileSeen, RunEvent
from syncd.mirror.records import of_object, table_of
from syncd.mirror.util import chunked

__all__ = [
    "PERSONAL_LEAD_ATTRIBUTES",
    "begin",
    "mark_missed_deletes",
    "prune_events",
    "purge_deleted_leads",
    "seen",
    "to_refetch",
]

SEEN: Table = ReconcileSeen.__table__  # type: ignore[assignment]
EVENTS: Table = RunEvent.__table__  # type: ignore[assignment]

# What identifies a person on a lead (typed columns or keys of ``fields``); company, country,
# industry, source and status stay, so the report's history keeps its counts.
PERSONAL_LEAD_ATTRIBUTES = (
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "mobile_phone",
    "title",
    "street",
    "city",
    "postal_code",
    "website",
)


def begin(conn: Connection, sobject: str) -> None:
    conn.execute(delete(SEEN).where(SEEN.c.sobject == sobject))


def seen(conn: Connection, sobject: str, rows: Sequence[tuple[str, datetime | None]]) -> None:
    """Stage one page of the org's (Id, SystemModstamp)."""
    if rows:
        conn.execute(
            SEEN.insert(),
            [{"sobject": sobject, "id": i, "system_modstamp": stamp} for i, stamp in rows],
        )


def mark_missed_deletes(conn: Connection, sobject: str, now: datetime) -> list[str]:
    """Rows live in the mirror the org no longer holds: marked deleted; their ids."""
    table = table_of(sobject)
    gone = select(table.c.id).where(
        of_object(table, sobject),
        table.c.is_deleted.is_(False),
        ~exists().where(SEEN.c.sobject == sobject, SEEN.c.id == table.c.id),
    )
    ids = [str(i) for i in conn.scalars(gone)]
    for chunk in chunked(ids):
        conn.execute(
            update(table)
            .where(table.c.id.in_(chunk), of_object(table, sobject))
            .values(is_deleted=True, mirrored_at=now)
        )
    return ids


def to_refetch(conn: Connection, sobject: str) -> tuple[list[str], list[str]]:
    """(missing, stale): org ids the mirror lacks, and those it holds older or as deleted."""
    table = table_of(sobject)
    mine = table.alias("mine")
    joined = SEEN.outerjoin(mine, and_(mine.c.id == SEEN.c.id, of_object(mine, sobject)))
    missing = (
        select(SEEN.c.id).select_from(joined).where(SEEN.c.sobject == sobject, mine.c.id.is_(None))
    )
    stale = (
        select(SEEN.c.id)
        .select_from(joined)
        .where(
            SEEN.c.sobject == sobject,
            mine.c.id.is_not(None),
            or_(mine.c.is_deleted.is_(True), SEEN.c.system_modstamp > mine.c.system_modstamp),
        )
    )
    return [str(i) for i in conn.scalars(missing)], [str(i) for i in conn.scalars(stale)]


def prune_events(conn: Connection, before: datetime) -> int:
    """Drop run events older than ``before``; how many went."""
    return int(conn.execute(delete(EVENTS).where(EVENTS.c.at < before)).rowcount or 0)


def purge_deleted_leads(
    conn: Connection, deleted_before: datetime, deleted_since: datetime | None
) -> int:
    """Blank the personal fields of leads deleted in Salesforce in [``deleted_since``,
    ``deleted_before``) (their SystemModstamp is the deletion's); how many were purged.

    The caller keeps ``deleted_before`` as the next run's ``deleted_since``, so each night
    reads only the leads that crossed the retention period since the last one.
    """
    table = table_of("Lead")
    typed = [a for a in PERSONAL_LEAD_ATTRIBUTES if a in table.c]
    window = [table.c.is_deleted.is_(True), table.c.system_modstamp < deleted_before]
    if deleted_since is not None:
        window.append(table.c.system_modstamp >= deleted_since)
    rows = conn.execute(
        select(table.c.id, table.c.fields, *(table.c[a] for a in typed)).where(*window)
    ).all()
    purged = 0
    for row in rows:
        extra = dict(row.fields or {})
        personal = [a for a in PERSONAL_LEAD_ATTRIBUTES if extra.get(a) is not None]
        if not personal and all(getattr(row, a) is None for a in typed):
            continue  # purged before
        for a in personal:
            extra[a] = None
        conn.execute(
            update(table).where(table.c.id == row.id).values(fields=extra, **dict.fromkeys(typed))
        )
        purged += 1
    return purged
