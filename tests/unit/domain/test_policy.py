"""The policy loader: the shipped default, every error at once, versions, owner references."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from domain_builders import ANA, ny, policy_data

from syncd.domain.model import LeadState, Stage
from syncd.domain.policy import (
    PolicyError,
    load_policy,
    owner_refs,
    resolve_owners,
    validate_policy,
)
from syncd.domain.routing import ToPool, ToUser

DEFAULT_POLICY = Path(__file__).resolve().parents[3] / "mappings" / "policy.yaml"


def test_the_shipped_default_policy_is_valid() -> None:
    policy, messages = validate_policy(yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8")))
    assert messages == ()
    assert policy is not None
    assert policy.declared_version == "2026.11-default"
    assert len(policy.scoring.fit_rules) >= 6
    assert {r.name for r in policy.scoring.engagement_rules} >= {
        "demo request",
        "pricing page",
        "white paper",
        "video",
        "webinar attended",
        "blog",
        "contact-me form",
        "unsubscribed",
        "competitor customer",
        "3 web visits in 7 days",
    }
    assert policy.lifecycle.statuses.status_for(Stage.CONVERTED) == "Closed - Converted"


def test_the_default_policy_names_owners_readably_for_the_integration_to_resolve() -> None:
    policy = load_policy(yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8")))
    assert owner_refs(policy) == {
        "Nurture_Queue",
        "Partner_Queue",
        "Unassigned_Queue",
        "ava.patel@acme-analytics.example.com",
        "ben.okafor@acme-analytics.example.com",
        "chloe.martin@acme-analytics.example.com",
        "dieter.schmidt@acme-analytics.example.com",
        "elodie.durand@acme-analytics.example.com",
        "grace.kim@acme-analytics.example.com",
        "henry.lopez@acme-analytics.example.com",
        "irene.chen@acme-analytics.example.com",
    }


def test_resolving_owner_references_puts_org_ids_everywhere() -> None:
    policy = load_policy(yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8")))
    ids = {ref: f"005{i:012d}AAA" for i, ref in enumerate(sorted(owner_refs(policy)))}
    resolved = resolve_owners(policy, ids)
    assert owner_refs(resolved) == frozenset()
    assert resolved.recycle.nurture_owner == ids["Nurture_Queue"]
    assert resolved.routing.fallback_queue == ids["Unassigned_Queue"]
    assert resolved.routing.rules[0].target == ToUser(ids["grace.kim@acme-analytics.example.com"])
    members = {m.user_id for m in resolved.routing.pools["inbound"].members}
    assert members == {
        ids[r]
        for r in (
            "ava.patel@acme-analytics.example.com",
            "ben.okafor@acme-analytics.example.com",
            "chloe.martin@acme-analytics.example.com",
        )
    }
    assert resolved.version == policy.version


def test_partly_resolved_references_stay_listed() -> None:
    policy = load_policy(yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8")))
    resolved = resolve_owners(policy, {"Nurture_Queue": "00G000000000NURAAA"})
    assert "Nurture_Queue" not in owner_refs(resolved)
    assert "Partner_Queue" in owner_refs(resolved)


def test_every_problem_in_every_section_is_reported_at_once() -> None:
    data = policy_data()
    data["scoring"]["fit"][1]["points"] = "twenty"
    data["lifecycle"]["mql"]["min_score"] = "high"
    data["routing"]["rules"][0]["to"] = {"pool": "nowhere"}
    data["recycle"]["no_touch_days"] = 0
    data["alerts"] = {"handoff_subject": "Follow up by {deadline}"}
    data["extra"] = True
    with pytest.raises(PolicyError) as caught:
        load_policy(data, "policy.yaml")
    assert caught.value.messages == (
        "policy.yaml: extra: unknown key; expected one of ['alerts', 'hygiene', 'lifecycle', "
        "'recycle', 'report', 'routing', 'scoring', 'sla', 'version', 'writeback']",
        "policy.yaml: scoring.fit[1].points: must be a number",
        "policy.yaml: lifecycle.mql.min_score: must be a number",
        *[m for m in caught.value.messages if m.startswith("policy.yaml: routing.rules[0]")],
        "policy.yaml: recycle.no_touch_days: must be greater than 0",
        "policy.yaml: alerts.handoff_subject: unknown placeholder or bad braces: 'deadline'",
    )
    assert any("nowhere" in m for m in caught.value.messages)
    assert str(caught.value).startswith(f"{len(caught.value.messages)} problem(s) in policy.yaml:")


def test_sla_grades_must_be_scoring_grades() -> None:
    data = policy_data()
    data["sla"]["first_response"]["by_grade"]["Z"] = "1h"
    _, errors = validate_policy(data)
    assert tuple(e.render("policy.yaml") for e in errors) == (
        "policy.yaml: sla.first_response.by_grade.Z: unknown grade; scoring.grades defines "
        "['A', 'B', 'C', 'D']",
    )


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    _, errors = validate_policy(["just", "a list"])
    assert [e.render("policy.yaml") for e in errors] == [
        "policy.yaml: must be a mapping (key: value lines)"
    ]


def test_version_follows_content_not_key_order() -> None:
    data = policy_data()
    base = load_policy(data).version
    assert load_policy(dict(reversed(list(data.items())))).version == base
    changed = policy_data()
    changed["lifecycle"]["mql"]["min_score"] = 70
    assert load_policy(changed).version != base
    assert base.startswith("test-1+")


def test_a_writeback_section_is_refused_with_where_the_field_names_moved() -> None:
    data = policy_data()
    data["writeback"] = {"score": "MQL_Score__c"}
    _, errors = validate_policy(data)
    assert [(e.path, e.message.split(":")[0]) for e in errors] == [("writeback", "moved")]
    assert "fields.yaml objects.Lead.writeback" in errors[0].message


def test_routing_targets_keep_their_ids() -> None:
    policy = load_policy(policy_data())
    assert policy.routing.rules[0].target == ToPool("inbound")
    assert ANA in {m.user_id for m in policy.routing.pools["inbound"].members}


def test_lead_state_round_trips_through_plain_data() -> None:
    state = LeadState(
        stage=Stage.MQL,
        stage_entered_at=ny(3, 10),
        handoff_count=2,
        handoff_at=ny(3, 12),
        sla_due=ny(3, 13),
        window_end=ny(17, 13),
        sla_breached_handoff=1,
        sla_reassignments=1,
        first_touch_at=ny(3, 12, 30),
        follow_up_seconds=1800,
        recycled_at=ny(1, 9),
        peak_score=91,
        lapsed_owner_ids=(ANA,),
        hygiene_flags=("duplicate email",),
        rejected_status="Odd",
        stage_history=(("new", ny(2, 9).isoformat()), ("mql", ny(3, 10).isoformat())),
    )
    plain = yaml.safe_load(yaml.safe_dump(state.to_dict()))
    assert LeadState.from_dict(plain) == state


def test_malformed_lead_state_is_refused_with_a_reason() -> None:
    with pytest.raises(TypeError, match="lapsed_owner_ids must be a list"):
        LeadState.from_dict({"stage": "mql", "lapsed_owner_ids": "005000000000ANAAAA"})
