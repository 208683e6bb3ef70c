"""The org's users and queues read straight from Salesforce (for `syncd check`, which may run
before any mirror exists), as the domain's owner directory."""

from __future__ import annotations

from syncd.domain.owners import DirectoryQueue, DirectoryUser, OwnerDirectory
from syncd.ports import OrgReader

__all__ = ["org_directory"]


def org_directory(client: OrgReader) -> OwnerDirectory:
    users = client.query("SELECT Id, Username, Email, Name, IsActive FROM User")
    queues = client.query("SELECT Id, DeveloperName, Name FROM Group WHERE Type = 'Queue'")
    return OwnerDirectory(
        tuple(
            DirectoryUser(
                str(u["Id"]),
                u.get("Username"),
                u.get("Email"),
                bool(u.get("IsActive")),
                str(u.get("Name") or ""),
            )
            for u in users
        ),
        tuple(
            DirectoryQueue(str(q["Id"]), q.get("DeveloperName"), str(q.get("Name") or ""))
            for q in queues
        ),
    )
