"""salesforce-metadata/ (SFDX source) holds what the org needs for syncd, and cannot drift
from fields.yaml, the policy or the simulated org; `syncd check` names the file to deploy
when the org lacks a field, a permission or a value."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_check import DEFAULT_DIR, STATUSES, drop_field, drop_picklist_value, org_describes

from syncd.config import TASK_KEY_FIELD, load_config
from syncd.config.fields import FieldMappings, load_mappings
from syncd.config.metadata import PERMISSION_SET, field_file, value_set_file
from syncd.domain.lifecycle import Stage
from syncd.simulator.schema import SCHEMA, FieldType
from syncd.sync.check import check_against_org

ROOT = Path(__file__).resolve().parents[2]
NS = {"m": "http://soap.sforce.com/2006/04/metadata"}
CONFIG = load_config(ROOT / "mappings")
LEAD = CONFIG.mappings.lead
WRITTEN_CUSTOM = sorted(f for f in LEAD.writeback.values() if f.endswith("__c"))
PULLED_CUSTOM = sorted(f for f in LEAD.pull if f.endswith("__c"))
# Metadata type -> the simulator's (what a deployed org's describe shows).
TYPES = {
    "Number": FieldType.DOUBLE,
    "Text": FieldType.STRING,
    "LongTextArea": FieldType.TEXTAREA,
    "DateTime": FieldType.DATETIME,
}


def parse(path: str) -> ET.Element:
    return ET.parse(ROOT / path).getroot()


def text(node: ET.Element, tag: str) -> str | None:
    found = node.find(f"m:{tag}", NS)
    return None if found is None else found.text


def values(field: str) -> set[str]:
    root = parse(value_set_file(field))
    return {str(text(v, "fullName")) for v in root.findall("m:standardValue", NS)}


def test_the_project_file_points_at_the_source_folder() -> None:
    project = json.loads((ROOT / "salesforce-metadata" / "sfdx-project.json").read_text())
    (package,) = project["packageDirectories"]
    assert (ROOT / "salesforce-metadata" / package["path"] / "main" / "default").is_dir()


@pytest.mark.parametrize("field", sorted(set(WRITTEN_CUSTOM) | set(PULLED_CUSTOM)))
def test_every_custom_lead_field_syncd_uses_is_defined_with_the_simulators_type(
    field: str,
) -> None:
    path = field_file("Lead", field)
    assert path is not None
    root = parse(path)
    assert text(root, "fullName") == field
    simulated = SCHEMA["Lead"].field(field)
    assert simulated is not None
    assert TYPES[str(text(root, "type"))] is simulated.type
    if simulated.type is FieldType.STRING:
        assert int(str(text(root, "length"))) == simulated.length


def test_the_task_key_is_an_external_id_text_field() -> None:
    root = parse(str(field_file("Task", TASK_KEY_FIELD)))
    assert text(root, "type") == "Text"
    assert text(root, "externalId") == "true"
    assert int(str(text(root, "length"))) >= 80


def test_every_status_the_policy_writes_is_a_lead_status_value() -> None:
    # Aliases are only read (values an org may have), so they need not be deployed.
    statuses = CONFIG.policy.lifecycle.statuses
    assert {statuses.status_for(stage) for stage in Stage} <= values("Status")


def test_every_standard_lead_source_of_the_policy_is_a_lead_source_value() -> None:
    assert set(CONFIG.policy.hygiene.standard_sources) <= values("LeadSource")


def test_the_permission_set_lets_the_integration_user_edit_every_written_field() -> None:
    root = parse(PERMISSION_SET)
    editable = {
        str(text(p, "field"))
        for p in root.findall("m:fieldPermissions", NS)
        if text(p, "editable") == "true" and text(p, "readable") == "true"
    }
    assert {f"Lead.{f}" for f in WRITTEN_CUSTOM} | {f"Activity.{TASK_KEY_FIELD}"} <= editable
    users = {text(p, "name") for p in root.findall("m:userPermissions", NS)}
    assert {"ApiEnabled", "EditTask"} <= users


def test_the_hot_leads_list_view_shows_my_open_leads_with_score_grade_reason_and_sla() -> None:
    root = parse(
        "salesforce-metadata/force-app/main/default/objects/Lead/listViews/"
        "My_Hot_Leads.listView-meta.xml"
    )
    assert text(root, "filterScope") == "Mine"
    columns = [c.text for c in root.findall("m:columns", NS)]
    assert {"Lead_Score__c", "Lead_Grade__c", "Score_Reason__c", "SLA_Due__c"} <= set(columns)
    (status_filter,) = root.findall("m:filters", NS)
    shown = set(str(text(status_filter, "value")).split(","))
    statuses = CONFIG.policy.lifecycle.statuses
    assert shown == {
        statuses.status_for(s) for s in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.COULD_NOT_REACH)
    }


@pytest.fixture(scope="module")
def default() -> FieldMappings:
    return load_mappings(DEFAULT_DIR)


def test_check_names_the_metadata_file_of_a_missing_field(default: FieldMappings) -> None:
    describes = org_describes()
    drop_field("Lead", "Data_Quality__c")(describes)
    (problem,) = check_against_org(default, describes, statuses_written=STATUSES)
    assert "Lead has no field Data_Quality__c" in problem.message
    assert str(field_file("Lead", "Data_Quality__c")) in problem.message


def test_check_names_the_permission_set_for_a_read_only_field(default: FieldMappings) -> None:
    describes = org_describes()
    for field in describes["Lead"]["fields"]:
        if field["name"] == "SLA_Due__c":
            field["updateable"] = False
    (problem,) = check_against_org(default, describes, statuses_written=STATUSES)
    assert "SLA_Due__c is not editable by the running user" in problem.message
    assert PERMISSION_SET in problem.message


def test_check_names_the_value_set_for_a_missing_status(default: FieldMappings) -> None:
    describes = org_describes()
    drop_picklist_value("Lead", "Status", "Could Not Reach")(describes)
    (problem,) = check_against_org(default, describes, statuses_written=STATUSES)
    assert "'Could Not Reach', which is not a value of Lead.Status" in problem.message
    assert value_set_file("Status") in problem.message
