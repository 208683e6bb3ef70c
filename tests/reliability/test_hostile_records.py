"""Hostile Salesforce records through the pull (decode, store) on SQLite and PostgreSQL.

Generated Lead and Task pages mix well-formed records with unicode, U+0000, 32k text, nulls,
values of the wrong type, owners that were deleted and activities on deleted leads. The pull
never raises: a record it cannot store is quarantined with its reason (naming the field,
never the value), and every other record of the page is stored.

U+0000 is stripped, not quarantined: PostgreSQL text and jsonb cannot hold it, it carries
nothing a person can see, and quarantining would keep the lead out of every cycle until
someone finds and edits an invisible character (syncd never writes Company back).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select

from syncd.config.fields import load_mappings
from syncd.mirror import Mirror
from syncd.mirror.mirror import PageRefused
from syncd.mirror.models import Activity, Lead, RunEvent
from syncd.simulator.server import start_simulator
from syncd.sync.pull import PullResult, pull_object
from tests.e2e.syncd_e2e import cycle, settings_for

MAPPINGS = load_mappings(Path(__file__).resolve().parents[2] / "mappings")
RUN_STARTED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
STAMP = "2026-11-20T14:00:00.000+0000"
_serial = itertools.count(1)


def sf_id(prefix: str) -> str:
    return f"{prefix}5g{next(_serial):010d}AAA"


class PageOrg:
    """Answers the pull's query with one page."""

    def __init__(self, page: list[dict[str, Any]]) -> None:
        self.page = page

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        yield self.page

    def query_pages_sized(
        self, soql: str, *, include_deleted: bool = False
    ) -> tuple[int, Iterator[list[dict[str, Any]]]]:
        return len(self.page), self.query_pages(soql, include_deleted=include_deleted)

    def bulk_query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        raise AssertionError("no bulk below the threshold")


def pull(engine: Engine, sobject: str, page: list[dict[str, Any]]) -> PullResult:
    return pull_object(
        PageOrg(page),
        Mirror(engine),
        MAPPINGS[sobject],
        run_id="r",
        run_started=RUN_STARTED,
        lookback=timedelta(minutes=5),
        bulk_threshold=10_000,
        now=lambda: RUN_STARTED,
    )


# --- strategies ------------------------------------------------------------------------

NUL_TEXT = st.text(
    alphabet=st.sampled_from(["\x00", "a", "é", "ß", "😀", "\u202e", " "]), max_size=12
)
TEXT = st.one_of(
    st.none(),
    st.text(max_size=40),
    NUL_TEXT,
    st.just("x" * 32_768),
    st.just("\x00" * 300),
    st.just("O'Brien\\' OR Id != '"),
)
WRONG = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.text(max_size=10),
)
ANYTHING = st.one_of(TEXT, WRONG)
DELETED_OWNER = "0055g00000GoneAAA"


@st.composite
def lead_record(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": sf_id("00Q"),
        "SystemModstamp": STAMP,
        "CreatedDate": STAMP,
        "IsDeleted": draw(st.sampled_from([False, True, None])),
        "OwnerId": draw(st.sampled_from([DELETED_OWNER, None, "00G5g00000QueueAAA"])),
        "LastName": draw(TEXT),
        "FirstName": draw(TEXT),
        "Company": draw(TEXT),
        "Title": draw(TEXT),
        "Email": draw(TEXT),
        "Score_Reason__c": draw(TEXT),
        "Status": draw(st.one_of(TEXT, st.just("Open - Not Contacted"))),
    }
    # Some fields of the wrong type: numbers as text, text as mappings, booleans as numbers...
    for name in draw(
        st.lists(
            st.sampled_from(
                [
                    "NumberOfEmployees",
                    "AnnualRevenue",
                    "IsConverted",
                    "Lead_Score__c",
                    "SLA_Due__c",
                    "ConvertedDate",
                    "Company",
                    "Recycle_Count__c",
                    "Country",
                    "PostalCode",
                ]
            ),
            max_size=3,
            unique=True,
        )
    ):
        record[name] = draw(ANYTHING)
    return record


@st.composite
def task_record(draw: st.DrawFn, lead_ids: list[str]) -> dict[str, Any]:
    return {
        "Id": sf_id("00T"),
        "SystemModstamp": STAMP,
        "CreatedDate": STAMP,
        "IsDeleted": False,
        # On a lead that was deleted (or never existed), on a good one, or on nothing.
        "WhoId": draw(st.sampled_from([*lead_ids, "00Q5g00000DeletedAA", None])),
        "OwnerId": DELETED_OWNER,
        "Subject": draw(TEXT),
        "Type": draw(st.one_of(TEXT, st.just("Call"))),
        "ActivityDate": draw(st.one_of(st.none(), st.just("2026-11-19"), ANYTHING)),
        "CallDurationInSeconds": draw(st.one_of(st.none(), ANYTHING)),
    }


def good_lead() -> dict[str, Any]:
    return {
        "Id": sf_id("00Q"),
        "SystemModstamp": STAMP,
        "CreatedDate": STAMP,
        "IsDeleted": False,
        "IsConverted": False,
        "LastName": "Okafor",
        "Company": "Acme",
        "Status": "Open - Not Contacted",
    }


def assert_handled(
    engine: Engine, sobject: str, page: list[dict[str, Any]], result: PullResult
) -> None:
    """Every record is stored or quarantined (with a reason that shows no value); the
    well-formed ones are stored."""
    table = (Lead if sobject == "Lead" else Activity).__table__
    ids = [r["Id"] for r in page]
    with engine.connect() as conn:
        stored = set(conn.scalars(select(table.c.id).where(table.c.id.in_(ids))))
    quarantined = {bad.record_id for bad in result.quarantined}
    assert stored | quarantined == set(ids)
    assert not stored & quarantined
    for bad in result.quarantined:
        record = next(r for r in page if r["Id"] == bad.record_id)
        # The reason names the record and the field; what it says of them (``why``) may
        # show no value (a short generated value like "0000" or "who_" can be part of an
        # Id or a field name).
        reason = bad.why
        for value in record.values():
            if isinstance(value, str) and len(value) >= 4 and value not in (bad.record_id, STAMP):
                assert value not in reason, f"{bad.field} leaked a value"
    with engine.connect() as conn:
        for row in conn.execute(select(table).where(table.c.id.in_(stored))):
            for value in row:
                assert "\x00" not in str(value)


HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@HYPOTHESIS
@given(hostile=st.lists(lead_record(), min_size=1, max_size=6), data=st.data())
def test_hostile_leads_are_stored_or_quarantined(
    mirror_engine: Engine, hostile: list[dict[str, Any]], data: st.DataObject
) -> None:
    good = [good_lead(), good_lead()]
    page = data.draw(st.permutations(hostile + good))
    result = pull(mirror_engine, "Lead", page)
    assert_handled(mirror_engine, "Lead", page, result)
    assert not {g["Id"] for g in good} & {b.record_id for b in result.quarantined}


@HYPOTHESIS
@given(data=st.data())
def test_hostile_tasks_are_stored_or_quarantined(
    mirror_engine: Engine, data: st.DataObject
) -> None:
    leads = [good_lead()]
    pull(mirror_engine, "Lead", leads)
    page = data.draw(st.lists(task_record([lead["Id"] for lead in leads]), min_size=1, max_size=6))
    result = pull(mirror_engine, "Task", page)
    assert_handled(mirror_engine, "Task", page, result)


def test_a_nul_in_company_is_stripped_on_every_backend(mirror_engine: Engine) -> None:
    lead = good_lead() | {"Company": "Acme\x00 GmbH", "LastName": "M\x00ller"}
    result = pull(mirror_engine, "Lead", [lead])
    assert result.quarantined == []
    with mirror_engine.connect() as conn:
        row = conn.execute(select(Lead.__table__).where(Lead.__table__.c.id == lead["Id"])).one()
    assert row.fields["company"] == "Acme GmbH"
    assert row.fields["last_name"] == "Mller"


def test_a_value_too_long_for_its_column_quarantines_that_lead_only(
    mirror_engine: Engine,
) -> None:
    """PostgreSQL refuses an Email longer than its column, and with it the whole page
    (SQLite would store it): refused on both, that lead only, its address not in the reason."""
    long_email = "someone.private@" + "x" * 300 + ".example.com"
    bad = good_lead() | {"Email": long_email}
    page = [good_lead(), bad, good_lead()]
    result = pull(mirror_engine, "Lead", page)
    (problem,) = result.quarantined
    assert (problem.record_id, problem.field) == (bad["Id"], "email")
    assert "someone.private" not in str(problem)
    assert_handled(mirror_engine, "Lead", page, result)


WRONG_TYPES = [
    # (what it breaks, Salesforce field, value, the field the quarantine names)
    ("converted-not-a-boolean", "IsConverted", "perhaps", "IsConverted"),
    ("converted-date-a-number", "ConvertedDate", 12, "ConvertedDate"),
    ("created-date-not-a-date", "CreatedDate", "yesterday", "CreatedDate"),
    ("email-a-list", "Email", ["a@b.c"], "Email"),
    ("status-a-mapping", "Status", {"value": "Open"}, "Status"),
    ("revenue-infinite", "AnnualRevenue", float("inf"), "AnnualRevenue"),
    ("revenue-not-a-number", "AnnualRevenue", float("nan"), "AnnualRevenue"),
    ("no-id", "Id", None, "Id"),
    ("id-a-name", "Id", "Jane Doe of Acme", "Id"),
    ("no-modstamp", "SystemModstamp", None, "?"),  # refused by the database (NOT NULL)
]


@pytest.mark.parametrize(
    ("field", "value", "named"), [w[1:] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES]
)
def test_a_wrong_type_quarantines_the_record_naming_its_field(
    mirror_engine: Engine, field: str, value: object, named: str
) -> None:
    bad = good_lead() | {field: value, "LastName": "Privatename", "Company": "Secret Co"}
    good = good_lead()
    result = pull(mirror_engine, "Lead", [bad, good])
    (problem,) = result.quarantined
    assert problem.field == named
    for private in ("Privatename", "Secret Co", "Jane Doe", "a@b.c", "Open"):
        assert private not in str(problem)
    with mirror_engine.connect() as conn:
        stored = set(conn.scalars(select(Lead.__table__.c.id)))
    assert good["Id"] in stored
    assert bad["Id"] not in stored


def test_a_database_error_never_shows_the_row(mirror_engine: Engine) -> None:
    """Rows that skip the decoder (a bug) still fail without printing personal data."""
    row = {
        "id": sf_id("00Q"),
        "system_modstamp": None,  # NOT NULL on both backends
        "is_converted": False,
        "last_name": "Privatename",
        "email": "private.person@example.com",
    }
    with pytest.raises(PageRefused) as caught:
        Mirror(mirror_engine).store_page("Lead", [row], now=RUN_STARTED, run_id="r", mark=None)
    text = str(caught.value) + repr(caught.value) + str(caught.value.__cause__)
    assert "Privatename" not in text
    assert "private.person" not in text


def test_a_cycle_with_hostile_leads_in_the_org_goes_on(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole cycles against the simulator: a NUL in a lead's Company no longer stops every
    cycle on PostgreSQL, an Email too long for the mirror quarantines only its lead, and
    nothing the run records shows their personal data."""
    with start_simulator(leads=5, seed=5) as sim:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca_bundle)
        nul_id, long_id = sim.org.load(
            "Lead",
            [
                {
                    "LastName": "Nulperson",
                    "Company": "Null\x00 Industries",
                    "Status": "Open - Not Contacted",
                },
                {
                    "LastName": "Longperson",
                    "Company": "Acme",
                    "Email": "very.private@" + "x" * 300 + ".example.com",
                    "Status": "Open - Not Contacted",
                },
            ],
        )
        settings = settings_for(sim, database_url)
        runs = []
        for _ in range(3):
            runs.append(cycle(settings, sim))  # each asserts its cycle ended ok
            sim.org.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    # Quarantined when read: first, then once more inside the lookback, then not again.
    assert [r.quarantined for r in runs] == [1, 1, 0]
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            company = conn.execute(
                select(Lead.__table__.c.fields).where(Lead.__table__.c.id == nul_id)
            ).scalar_one()["company"]
            events = conn.execute(select(RunEvent.__table__)).all()
            stored = set(conn.scalars(select(Lead.__table__.c.id)))
    finally:
        engine.dispose()
    assert company == "Null Industries"
    assert nul_id in stored
    assert long_id not in stored
    quarantined = [e for e in events if e.kind == "quarantined"]
    assert {e.record_id for e in quarantined} == {long_id}
    text = " ".join(str(tuple(e)) for e in events)
    assert "very.private" not in text
    assert "Longperson" not in text
