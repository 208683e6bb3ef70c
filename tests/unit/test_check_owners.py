"""Owner references: `syncd check` and the cycle resolve them with the same function, so a
reference that passes the one routes leads in the other."""

from __future__ import annotations

from pathlib import Path

from syncd.config.policy_file import read_policy
from syncd.domain.owners import (
    DirectoryQueue,
    DirectoryUser,
    OwnerDirectory,
    owner_refs,
    resolve_owners,
)
from syncd.domain.routing import ToPool
from syncd.sync.check import check_owner_refs

POLICY, _ = read_policy(Path(__file__).resolve().parents[2] / "mappings")
assert POLICY is not None
REFS = sorted(owner_refs(POLICY))
USER_REFS = [r for r in REFS if "@" in r]
QUEUE_REFS = [r for r in REFS if "@" not in r]


def org(*, users: list[DirectoryUser] | None = None) -> OwnerDirectory:
    found = (
        users
        if users is not None
        else [
            DirectoryUser(f"005{i:012d}AAA", ref, ref, True, ref.split("@")[0])
            for i, ref in enumerate(USER_REFS)
        ]
    )
    queues = [DirectoryQueue(f"00G{i:012d}AAA", ref) for i, ref in enumerate(QUEUE_REFS)]
    return OwnerDirectory(tuple(found), tuple(queues))


def test_an_org_holding_every_named_owner_passes_check_and_resolves_every_reference() -> None:
    directory = org()
    assert check_owner_refs(POLICY, directory) == []
    resolved, problems = resolve_owners(POLICY, directory)
    assert problems == ()
    assert owner_refs(resolved) == {}


def test_a_username_in_another_letter_case_routes_leads_to_that_rep() -> None:
    # The org spells the username in lower case; the policy names `Ava.Patel@...`.
    first = USER_REFS[0]
    shouted = first[0].upper() + first[1:].replace(".", ".", 1)
    users = list(org().users)
    users[0] = DirectoryUser(users[0].id, first.lower(), first.lower(), True, "Ava Patel")
    directory = OwnerDirectory(tuple(users), org().queues)
    policy_text = POLICY.unresolved_owners
    placeholders = [p for p, ref in policy_text.items() if ref == first]
    assert placeholders, "the default policy names this rep"
    renamed = POLICY.__class__(
        **{
            **{f: getattr(POLICY, f) for f in POLICY.__dataclass_fields__},
            "unresolved_owners": {
                p: (shouted if ref == first else ref) for p, ref in policy_text.items()
            },
        }
    )
    assert check_owner_refs(renamed, directory) == []
    resolved, problems = resolve_owners(renamed, directory)
    assert problems == ()
    members = {m.user_id for pool in resolved.routing.pools.values() for m in pool.members} | {
        r.target.pool for r in resolved.routing.rules if isinstance(r.target, ToPool)
    }
    assert users[0].id in members


def test_a_missing_user_is_reported_by_name() -> None:
    users = list(org().users)
    missing = users.pop(0)
    problems = check_owner_refs(POLICY, OwnerDirectory(tuple(users), org().queues))
    assert len(problems) == 1
    assert str(missing.username) in problems[0].message


def test_an_inactive_user_is_reported_as_inactive() -> None:
    users = list(org().users)
    users[0] = DirectoryUser(users[0].id, users[0].username, users[0].email, False)
    (problem,) = check_owner_refs(POLICY, OwnerDirectory(tuple(users), org().queues))
    assert "inactive" in problem.message


def test_a_missing_queue_is_reported() -> None:
    directory = OwnerDirectory(org().users, org().queues[1:])
    (problem,) = check_owner_refs(POLICY, directory)
    assert QUEUE_REFS[0] in problem.message


def test_users_are_matched_by_email_ignoring_case() -> None:
    users = tuple(
        DirectoryUser(u.id, f"other.{i}@elsewhere.test", str(u.email).upper(), True)
        for i, u in enumerate(org().users)
    )
    assert check_owner_refs(POLICY, OwnerDirectory(users, org().queues)) == []
