"""The org's own record: which org this is and whether it is a sandbox."""

from __future__ import annotations

from dataclasses import dataclass

from syncd.ports import OrgReader

__all__ = ["OrgIdentity", "read_organization"]

SOQL = "SELECT Id, Name, IsSandbox, OrganizationType, InstanceName FROM Organization LIMIT 1"


@dataclass(frozen=True, slots=True)
class OrgIdentity:
    id: str
    name: str
    is_sandbox: bool
    edition: str | None
    instance: str | None


def read_organization(client: OrgReader) -> OrgIdentity:
    """One query; every org has exactly one Organization record, readable by any user."""
    (row,) = client.query(SOQL)[:1]
    return OrgIdentity(
        id=str(row["Id"]),
        name=str(row.get("Name") or ""),
        is_sandbox=bool(row.get("IsSandbox")),
        edition=row.get("OrganizationType"),
        instance=row.get("InstanceName"),
    )
