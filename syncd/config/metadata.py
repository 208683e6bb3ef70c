"""Where syncd's Salesforce metadata (`salesforce-metadata/`, SFDX source format) defines
what the org needs: the custom fields syncd reads and writes, the Lead Status and Lead Source
values, the integration user's permission set. `syncd check` names these files when the org
lacks something, so an admin knows what to deploy.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "METADATA_DIR",
    "PERMISSION_SET",
    "deploy_hint",
    "field_file",
    "value_set_file",
]

METADATA_DIR: Final = "salesforce-metadata"
_SOURCE: Final = f"{METADATA_DIR}/force-app/main/default"
PERMISSION_SET: Final = f"{_SOURCE}/permissionsets/Syncd_Integration.permissionset-meta.xml"
# Custom fields on Task and Event are defined on the Activity object.
_ACTIVITY_OBJECTS: Final = frozenset({"Task", "Event"})


def field_file(sobject: str, field: str) -> str | None:
    """The metadata file that defines ``sobject.field``; None for a standard field."""
    if not field.endswith("__c"):
        return None
    owner = "Activity" if sobject in _ACTIVITY_OBJECTS else sobject
    return f"{_SOURCE}/objects/{owner}/fields/{field}.field-meta.xml"


def value_set_file(field: str) -> str:
    """The standard value set file with the picklist values syncd needs (Status, LeadSource)."""
    name = "LeadStatus" if field == "Status" else f"Lead{field.removeprefix('Lead')}"
    return f"{_SOURCE}/standardValueSets/{name}.standardValueSet-meta.xml"


def deploy_hint(path: str) -> str:
    return f"; deploy {path} (README: Deploy to your org)"
