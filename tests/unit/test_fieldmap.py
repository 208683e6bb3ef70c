"""The field mappings file: what a valid one gives the pull and writeback, and how every
kind of mistake is reported (file, path inside it, what is wrong, line), all at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from syncd.config.fields import (
    REQUIRED_ATTRIBUTES,
    SYNCED_OBJECTS,
    WRITEBACK_OUTPUTS,
    FieldMappings,
    ValueMap,
    load_mappings,
)
from syncd.config.problem import ConfigurationError as MappingsError
from syncd.config.problem import Problem as ConfigProblem
from syncd.domain.outputs import Output

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "mappings"
# The default mappings plus a value map, so the value-map rules have one to check (the
# default file has none: LeadSource is standardised by the policy's one lead-source map).
INDUSTRY_MAP = """    value_maps:
      industry:
        default: Other
        map:
          software: Software
          saas: Software
          www: Internet
          ppc: Advertising
"""
DEFAULT_TEXT = (
    (DEFAULT_DIR / "fields.yaml")
    .read_text(encoding="utf-8")
    .replace("  Task:\n", INDUSTRY_MAP + "  Task:\n", 1)
)


@pytest.fixture(scope="module")
def default() -> FieldMappings:
    return load_mappings(DEFAULT_DIR)


def with_industry_map(tmp_path: Path) -> FieldMappings:
    return load_mappings(write(tmp_path, DEFAULT_TEXT))


def default_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_TEXT)
    return copy.deepcopy(data)


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "fields.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def problems_of(directory: Path) -> list[ConfigProblem]:
    with pytest.raises(MappingsError) as caught:
        load_mappings(directory)
    return caught.value.problems


# --- the default mappings ------------------------------------------------------------------


def test_default_mappings_cover_every_synced_object_in_pull_order(default: FieldMappings) -> None:
    assert tuple(default.objects) == SYNCED_OBJECTS


@pytest.mark.parametrize("sobject", SYNCED_OBJECTS)
def test_default_mappings_pull_every_required_attribute(
    default: FieldMappings, sobject: str
) -> None:
    assert REQUIRED_ATTRIBUTES[sobject] <= set(default[sobject].pull.values())


def test_default_lead_writeback_names_the_design_fields(default: FieldMappings) -> None:
    assert dict(default.lead.writeback) == {
        "owner": "OwnerId",
        "status": "Status",
        "score": "Lead_Score__c",
        "grade": "Lead_Grade__c",
        "score_reason": "Score_Reason__c",
        "sla_due": "SLA_Due__c",
        "recycle_count": "Recycle_Count__c",
        "lead_source": "LeadSource",
        "lead_source_detail": "Lead_Source_Detail__c",
        "data_quality": "Data_Quality__c",
    }


def test_default_daemon_owns_computed_outputs_and_lets_people_win_owner_and_status(
    default: FieldMappings,
) -> None:
    assert default.lead.daemon_owned == {
        "score",
        "grade",
        "score_reason",
        "sla_due",
        "recycle_count",
        "data_quality",
    }
    assert not default.lead.is_daemon_owned("owner")
    assert not default.lead.is_daemon_owned("status")


def test_default_group_pull_is_filtered_to_queues(default: FieldMappings) -> None:
    assert default["Group"].where == "Type = 'Queue'"
    assert default["Lead"].where is None


def test_soql_fields_select_every_written_field_in_file_order(default: FieldMappings) -> None:
    fields = default.lead.soql_fields()
    assert fields[0] == "Id"
    assert set(default.lead.writeback.values()) <= set(fields)
    assert fields == tuple(default.lead.pull)


@pytest.mark.parametrize(
    ("output", "attribute"),
    [("owner", "owner_id"), ("status", "status"), ("score", "score"), ("sla_due", "sla_due")],
    ids=["owner-read-as-owner_id", "status", "score", "sla_due"],
)
def test_writeback_attribute_is_where_the_orgs_current_value_is_mirrored(
    default: FieldMappings, output: str, attribute: str
) -> None:
    assert default.lead.writeback_attribute(output) == attribute


def test_field_lookups_ignore_case_like_soql(default: FieldMappings) -> None:
    assert default.lead.attribute_of("leadsource") == "lead_source"
    assert default.lead.field_of("lead_source") == "LeadSource"
    assert default.lead.attribute_of("Not_A_Field__c") is None


def test_to_attributes_renames_fields_keeps_the_orgs_lead_source_and_fills_gaps(
    default: FieldMappings,
) -> None:
    record = {
        "attributes": {
            "type": "Lead",
            "url": "/services/data/v62.0/sobjects/Lead/00Q5g0000012AbCEAU",
        },
        "Id": "00Q5g0000012AbCEAU",
        "LeadSource": "google adwords",
        "Email": "dana.whitfield@northwind-analytics.com",
        "SystemModstamp": "2026-11-20T10:15:30.000+0000",
    }
    attributes = default.lead.to_attributes(record)
    assert attributes["id"] == "00Q5g0000012AbCEAU"
    # The mirror holds what the org holds; the policy's map standardises and writes it back.
    assert attributes["lead_source"] == "google adwords"
    assert attributes["email"] == "dana.whitfield@northwind-analytics.com"
    assert attributes["system_modstamp"] == "2026-11-20T10:15:30.000+0000"
    assert attributes["owner_id"] is None
    assert set(attributes) == set(default.lead.pull.values())


def test_a_value_map_on_a_written_attribute_points_to_the_policys_map(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("      industry:\n", "      lead_source:\n", 1)
    problems = problems_of(write(tmp_path, text))
    assert [p.path for p in problems] == ["objects.Lead.value_maps.lead_source"]
    assert "policy.yaml hygiene.lead_source_map" in problems[0].message


# --- value maps ---------------------------------------------------------------------------

LEAD_SOURCE = ValueMap(
    "lead_source",
    {"web": "Web", "website": "Web", "google adwords": "Advertisement", "tradeshow": "Trade Show"},
    default="Other",
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Google AdWords", "Advertisement"),
        ("  google   adwords ", "Advertisement"),
        ("WEBSITE", "Web"),
        ("Trade Show", "Trade Show"),
        ("fax blast", "Other"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
    ids=[
        "mixed-case-key",
        "stray-spaces",
        "upper-case-key",
        "a-target-spelt-exactly-stays",
        "unmapped-becomes-default",
        "empty-stays-blank",
        "whitespace-stays-blank",
        "null-stays-null",
    ],
)
def test_value_map_normalises_raw_spellings(raw: str | None, expected: str | None) -> None:
    assert LEAD_SOURCE.apply(raw) == expected


def test_value_map_without_default_keeps_unmapped_values_as_they_came() -> None:
    industry = ValueMap("industry", {"software": "Technology", "saas": "Technology"})
    assert industry.apply("SaaS") == "Technology"
    assert industry.apply("Fishing & Forestry") == "Fishing & Forestry"


# --- one mistake at a time ---------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _lead(data: dict[str, Any]) -> dict[str, Any]:
    lead: dict[str, Any] = data["objects"]["Lead"]
    return lead


def _set_pull(field: str, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        _lead(data)["pull"][field] = value

    return mutate


def _del_pull(field: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del _lead(data)["pull"][field]

    return mutate


def _set_writeback(output: str, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        _lead(data)["writeback"][output] = value

    return mutate


def _rename_writeback(old: str, new: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        writeback = _lead(data)["writeback"]
        writeback[new] = writeback.pop(old)

    return mutate


def _set_in(path: tuple[str, ...], value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete_in(path: tuple[str, ...]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def _rename_object(old: str, new: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["objects"][new] = data["objects"].pop(old)

    return mutate


SOURCE_MAP = ("objects", "Lead", "value_maps", "industry")

MISTAKES: list[tuple[str, Mutation, str, str]] = [
    ("version-2", _set_in(("version",), 2), "version", "unsupported version 2"),
    ("no-version", _delete_in(("version",)), "", "missing 'version'"),
    ("unknown-top-level-key", _set_in(("object",), {}), "object", "did you mean objects?"),
    ("unknown-object", _rename_object("Holiday", "Holidays"), "objects.Holidays",
     "unknown object (did you mean Holiday?)"),
    ("missing-object", _delete_in(("objects", "Campaign")), "objects", "missing object Campaign"),
    ("object-is-a-list", _set_in(("objects", "User"), ["Id"]), "objects.User",
     "must be a mapping of pull / writeback / value_maps / where, not a list"),
    ("misspelt-object-key", _set_in(("objects", "Task", "pul"), {}), "objects.Task.pul",
     "unknown key (did you mean pull?)"),
    ("no-pull", _delete_in(("objects", "Event", "pull")), "objects.Event", "missing 'pull'"),
    ("attribute-is-a-number", _set_pull("FirstName", 42), "objects.Lead.pull.FirstName",
     "must name a mirror attribute, not a number (42)"),
    ("attribute-not-snake-case", _set_pull("FirstName", "FirstName"),
     "objects.Lead.pull.FirstName", "'FirstName' is not a snake_case identifier"),
    ("attribute-is-a-python-keyword", _set_pull("Rating", "class"), "objects.Lead.pull.Rating",
     "'class' is not a snake_case identifier"),
    ("duplicate-attribute", _set_pull("Title", "first_name"), "objects.Lead.pull.Title",
     "attribute 'first_name' is already filled from FirstName"),
    ("same-field-in-another-case", _set_pull("EMAIL", "email_upper"), "objects.Lead.pull.EMAIL",
     "Email is already pulled (names ignore case)"),
    ("relationship-field", _set_pull("Owner.Name", "owner_name"),
     'objects.Lead.pull["Owner.Name"]', "relationship fields (Owner.Name) are not supported"),
    ("field-name-with-a-space", _set_pull("Lead Score", "lead_score"),
     'objects.Lead.pull["Lead Score"]', "not a Salesforce field API name"),
    ("missing-required-attribute", _del_pull("SystemModstamp"), "objects.Lead.pull",
     "required attribute 'system_modstamp' is not pulled from any field"),
    ("unknown-writeback-output", _rename_writeback("score", "scroe"),
     "objects.Lead.writeback.scroe", "unknown output (did you mean score?)"),
    ("missing-writeback-output", _delete_in(("objects", "Lead", "writeback", "sla_due")),
     "objects.Lead.writeback", "missing output 'sla_due'"),
    ("writeback-field-not-pulled", _set_writeback("grade", "Grade__c"),
     "objects.Lead.writeback.grade", "Grade__c is written but not pulled; add it under pull"),
    ("two-outputs-write-one-field", _set_writeback("grade", "Lead_Score__c"),
     "objects.Lead.writeback.grade", "Lead_Score__c is already written by 'score'"),
    ("writeback-field-is-a-list", _set_writeback("owner", ["OwnerId"]),
     "objects.Lead.writeback.owner", "must name a Salesforce field, not a list"),
    ("writeback-on-task", _set_in(("objects", "Task", "writeback"), {"status": "Status"}),
     "objects.Task.writeback", "only Lead is written back"),
    ("daemon-owned-not-a-list", _set_in(("objects", "Lead", "daemon_owned"), "score"),
     "objects.Lead.daemon_owned", "must be a list of outputs"),
    ("daemon-owned-unknown-output",
     _set_in(("objects", "Lead", "daemon_owned"), ["score", "scor"]),
     "objects.Lead.daemon_owned[1]", "'scor' is not a writeback output"),
    ("daemon-owned-twice", _set_in(("objects", "Lead", "daemon_owned"), ["score", "score"]),
     "objects.Lead.daemon_owned[1]", "'score' is listed twice"),
    ("no-daemon-owned", _delete_in(("objects", "Lead", "daemon_owned")), "objects.Lead",
     "missing 'daemon_owned' (write [] if a person always wins)"),
    ("value-map-for-unpulled-attribute",
     _set_in(("objects", "Lead", "value_maps", "source"), {"map": {"web": "Web"}}),
     "objects.Lead.value_maps.source", "'source' is not an attribute pulled on this object"),
    ("value-map-without-map", _delete_in((*SOURCE_MAP, "map")),
     "objects.Lead.value_maps.industry", "missing 'map'"),
    ("value-map-default-is-a-number", _set_in((*SOURCE_MAP, "default"), 0),
     "objects.Lead.value_maps.industry.default", "must be a text value, not a number (0)"),
    ("value-map-target-is-null", _set_in((*SOURCE_MAP, "map", "ppc"), None),
     "objects.Lead.value_maps.industry.map.ppc", "must map to a text value, not nothing"),
    ("value-map-keys-clash-ignoring-case", _set_in((*SOURCE_MAP, "map", "SOFTWARE"), "Internet"),
     "objects.Lead.value_maps.industry.map.SOFTWARE",
     "'SOFTWARE' is 'software' in another case, mapped to 'Software'; keys ignore case"),
    ("value-map-misspelt-key", _set_in((*SOURCE_MAP, "defualt"), "Other"),
     "objects.Lead.value_maps.industry.defualt", "unknown key (did you mean default?)"),
    ("where-is-a-number", _set_in(("objects", "Group", "where"), 5), "objects.Group.where",
     "must be a SOQL condition as text, not a number (5)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [pytest.param(m, p, f, id=i) for i, m, p, f in MISTAKES],
)
def test_each_mistake_is_reported_with_its_path(
    tmp_path: Path, mutate: Mutation, path: str, fragment: str
) -> None:
    data = default_data()
    mutate(data)
    problems = problems_of(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert [(p.file, p.path) for p in problems] == [("fields.yaml", path)]
    assert fragment in problems[0].message


@pytest.mark.parametrize(
    ("old", "new", "path", "fragment"),
    [
        (
            "      LastName: last_name\n",
            "      LastName: last_name\n      FirstName: given_name\n",
            "objects.Lead.pull.FirstName",
            "duplicate key (first written on line",
        ),
        (
            "          www: Internet\n",
            "          www: Internet\n          yes: Web\n",
            "objects.Lead.value_maps.industry.map.yes",
            "key is read as a boolean (true); put it in quotes",
        ),
        (
            "      Title: title\n",
            "      Title: title: job title\n",
            "",
            "not valid YAML: mapping values are not allowed here",
        ),
    ],
    ids=["duplicate-key-yaml-would-drop", "yes-read-as-boolean", "syntax-error"],
)
def test_yaml_text_mistakes_are_reported_at_their_line(
    tmp_path: Path, old: str, new: str, path: str, fragment: str
) -> None:
    text = DEFAULT_TEXT.replace(old, new, 1)
    problems = problems_of(write(tmp_path, text))
    assert [p.path for p in problems] == [path]
    assert fragment in problems[0].message
    assert problems[0].line == text.splitlines().index(new.splitlines()[-1]) + 1


def test_a_key_without_colon_names_the_line_where_the_key_starts(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("      Title: title\n", "      Title title\n", 1)
    problems = problems_of(write(tmp_path, text))
    key_line = text.splitlines().index("      Title title") + 1
    assert problems[0].message == (
        f"not valid YAML: could not find expected ':' (while scanning a simple key on line "
        f"{key_line})"
    )


def test_a_duplicate_key_names_the_line_of_the_first(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace(
        "      Rating: rating\n", "      Rating: rating\n      Title: job\n"
    )
    problems = problems_of(write(tmp_path, text))
    first = text.splitlines().index("      Title: title") + 1
    assert problems[0].message == f"duplicate key (first written on line {first})"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "the file is empty"), ("# nothing yet\n", "the file is empty"),
     ("- Lead\n- Task\n", "must be a mapping of version and objects, not a list")],
    ids=["empty", "only-a-comment", "a-list"],
)  # fmt: skip
def test_a_file_without_mappings_is_one_clear_problem(
    tmp_path: Path, text: str, fragment: str
) -> None:
    problems = problems_of(write(tmp_path, text))
    assert [p.path for p in problems] == [""]
    assert fragment in problems[0].message


def test_a_missing_file_names_the_directory(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert list(problems) == [ConfigProblem("fields.yaml", "", f"not found in {tmp_path}")]


def test_every_mistake_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    by_id = {i: (mutate, path) for i, mutate, path, _ in MISTAKES}
    chosen = [
        "version-2", "unknown-object", "attribute-is-a-number", "attribute-is-a-python-keyword",
        "relationship-field", "missing-required-attribute", "unknown-writeback-output",
        "writeback-on-task", "daemon-owned-twice", "value-map-default-is-a-number",
        "where-is-a-number",
    ]  # fmt: skip
    data = default_data()
    for mistake in chosen:
        by_id[mistake][0](data)
    problems = problems_of(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert sorted(p.path for p in problems) == sorted(by_id[m][1] for m in chosen)


def test_problems_render_as_file_path_message_and_line(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("      FirstName: first_name\n", "      FirstName: FirstName\n")
    with pytest.raises(MappingsError) as caught:
        load_mappings(write(tmp_path, text))
    line = text.splitlines().index("      FirstName: FirstName") + 1
    rendered = (
        "fields.yaml: objects.Lead.pull.FirstName: mirror attribute 'FirstName' is not a "
        f"snake_case identifier (line {line})"
    )
    assert caught.value.problems[0].render() == rendered
    assert str(caught.value) == f"1 problem in the mappings\n  {rendered}"


def test_writeback_outputs_are_the_ones_the_engine_produces() -> None:
    assert tuple(o.value for o in Output) == WRITEBACK_OUTPUTS
    assert WRITEBACK_OUTPUTS[:7] == (
        "owner", "status", "score", "grade", "score_reason", "sla_due", "recycle_count",
    )  # fmt: skip
