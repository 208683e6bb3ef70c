"""The lifecycle state machine: who may make which move, the status map, aging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import STATUSES, ny

from syncd.domain.lifecycle import ALLOWED, TERMINAL, Actor, can_move, enter, time_in_stage
from syncd.domain.model import LeadState, Stage
from syncd.domain.policy.errors import ConfigError
from syncd.domain.policy.lifecycle import parse_lifecycle

S = Stage
DAEMON, PERSON = Actor.DAEMON, Actor.PERSON

# Every allowed move, named as the business would name it.
VALID = [
    ("daemon qualifies a new lead", S.NEW, S.MQL, DAEMON),
    ("daemon qualifies a nurtured lead", S.NURTURE, S.MQL, DAEMON),
    ("daemon re-qualifies a recycled lead", S.RECYCLED, S.MQL, DAEMON),
    ("daemon recycles an unworked MQL", S.MQL, S.RECYCLED, DAEMON),
    ("daemon recycles a stale SAL", S.SAL, S.RECYCLED, DAEMON),
    ("daemon recycles a stale SQL", S.SQL, S.RECYCLED, DAEMON),
    ("daemon recycles could-not-reach", S.COULD_NOT_REACH, S.RECYCLED, DAEMON),
    ("daemon disqualifies a new lead", S.NEW, S.DISQUALIFIED, DAEMON),
    ("daemon disqualifies a nurtured lead", S.NURTURE, S.DISQUALIFIED, DAEMON),
    ("daemon disqualifies an MQL", S.MQL, S.DISQUALIFIED, DAEMON),
    ("daemon disqualifies a SAL", S.SAL, S.DISQUALIFIED, DAEMON),
    ("daemon disqualifies a SQL", S.SQL, S.DISQUALIFIED, DAEMON),
    ("daemon disqualifies could-not-reach", S.COULD_NOT_REACH, S.DISQUALIFIED, DAEMON),
    ("daemon disqualifies after too many recycles", S.RECYCLED, S.DISQUALIFIED, DAEMON),
    ("rep accepts an MQL", S.MQL, S.SAL, PERSON),
    ("rep works a new lead directly", S.NEW, S.SAL, PERSON),
    ("rep works a nurtured lead directly", S.NURTURE, S.SAL, PERSON),
    ("rep works a recycled lead directly", S.RECYCLED, S.SAL, PERSON),
    ("rep reaches a could-not-reach lead", S.COULD_NOT_REACH, S.SAL, PERSON),
    ("rep qualifies a SAL", S.SAL, S.SQL, PERSON),
    ("rep could not reach an MQL", S.MQL, S.COULD_NOT_REACH, PERSON),
    ("rep could not reach a SAL", S.SAL, S.COULD_NOT_REACH, PERSON),
    ("rep could not reach a SQL", S.SQL, S.COULD_NOT_REACH, PERSON),
    ("marketing nurtures a new lead", S.NEW, S.NURTURE, PERSON),
    ("rep sends an MQL back to nurture", S.MQL, S.NURTURE, PERSON),
    ("rep sends a SAL back to nurture", S.SAL, S.NURTURE, PERSON),
    ("rep sends a SQL back to nurture", S.SQL, S.NURTURE, PERSON),
    ("marketing nurtures a recycled lead", S.RECYCLED, S.NURTURE, PERSON),
    ("rep disqualifies a new lead", S.NEW, S.DISQUALIFIED, PERSON),
    ("rep disqualifies a nurtured lead", S.NURTURE, S.DISQUALIFIED, PERSON),
    ("rep disqualifies an MQL", S.MQL, S.DISQUALIFIED, PERSON),
    ("rep disqualifies a SAL", S.SAL, S.DISQUALIFIED, PERSON),
    ("rep disqualifies a SQL", S.SQL, S.DISQUALIFIED, PERSON),
    ("rep disqualifies could-not-reach", S.COULD_NOT_REACH, S.DISQUALIFIED, PERSON),
    ("rep disqualifies a recycled lead", S.RECYCLED, S.DISQUALIFIED, PERSON),
    ("rep converts a new lead", S.NEW, S.CONVERTED, PERSON),
    ("rep converts a nurtured lead", S.NURTURE, S.CONVERTED, PERSON),
    ("rep converts an MQL", S.MQL, S.CONVERTED, PERSON),
    ("rep converts a SAL", S.SAL, S.CONVERTED, PERSON),
    ("rep converts a SQL", S.SQL, S.CONVERTED, PERSON),
    ("rep converts could-not-reach", S.COULD_NOT_REACH, S.CONVERTED, PERSON),
    ("rep converts a recycled lead", S.RECYCLED, S.CONVERTED, PERSON),
]

INVALID = [
    ("a person cannot make a lead an MQL", S.NEW, S.MQL, PERSON),
    ("a person cannot recycle (the daemon does)", S.SAL, S.RECYCLED, PERSON),
    ("the daemon never accepts for sales", S.MQL, S.SAL, DAEMON),
    ("the daemon never converts", S.SQL, S.CONVERTED, DAEMON),
    ("the daemon never sends to nurture", S.MQL, S.NURTURE, DAEMON),
    ("no skipping acceptance: MQL straight to SQL", S.MQL, S.SQL, PERSON),
    ("no going back: SQL to SAL", S.SQL, S.SAL, PERSON),
    ("no going back: SAL to MQL", S.SAL, S.MQL, PERSON),
    ("no un-converting", S.CONVERTED, S.SAL, PERSON),
    ("disqualified is final", S.DISQUALIFIED, S.NURTURE, PERSON),
    ("disqualified is final for the daemon too", S.DISQUALIFIED, S.MQL, DAEMON),
    ("recycled cannot go back to new", S.RECYCLED, S.NEW, PERSON),
    ("could-not-reach cannot skip to SQL", S.COULD_NOT_REACH, S.SQL, PERSON),
]


@pytest.mark.parametrize(
    ("source", "target", "actor"), [c[1:] for c in VALID], ids=[c[0] for c in VALID]
)
def test_valid_transition(source: Stage, target: Stage, actor: Actor) -> None:
    assert can_move(source, target, actor) is True


@pytest.mark.parametrize(
    ("source", "target", "actor"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_transition(source: Stage, target: Stage, actor: Actor) -> None:
    assert can_move(source, target, actor) is False


def test_the_valid_table_is_the_whole_state_machine() -> None:
    listed = {(source, target, actor) for _, source, target, actor in VALID}
    table = {(s, t, a) for (s, t), actors in ALLOWED.items() for a in actors}
    assert listed == table


def test_terminal_stages_have_no_way_out() -> None:
    assert not [key for key in ALLOWED if key[0] in TERMINAL]


def test_entering_a_stage_restarts_aging_and_keeps_history() -> None:
    state = enter(LeadState(), Stage.NEW, ny(2, 9))
    state = enter(state, Stage.MQL, ny(3, 10))
    assert state.stage is Stage.MQL
    assert time_in_stage(state, ny(5, 10)) == timedelta(days=2)
    assert state.stage_history == (("new", ny(2, 9).isoformat()), ("mql", ny(3, 10).isoformat()))


def test_aging_of_a_never_entered_stage_is_zero() -> None:
    assert time_in_stage(LeadState(), ny(5, 10)) == timedelta(0)


def _lifecycle(**changes: object) -> tuple[object, list[str]]:
    raw: dict[str, object] = {"statuses": dict(STATUSES), "mql": {"min_score": 80, "min_fit": 40}}
    raw.update(changes)
    errors: list[ConfigError] = []
    parsed = parse_lifecycle(raw, "lifecycle", errors)
    return parsed, [f"{e.path}: {e.message}" for e in errors]


STATUS_READS = [
    ("the mapped value", "Working - Contacted", Stage.SAL),
    ("case-insensitive", "working - contacted", Stage.SAL),
    ("an alias", "Closed - Not Converted", Stage.DISQUALIFIED),
    ("an unknown value", "Something Else", None),
    ("no status", None, None),
]


@pytest.mark.parametrize(
    ("status", "stage"), [c[1:] for c in STATUS_READS], ids=[c[0] for c in STATUS_READS]
)
def test_status_map_reads_org_values(status: str | None, stage: Stage | None) -> None:
    parsed, errors = _lifecycle(aliases={"Closed - Not Converted": "disqualified"})
    assert errors == []
    assert parsed.statuses.stage_for(status) == stage  # type: ignore[attr-defined]


def test_status_map_writes_the_stage_value() -> None:
    parsed, _ = _lifecycle()
    assert parsed.statuses.status_for(Stage.MQL) == "MQL"  # type: ignore[attr-defined]


def test_lifecycle_errors_name_each_problem() -> None:
    statuses = dict(STATUSES)
    del statuses["sql"]
    statuses["sal"] = "MQL"
    statuses["lead"] = "Lead"
    parsed, errors = _lifecycle(statuses=statuses, mql={"min_fit": "high"})
    assert parsed is None
    assert errors == [
        "lifecycle.statuses.lead: unknown stage; stages are "
        "['new', 'nurture', 'mql', 'sal', 'sql', 'converted', 'recycled', 'disqualified', "
        "'could_not_reach']",
        "lifecycle.statuses.sql: is required",
        "lifecycle.statuses.sal: 'MQL' is already the status of mql; each stage needs its own "
        "status so a person's move can be read back",
        "lifecycle.mql.min_score: is required",
        "lifecycle.mql.min_fit: must be a number",
    ]
