"""The one lead-source map: variants and sub-sources become the standard list, unknown
sources the policy's catch-all with the raw value kept as detail, and mistakes in the map
are named where they are."""

from __future__ import annotations

from typing import Any

import pytest
from domain_builders import ANA, TOKYO, make_lead, make_policy, ny, policy_data, team

from syncd.domain.engine import evaluate
from syncd.domain.hygiene import SourceFix, lead_source_fix
from syncd.domain.policy import PolicyError
from syncd.domain.routing_state import RoutingState

MAP: dict[str, Any] = {
    "Advertising": {"Adwords": ["google ads", "ppc"], "Display": ["banner"]},
    "Inbound": ["web", "website"],
    "Event": {"Webinar": ["web seminar"]},
}


def policy_with(**hygiene: Any) -> Any:
    data = policy_data()
    data["hygiene"] = {"lead_source_map": MAP, **hygiene}
    return make_policy(data)


@pytest.mark.parametrize(
    ("raw", "fix"),
    [
        ("Google Ads", SourceFix("Advertising", "Adwords")),
        ("adwords", SourceFix("Advertising", "Adwords")),  # the sub-source's own name
        (" WEBSITE ", SourceFix("Inbound", None)),
        ("Inbound", SourceFix("Inbound", None)),
        ("webinar", SourceFix("Event", "Webinar")),
    ],
)
def test_variants_and_sub_sources_become_the_standard_value(raw: str, fix: SourceFix) -> None:
    assert lead_source_fix(raw, policy_with().hygiene) == fix


def test_an_unknown_source_becomes_the_catch_all_with_its_raw_value_as_detail() -> None:
    hygiene = policy_with(unmatched_lead_source="Inbound").hygiene
    assert lead_source_fix("Fax blast", hygiene) == SourceFix("Inbound", "Fax blast")
    assert lead_source_fix("Fax blast", policy_with().hygiene) is None


def test_the_standard_value_and_its_sub_source_are_written_back() -> None:
    lead = make_lead(fields={"lead_source": "google ads"}, owner_id=ANA)
    decision = evaluate(
        lead, [], [], team(), RoutingState(), policy_with(), ny(3, 10).astimezone(TOKYO)
    )
    assert decision.field_changes["lead_source"] == "Advertising"
    assert decision.field_changes["lead_source_detail"] == "Adwords"


def test_a_standard_source_is_left_alone() -> None:
    lead = make_lead(fields={"lead_source": "Advertising", "lead_source_detail": "Adwords"})
    decision = evaluate(
        lead, [], [], team(), RoutingState(), policy_with(), ny(3, 10).astimezone(TOKYO)
    )
    assert "lead_source" not in decision.field_changes
    assert "lead_source_detail" not in decision.field_changes


def test_a_variant_under_two_standards_is_named_where_it_is() -> None:
    data = policy_data()
    data["hygiene"] = {"lead_source_map": {"Inbound": ["web"], "Event": {"Webinar": ["web"]}}}
    with pytest.raises(PolicyError) as raised:
        make_policy(data)
    assert any(
        e.path == "hygiene.lead_source_map.Event.Webinar"
        and "already maps to 'Inbound'" in e.message
        for e in raised.value.errors
    )


def test_a_catch_all_outside_the_standard_list_is_refused() -> None:
    with pytest.raises(PolicyError) as raised:
        policy_with(unmatched_lead_source="Other")
    assert [e.path for e in raised.value.errors] == ["hygiene.unmatched_lead_source"]


def test_the_default_policy_maps_every_seeded_variant_to_the_standard_list() -> None:
    from pathlib import Path

    from syncd.config import load_config
    from syncd.simulator.seed import _LEAD_SOURCE

    policy = load_config(Path(__file__).resolve().parents[3] / "mappings").policy
    standard = set(policy.hygiene.standard_sources)
    assert standard == {
        "Advertising", "3rd Party Website", "Event", "Inbound", "Sales Sourced", "Referral",
        "Social", "List Purchase", "Email Campaign",
    }  # fmt: skip
    for raw in _LEAD_SOURCE._values:
        fix = lead_source_fix(raw, policy.hygiene)
        assert raw is None or (fix is not None and fix.standard in standard), raw
