"""Owner references in the policy, resolved against the org's users and queues, once.

The policy may name an owner by username, email, queue DeveloperName or Salesforce id.
`syncd check` and the cycle both call `resolve_owners`, so a reference that passes the one
works in the other. Usernames and emails match regardless of letter case, as Salesforce
treats them; an inactive user is never an owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from syncd.domain.policy import Policy
from syncd.domain.policy import resolve_owners as _swap_owners

__all__ = [
    "DirectoryQueue",
    "DirectoryUser",
    "OwnerDirectory",
    "OwnerProblem",
    "owner_refs",
    "resolve_owners",
]


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    id: str
    username: str | None
    email: str | None
    active: bool
    name: str = ""


@dataclass(frozen=True, slots=True)
class DirectoryQueue:
    id: str
    developer_name: str | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class OwnerDirectory:
    users: tuple[DirectoryUser, ...]
    queues: tuple[DirectoryQueue, ...]


@dataclass(frozen=True, slots=True)
class OwnerProblem:
    ref: str
    path: str
    message: str


def owner_refs(policy: Policy) -> Mapping[str, str]:
    """Every readable owner reference the policy names -> where (its section)."""
    return dict.fromkeys(sorted(set(policy.unresolved_owners.values())), "routing")


def _find(ref: str, directory: OwnerDirectory) -> DirectoryUser | DirectoryQueue | None:
    folded = ref.strip().casefold()
    for queue in directory.queues:
        if queue.developer_name == ref.strip():
            return queue
    for user in directory.users:
        if folded in ((user.username or "").casefold(), (user.email or "").casefold()):
            return user
    matches = [q for q in directory.queues if (q.developer_name or "").casefold() == folded]
    return matches[0] if len(matches) == 1 else None


def resolve_owners(
    policy: Policy, directory: OwnerDirectory
) -> tuple[Policy, tuple[OwnerProblem, ...]]:
    """The policy with every owner reference replaced by the org's id, and what failed.

    Same `version`: the policy means the same thing.
    """
    ids: dict[str, str] = {}
    problems: list[OwnerProblem] = []
    for ref, path in owner_refs(policy).items():
        found = _find(ref, directory)
        if found is None:
            problems.append(
                OwnerProblem(
                    ref,
                    path,
                    f"{ref!r} is neither a user (Username or Email) nor a queue (DeveloperName) "
                    "in the org; leads routed there would fall back",
                )
            )
            continue
        if isinstance(found, DirectoryUser) and not found.active:
            problems.append(
                OwnerProblem(
                    ref,
                    path,
                    f"user {ref!r} is inactive in the org: syncd never assigns to inactive users",
                )
            )
            continue
        ids[ref] = found.id
    return _swap_owners(policy, ids), tuple(problems)
