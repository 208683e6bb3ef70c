"""`syncd check` against an org's describe: the default mappings fit the simulated org,
the bad-mappings fixture's five mistakes are all reported at once, and each kind of
mismatch (missing field, read-only field, wrong type, too small, picklist value missing)
is named with the file and path to fix."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from syncd.cli.sync_cmds import format_problems
from syncd.config import Problem, load_config
from syncd.config.fields import FieldMappings, load_mappings
from syncd.domain.policy import load_policy
from syncd.salesforce.errors import ErrorKind, SalesforceError
from syncd.simulator.org import Org, SimClock
from syncd.simulator.rest import RequestContext
from syncd.simulator.schema import SCHEMA, FieldDef, FieldType, ObjectDef
from syncd.simulator.server import Simulator
from syncd.sync.check import (
    CheckResult,
    check_against_org,
    check_directory,
    policy_statuses,
    run_check,
    summary,
)


def text_of(report: CheckResult) -> str:
    """What `syncd check` prints for ``report``."""
    if report.ok:
        return report.summary
    return format_problems(report.problems, contacted_org=report.contacted_org)


ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "mappings"
BAD_DIR = ROOT / "tests" / "fixtures" / "bad_mappings"
# The standard lead sources the default policy writes (its one lead-source map).
SOURCES = load_config(ROOT / "mappings").policy.hygiene.standard_sources

# What the default policy writes to Lead Status, and where policy.yaml says so.
STATUSES: Mapping[str, str] = {
    "Open - Not Contacted": "lifecycle.statuses.new",
    "Nurture": "lifecycle.statuses.nurture",
    "MQL": "lifecycle.statuses.mql",
    "Working - Contacted": "lifecycle.statuses.sal",
    "Sales Qualified": "lifecycle.statuses.sql",
    "Could Not Reach": "lifecycle.statuses.could_not_reach",
    "Recycled": "lifecycle.statuses.recycled",
    "Disqualified": "lifecycle.statuses.disqualified",
    "Closed - Converted": "lifecycle.statuses.converted",
}


def describe_field(f: FieldDef) -> dict[str, Any]:
    """One field as `GET /sobjects/{name}/describe` lists it."""
    is_int = f.type is FieldType.INT
    return {
        "name": f.name,
        "label": f.label or f.name,
        "type": f.type.value,
        "soapType": f.soap_type,
        "length": f.length,
        "precision": 0 if is_int else f.precision,
        "scale": f.scale,
        # Salesforce reports an int field's size in digits, not precision.
        "digits": f.precision if is_int else 0,
        "custom": f.custom,
        "calculated": f.calculated,
        "createable": f.createable,
        "updateable": f.updateable,
        "nillable": f.nillable,
        "restrictedPicklist": f.restricted_picklist,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": value == f.default_value,
                "label": value,
                "validFor": None,
                "value": value,
            }
            for value in f.picklist_values
        ],
        "referenceTo": list(f.reference_to),
    }


def describe_object(o: ObjectDef) -> dict[str, Any]:
    return {
        "name": o.name,
        "label": o.label,
        "labelPlural": o.label_plural,
        "keyPrefix": o.key_prefix,
        "custom": o.custom,
        "createable": True,
        "updateable": True,
        "queryable": True,
        "fields": [describe_field(f) for f in o.fields],
    }


def org_describes() -> dict[str, dict[str, Any]]:
    """A fresh copy of the simulated org's describe for every object (tests mutate it)."""
    return {name: describe_object(o) for name, o in SCHEMA.items()}


def field_in(describes: dict[str, dict[str, Any]], sobject: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in describes[sobject]["fields"] if f["name"] == name)
    return found


@pytest.fixture(scope="module")
def default() -> FieldMappings:
    return load_mappings(DEFAULT_DIR)


def default_objects() -> list[str]:
    return list(load_mappings(DEFAULT_DIR).objects)


# --- the good case ----------------------------------------------------------------------


def test_default_mappings_fit_the_simulated_org(default: FieldMappings) -> None:
    assert check_against_org(default, org_describes(), statuses_written=STATUSES) == []


def test_default_mappings_fit_the_describe_the_simulator_serves(default: FieldMappings) -> None:
    simulator = Simulator(Org(clock=SimClock(datetime(2026, 11, 20, 15, 30, tzinfo=UTC))))
    request = RequestContext("GET", "62.0", "005000000000001AAA", {}, {}, None)
    served = {name: simulator.rest.describe(request, SCHEMA[name])[1] for name in default.objects}
    assert check_against_org(default, served, statuses_written=STATUSES) == []


def test_run_check_passes_the_default_mappings_with_a_short_summary() -> None:
    describes = org_describes()
    asked: list[str] = []

    def describe(name: str) -> dict[str, Any] | None:
        asked.append(name)
        return describes.get(name)

    report = run_check(DEFAULT_DIR, describe, STATUSES)
    assert report.ok
    assert report.ok
    assert report.problems == ()
    assert text_of(report).startswith("OK: 10 objects, ")
    # One describe call per mapped object: the check's whole API cost.
    assert sorted(asked) == sorted(default_objects())


def test_summary_counts_objects_pulled_and_written_fields(default: FieldMappings) -> None:
    pulled = sum(len(m.pull) for m in default.objects.values())
    assert summary(default, org_describes()) == (
        f"OK: 10 objects, {pulled} pulled fields and 10 writeback fields match the org"
    )


# --- the five mistakes -------------------------------------------------------------------

FIVE_MISTAKES = [
    ("fields.yaml", "objects.Lead.pull.Emial", "Lead has no field Emial", "did you mean Email?"),
    ("fields.yaml", "objects.Lead.writeback.grade", "Rating is a picklist", "needs a text field"),
    ("fields.yaml", "objects.Lead.writeback.sla_due", "LastModifiedDate is not editable", "user"),
    (
        "fields.yaml",
        'objects.Lead.value_maps.lead_source.map["google adwords"]',
        "maps to 'Paid Search'",
        "not a value of Lead.LeadSource",
    ),
    (
        "policy.yaml",
        "lifecycle.statuses.mql",
        "the policy writes Status 'Marketing Qualified'",
        "not a value of Lead.Status",
    ),
]


def test_bad_mappings_report_all_five_mistakes_at_once_and_exit_2() -> None:
    report = check_directory(BAD_DIR, org_describes().get)
    assert not report.ok
    assert [(p.file, p.path) for p in report.problems] == [
        (file, path) for file, path, _, _ in FIVE_MISTAKES
    ]
    for problem, (_, _, *fragments) in zip(report.problems, FIVE_MISTAKES, strict=True):
        assert all(fragment in problem.message for fragment in fragments), problem.message
    assert text_of(report).startswith("syncd check: 5 problems found")


def test_bad_mappings_report_points_at_each_field_mistakes_line() -> None:
    report = check_directory(BAD_DIR, org_describes().get)
    lines = (BAD_DIR / "fields.yaml").read_text(encoding="utf-8").splitlines()
    in_fields = [p for p in report.problems if p.file == "fields.yaml"]
    assert len(in_fields) == 4
    for problem in in_fields:
        assert problem.line is not None
        assert "# mistake" in lines[problem.line - 1], problem.render()


def test_policy_statuses_name_where_the_policy_sets_each_status() -> None:
    policy = load_policy(yaml.safe_load((BAD_DIR / "policy.yaml").read_text(encoding="utf-8")))
    statuses = policy_statuses(policy)
    assert statuses["Marketing Qualified"] == "lifecycle.statuses.mql"
    assert statuses["Closed - Converted"] == "lifecycle.statuses.converted"
    assert len(statuses) == 9


def test_problems_in_both_files_are_reported_together_without_asking_the_org(
    tmp_path: Path,
) -> None:
    fields = (DEFAULT_DIR / "fields.yaml").read_text(encoding="utf-8")
    (tmp_path / "fields.yaml").write_text(fields.replace("version: 1", "version: 3"))
    policy = (BAD_DIR / "policy.yaml").read_text(encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(policy.replace("\nrouting:", "\nrouteing:", 1))
    asked: list[str] = []

    def describe(name: str) -> dict[str, Any] | None:
        asked.append(name)
        return None

    report = check_directory(tmp_path, describe)
    assert asked == []
    assert {(p.file, p.path) for p in report.problems} >= {
        ("fields.yaml", "version"),
        ("policy.yaml", "routeing"),
    }
    assert "The org was not contacted" in text_of(report)


def test_a_missing_policy_is_reported_with_the_directory(tmp_path: Path) -> None:
    fields = (DEFAULT_DIR / "fields.yaml").read_text(encoding="utf-8")
    (tmp_path / "fields.yaml").write_text(fields)
    report = check_directory(tmp_path, org_describes().get)
    assert [(p.file, p.message) for p in report.problems] == [
        ("policy.yaml", f"not found in {tmp_path}")
    ]


def test_an_object_the_org_answers_404_for_is_reported_missing() -> None:
    describes = org_describes()

    def describe(name: str) -> dict[str, Any]:
        if name == "Holiday":
            raise SalesforceError(
                ErrorKind.CONFIG,
                "The requested resource does not exist",
                status=404,
                error_code="NOT_FOUND",
            )
        return describes[name]

    report = run_check(DEFAULT_DIR, describe, STATUSES)
    assert [(p.path, p.message) for p in report.problems] == [
        ("objects.Holiday", "the org has no Holiday object, or the running user cannot see it")
    ]


def test_other_describe_failures_are_not_mistaken_for_a_missing_object() -> None:
    def describe(name: str) -> dict[str, Any]:
        raise SalesforceError(ErrorKind.TRANSIENT, "Service Unavailable", status=503)

    with pytest.raises(SalesforceError, match="Service Unavailable"):
        run_check(DEFAULT_DIR, describe, STATUSES)


def test_invalid_files_are_reported_without_asking_the_org(tmp_path: Path) -> None:
    text = (DEFAULT_DIR / "fields.yaml").read_text(encoding="utf-8")
    (tmp_path / "fields.yaml").write_text(text.replace("version: 1", "version: 3"))
    asked: list[str] = []

    def describe(name: str) -> dict[str, Any] | None:
        asked.append(name)
        return None

    report = run_check(tmp_path, describe, STATUSES)
    assert asked == []
    assert not report.ok
    assert [(p.file, p.path) for p in report.problems if p.file == "fields.yaml"] == [
        ("fields.yaml", "version")
    ]
    assert "The org was not contacted" in text_of(report)


# --- each kind of mismatch ------------------------------------------------------------------

Describes = dict[str, dict[str, Any]]
Mutation = Callable[[Describes], None]


def set_field(sobject: str, name: str, **changes: Any) -> Mutation:
    def mutate(describes: Describes) -> None:
        field_in(describes, sobject, name).update(changes)

    return mutate


def drop_field(sobject: str, name: str) -> Mutation:
    def mutate(describes: Describes) -> None:
        fields = describes[sobject]["fields"]
        fields.remove(field_in(describes, sobject, name))

    return mutate


def drop_object(sobject: str) -> Mutation:
    def mutate(describes: Describes) -> None:
        del describes[sobject]

    return mutate


def set_object(sobject: str, **changes: Any) -> Mutation:
    def mutate(describes: Describes) -> None:
        describes[sobject].update(changes)

    return mutate


def drop_picklist_value(sobject: str, name: str, value: str) -> Mutation:
    def mutate(describes: Describes) -> None:
        entries = field_in(describes, sobject, name)["picklistValues"]
        entries[:] = [e for e in entries if e["value"] != value]

    return mutate


def deactivate_picklist_value(sobject: str, name: str, value: str) -> Mutation:
    def mutate(describes: Describes) -> None:
        for entry in field_in(describes, sobject, name)["picklistValues"]:
            if entry["value"] == value:
                entry["active"] = False

    return mutate


def rename_picklist_value(sobject: str, name: str, old: str, new: str) -> Mutation:
    def mutate(describes: Describes) -> None:
        for entry in field_in(describes, sobject, name)["picklistValues"]:
            if entry["value"] == old:
                entry["value"] = entry["label"] = new

    return mutate


ORG_MISMATCHES: list[tuple[str, Mutation, str, str, str]] = [
    ("pulled-field-hidden-by-field-level-security", drop_field("Lead", "Industry"),
     "fields.yaml", "objects.Lead.pull.Industry", "Lead has no field Industry"),
    ("written-field-missing-reported-once-under-pull", drop_field("Lead", "Lead_Score__c"),
     "fields.yaml", "objects.Lead.pull.Lead_Score__c", "Lead has no field Lead_Score__c"),
    ("object-missing", drop_object("Holiday"),
     "fields.yaml", "objects.Holiday", "the org has no Holiday object"),
    ("object-not-queryable", set_object("Campaign", queryable=False),
     "fields.yaml", "objects.Campaign", "the running user cannot query Campaign"),
    ("lead-not-editable", set_object("Lead", updateable=False),
     "fields.yaml", "objects.Lead.writeback", "the running user cannot edit Lead records"),
    ("modstamp-is-a-date", set_field("Task", "SystemModstamp", type="date"),
     "fields.yaml", "objects.Task.pull.SystemModstamp", "'system_modstamp' needs datetime"),
    ("activity-date-is-an-int", set_field("Event", "ActivityDate", type="int", digits=8),
     "fields.yaml", "objects.Event.pull.ActivityDate",
     "ActivityDate is an int; 'activity_date' needs date"),
    ("is-won-is-text", set_field("Opportunity", "IsWon", type="string", length=5),
     "fields.yaml", "objects.Opportunity.pull.IsWon", "'is_won' needs boolean"),
    ("score-read-only", set_field("Lead", "Lead_Score__c", updateable=False),
     "fields.yaml", "objects.Lead.writeback.score", "Lead_Score__c is not editable"),
    ("score-reason-is-a-formula", set_field("Lead", "Score_Reason__c", updateable=False,
                                            calculated=True),
     "fields.yaml", "objects.Lead.writeback.score_reason", "a system or formula field"),
    ("owner-looks-up-users-only", set_field("Lead", "OwnerId", referenceTo=["User"]),
     "fields.yaml", "objects.Lead.writeback.owner", "OwnerId cannot hold a queue"),
    ("owner-is-text", set_field("Lead", "OwnerId", type="string", referenceTo=[]),
     "fields.yaml", "objects.Lead.writeback.owner", "needs a lookup to User and Group"),
    ("status-is-text", set_field("Lead", "Status", type="string", picklistValues=[]),
     "fields.yaml", "objects.Lead.writeback.status", "Status is a string; status needs a picklist"),
    ("score-is-text", set_field("Lead", "Lead_Score__c", type="string", length=10),
     "fields.yaml", "objects.Lead.writeback.score", "score needs a number field"),
    ("score-two-digits", set_field("Lead", "Lead_Score__c", precision=4, scale=2),
     "fields.yaml", "objects.Lead.writeback.score",
     "holds 2 digit(s) before the decimal point; score needs at least 3"),
    ("recycle-count-one-digit-int", set_field("Lead", "Recycle_Count__c", type="int",
                                              precision=0, digits=1),
     "fields.yaml", "objects.Lead.writeback.recycle_count",
     "holds 1 digit(s) before the decimal point; recycle_count needs at least 2"),
    ("grade-one-character", set_field("Lead", "Lead_Grade__c", length=1),
     "fields.yaml", "objects.Lead.writeback.grade",
     "Lead_Grade__c holds 1 characters; grade needs at least 2"),
    ("score-reason-too-short", set_field("Lead", "Score_Reason__c", type="string", length=80),
     "fields.yaml", "objects.Lead.writeback.score_reason",
     "Score_Reason__c holds 80 characters; score_reason needs at least 255"),
    ("sla-due-is-a-date", set_field("Lead", "SLA_Due__c", type="date"),
     "fields.yaml", "objects.Lead.writeback.sla_due", "sla_due needs a datetime"),
    ("policy-status-missing", drop_picklist_value("Lead", "Status", "Nurture"),
     "policy.yaml", "lifecycle.statuses.nurture", "'Nurture', which is not a value of Lead.Status"),
    ("policy-status-inactive", deactivate_picklist_value("Lead", "Status", "Recycled"),
     "policy.yaml", "lifecycle.statuses.recycled", "an inactive value of Lead.Status; activate"),
    ("policy-status-spelt-differently",
     rename_picklist_value("Lead", "Status", "MQL", "Mql"),
     "policy.yaml", "lifecycle.statuses.mql", "(the value is spelt 'Mql')"),
    ("lead-source-target-missing", drop_picklist_value("Lead", "LeadSource", "Event"),
     "policy.yaml", "hygiene.lead_source_map.Event",
     "the policy writes LeadSource 'Event', which is not a value of Lead.LeadSource"),
    ("lead-source-target-inactive", deactivate_picklist_value("Lead", "LeadSource", "Inbound"),
     "policy.yaml", "hygiene.lead_source_map.Inbound", "'Inbound', which is an inactive value"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "file", "path", "fragment"),
    [pytest.param(m, f, p, frag, id=i) for i, m, f, p, frag in ORG_MISMATCHES],
)
def test_each_mismatch_with_the_org_is_reported_once_where_to_fix_it(
    default: FieldMappings, mutate: Mutation, file: str, path: str, fragment: str
) -> None:
    describes = org_describes()
    mutate(describes)
    problems = check_against_org(
        default, describes, statuses_written=STATUSES, lead_sources_written=SOURCES
    )
    assert [(p.file, p.path) for p in problems] == [(file, path)]
    assert fragment in problems[0].message


def test_caller_can_vouch_the_running_user_may_edit_leads(default: FieldMappings) -> None:
    describes = org_describes()
    describes["Lead"]["updateable"] = False
    problems = check_against_org(
        default, describes, statuses_written=STATUSES, running_user_can_update=True
    )
    assert problems == []


def test_caller_can_say_the_running_user_may_not_edit_leads(default: FieldMappings) -> None:
    problems = check_against_org(
        default, org_describes(), statuses_written=STATUSES, running_user_can_update=False
    )
    assert [p.message for p in problems] == ["the running user cannot edit Lead records"]


def test_statuses_given_without_places_point_at_the_status_map(default: FieldMappings) -> None:
    problems = check_against_org(default, org_describes(), statuses_written={"MQL", "Qualified"})
    assert [(p.file, p.path) for p in problems] == [("policy.yaml", "lifecycle.statuses")]
    assert problems[0].message == (
        "the policy writes Status 'Qualified', which is not a value of Lead.Status "
        "(did you mean Sales Qualified?)"
    )


def test_required_sizes_can_be_raised_for_a_policy_with_long_grades(
    default: FieldMappings,
) -> None:
    problems = check_against_org(
        default, org_describes(), statuses_written=STATUSES, grade_length=8
    )
    assert [p.path for p in problems] == ["objects.Lead.writeback.grade"]


def test_a_field_spelt_in_another_case_must_use_salesforces_spelling(
    default: FieldMappings,
) -> None:
    lead = default.lead
    pull = {("firstname" if k == "FirstName" else k): v for k, v in lead.pull.items()}
    objects = dict(default.objects)
    objects["Lead"] = dataclasses.replace(lead, pull=MappingProxyType(pull))
    mappings = dataclasses.replace(default, objects=MappingProxyType(objects))
    problems = check_against_org(mappings, org_describes(), statuses_written=STATUSES)
    assert [p.path for p in problems] == ["objects.Lead.pull.firstname"]
    assert (
        problems[0].message
        == "write it as FirstName: Salesforce returns the field in that spelling"
    )


# --- the report ---------------------------------------------------------------------------


def test_report_groups_problems_by_file_then_object_in_line_order() -> None:
    problems = [
        Problem("policy.yaml", "lifecycle.statuses.mql", "the policy writes ...", None, "Lead"),
        Problem("policy.yaml", "routing.rules[2].to", "unknown queue", None, None),
        Problem("fields.yaml", "objects.Lead.writeback.grade", "too short", 50, "Lead"),
        Problem("fields.yaml", "objects.Task.pull.Subjct", "no such field", 120, "Task"),
        Problem("fields.yaml", "objects.Lead.pull.Emial", "no such field", 12, "Lead"),
    ]
    assert format_problems(problems).splitlines() == [
        "syncd check: 5 problems found",
        "",
        "policy.yaml",
        "  routing.rules[2].to: unknown queue",
        "  Lead",
        "    lifecycle.statuses.mql: the policy writes ...",
        "",
        "fields.yaml",
        "  Lead",
        "    objects.Lead.pull.Emial: no such field (line 12)",
        "    objects.Lead.writeback.grade: too short (line 50)",
        "  Task",
        "    objects.Task.pull.Subjct: no such field (line 120)",
        "",
        "Fix these in the files named above, then run `syncd check` again.",
    ]


def test_problem_renders_as_one_line_with_file_path_and_line() -> None:
    problem = Problem("fields.yaml", "objects.Lead.pull.Emial", "no field", 24, "Lead")
    assert problem.render() == "fields.yaml: objects.Lead.pull.Emial: no field (line 24)"
