"""`syncd check` verifies that every user and queue the policy names exists (and is active)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.domain.policy import load_policy
from syncd.sync.check import check_owner_refs, check_task_key

POLICY = load_policy((Path(__file__).resolve().parents[2] / "mappings" / "policy.yaml").read_text())
REFS = sorted(set(POLICY.unresolved_owners.values()))
QUEUE_REFS = [r for r in REFS if "@" not in r]
USER_REFS = [r for r in REFS if "@" in r]


def org_with_everyone() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    users = [{"Username": r, "Email": r, "IsActive": True} for r in USER_REFS]
    queues = [{"DeveloperName": q} for q in QUEUE_REFS]
    return users, queues


def test_an_org_holding_every_named_owner_passes() -> None:
    users, queues = org_with_everyone()
    assert check_owner_refs(POLICY, users, queues) == []


def test_a_missing_user_is_reported_by_name() -> None:
    users, queues = org_with_everyone()
    missing = users.pop(0)["Username"]
    problems = check_owner_refs(POLICY, users, queues)
    assert [p.path for p in problems] == ["routing"]
    assert str(missing) in problems[0].message


def test_an_inactive_user_is_reported_as_inactive() -> None:
    users, queues = org_with_everyone()
    users[0]["IsActive"] = False
    (problem,) = check_owner_refs(POLICY, users, queues)
    assert "inactive" in problem.message


@pytest.mark.skipif(not QUEUE_REFS, reason="the default policy names no queue")
def test_a_missing_queue_is_reported() -> None:
    users, queues = org_with_everyone()
    queues.pop(0)
    assert len(check_owner_refs(POLICY, users, queues)) == 1


def test_users_are_matched_by_email_ignoring_case() -> None:
    users, queues = org_with_everyone()
    for row in users:
        row["Username"] = f"other-{row['Username']}"
        row["Email"] = str(row["Email"]).upper()
    assert check_owner_refs(POLICY, users, queues) == []


def test_task_needs_the_key_that_makes_handoff_tasks_exactly_once() -> None:
    with_key = {"fields": [{"name": "Syncd_Key__c", "type": "string", "createable": True}]}
    without = {"fields": [{"name": "Subject", "type": "combobox", "createable": True}]}
    assert check_task_key(with_key) == []
    (problem,) = check_task_key(without)
    assert "Syncd_Key__c" in problem.message
