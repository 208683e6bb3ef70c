"""A pulled change is an echo of syncd's own write only when every value that moved is the
one syncd wrote: then the lead is not decided again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from syncd.config import load_config
from syncd.sync.echo import is_echo, written_as

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
OUTPUTS = written_as(load_config(MAPPINGS).mappings.lead)
DUE = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)


def test_the_written_fields_map_back_to_their_outputs() -> None:
    assert OUTPUTS["score"] == "score"
    assert OUTPUTS["sla_due"] == "sla_due"
    assert "title" not in OUTPUTS


def test_values_equal_to_what_syncd_wrote_are_an_echo_in_any_spelling() -> None:
    pulled = {"score": 42.0, "sla_due": DUE, "system_modstamp": DUE}
    wrote = {"score": 42, "sla_due": "2026-12-04T15:30:00+00:00"}
    assert is_echo(frozenset({"score", "sla_due", "system_modstamp"}), pulled, wrote, OUTPUTS)


def test_a_written_field_holding_another_value_is_a_persons_edit() -> None:
    assert not is_echo(frozenset({"score"}), {"score": 7}, {"score": 42}, OUTPUTS)


def test_a_field_syncd_never_writes_that_moved_is_not_an_echo() -> None:
    moved = frozenset({"score", "title"})
    assert not is_echo(moved, {"score": 42, "title": "CFO"}, {"score": 42}, OUTPUTS)


def test_a_written_field_syncd_has_no_record_of_writing_is_not_an_echo() -> None:
    assert not is_echo(frozenset({"grade"}), {"grade": "A"}, {"score": 42}, OUTPUTS)


def test_a_change_in_the_stamps_alone_is_nothing_syncd_reads() -> None:
    assert is_echo(frozenset({"system_modstamp"}), {"system_modstamp": DUE}, {}, OUTPUTS)
