"""The seeded org: deterministic, realistic, messy in the promised ways, and valid."""

from __future__ import annotations

import gc
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncd.config.fields import load_mappings
from syncd.mirror.reads import calendar_from_attributes
from syncd.mirror.records import column_kinds
from syncd.salesforce.records import RecordDecoder
from syncd.simulator.org import Org
from syncd.simulator.seed import (
    INACTIVE_REPS,
    MANAGER_TITLES,
    NAMED_REPS,
    NURTURE_QUEUE,
    PARTNER_QUEUE,
    REP_TITLES,
    SALES_DEPARTMENT,
    SALES_REPS,
    UNASSIGNED_QUEUE,
    SeedSummary,
    generate_org,
    holiday_rows,
    is_plausible_email,
)
from syncd.simulator.values import to_json

# A non-UTC "now" catches naive or wrongly converted datetimes.
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=ZoneInfo("America/New_York"))
LEADS = 3000


def _seeded(leads: int, seed: int) -> tuple[Org, SeedSummary]:
    org = Org(clock=lambda: NOW)
    return org, generate_org(org, leads=leads, seed=seed, now=NOW)


@pytest.fixture(scope="module")
def seeded() -> tuple[Org, SeedSummary]:
    return _seeded(LEADS, seed=11)


@pytest.fixture(scope="module")
def org(seeded: tuple[Org, SeedSummary]) -> Org:
    return seeded[0]


@pytest.fixture(scope="module")
def summary(seeded: tuple[Org, SeedSummary]) -> SeedSummary:
    return seeded[1]


def _live(org: Org, sobject: str) -> list[dict[str, Any]]:
    return [r for r in org.records(sobject) if not r.get("IsDeleted")]


def _snapshot(org: Org) -> dict[str, list[dict[str, Any]]]:
    return {name: sorted(org.records(name), key=lambda r: r["Id"]) for name in org.schema}


# --- determinism ------------------------------------------------------------------------


def test_same_seed_and_now_give_identical_records_and_ids() -> None:
    first_org, first = _seeded(400, seed=5)
    second_org, second = _seeded(400, seed=5)

    assert first == second
    assert _snapshot(first_org) == _snapshot(second_org)


def test_different_seeds_give_different_leads() -> None:
    first_org, _ = _seeded(200, seed=5)
    second_org, _ = _seeded(200, seed=6)

    def people(org: Org) -> list[tuple[Any, ...]]:
        return sorted((r["LastName"], r["Company"], r["Email"]) for r in org.records("Lead"))

    assert people(first_org) != people(second_org)


def test_generation_leaves_the_garbage_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    _seeded(10, seed=1)
    assert gc.isenabled()


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_org(Org(), leads=1, seed=1, now=datetime(2026, 11, 23, 12, 0))


# --- volume and time ---------------------------------------------------------------------


def test_it_creates_the_requested_number_of_leads(org: Org, summary: SeedSummary) -> None:
    assert org.count("Lead") == LEADS
    assert summary.counts["Lead"] == LEADS


def test_leads_and_activities_are_spread_over_the_last_90_days(org: Org) -> None:
    now = NOW.astimezone(UTC)
    start = now - timedelta(days=90)
    for sobject in ("Lead", "Task", "Event", "CampaignMember"):
        created = [r["CreatedDate"] for r in org.records(sobject)]
        assert min(created) >= start, sobject
        assert max(created) <= now, sobject
    # Every ten-day stretch of the window has activity.
    buckets = Counter(min((r["CreatedDate"] - start).days // 10, 8) for r in org.records("Task"))
    assert sorted(buckets) == list(range(9))


def test_activities_per_lead_average_5_to_15_with_a_long_tail(org: Org) -> None:
    lead_ids = {r["Id"] for r in org.records("Lead")}
    activities = [*org.records("Task"), *org.records("Event")]
    per_lead = Counter(r["WhoId"] for r in activities if r["WhoId"] in lead_ids)
    counts = [per_lead.get(lead_id, 0) for lead_id in lead_ids]
    mean = statistics.fmean(counts)

    assert 5 <= mean <= 15
    assert statistics.median(counts) < mean  # most leads have few
    assert max(counts) >= 4 * mean  # and some have many


# --- messy data, in the promised shares ---------------------------------------------------


def _invalid_email_share(leads: list[dict[str, Any]]) -> float:
    with_email = [r for r in leads if r["Email"] is not None]
    return sum(not is_plausible_email(r["Email"]) for r in with_email) / len(leads)


def _duplicate_email_share(leads: list[dict[str, Any]]) -> float:
    seen: set[str] = set()
    repeats = 0
    for lead in sorted(leads, key=lambda r: r["CreatedDate"]):
        email = lead["Email"]
        if email is None or not is_plausible_email(email):
            continue
        repeats += email.lower() in seen
        seen.add(email.lower())
    return repeats / len(leads)


def _converted_share(leads: list[dict[str, Any]]) -> float:
    return sum(r["IsConverted"] for r in leads) / len(leads)


@pytest.mark.parametrize(
    ("measure", "low", "high"),
    [
        (_invalid_email_share, 0.02, 0.045),
        (_duplicate_email_share, 0.012, 0.035),
        (_converted_share, 0.03, 0.055),
    ],
    ids=["invalid-emails-3pct", "same-email-duplicates-2pct", "converted-4pct"],
)
def test_lead_population_mix(
    org: Org, measure: Callable[[list[dict[str, Any]]], float], low: float, high: float
) -> None:
    share = measure(list(org.records("Lead")))
    assert low <= share <= high


def test_invalid_emails_are_broken_in_the_usual_ways(org: Org) -> None:
    broken = [
        r["Email"] for r in org.records("Lead") if r["Email"] and not is_plausible_email(r["Email"])
    ]
    assert any("@" not in e for e in broken)
    assert any(e.endswith(".") for e in broken)
    assert any(" " in e for e in broken)


def test_most_leads_are_untouched_and_some_are_worked_by_reps(org: Org) -> None:
    statuses = Counter(r["Status"] for r in _live(org, "Lead"))
    untouched = statuses["Open - Not Contacted"] + statuses["Nurture"]

    assert untouched / LEADS > 0.6
    for worked in ("Working - Contacted", "Sales Accepted", "Sales Qualified", "MQL"):
        assert statuses[worked] > 0, worked


@pytest.mark.parametrize(
    ("field", "variants"),
    [
        ("LeadSource", {"Web", "web", "Website"}),
        ("LeadSource", {"Google AdWords", "google ads"}),
        ("LeadSource", {"Trade Show", "tradeshow"}),
        ("LeadSource", {"LinkedIn", "linkedin ads"}),
        ("Title", {"VP Sales", "V.P. of Sales", "vice president"}),
        ("Title", {"CTO", "Chief Technology Officer"}),
        ("Title", {"Marketing Intern", "student"}),
        ("State", {"CA", "California", "NY", "New York"}),
        ("State", {"ON", "Ontario", "NSW", "Karnataka"}),
        ("Country", {"United States", "USA", "US", "Canada", "UK", "United Kingdom"}),
        ("Country", {"Germany", "Deutschland", "France", "India", "Australia"}),
    ],
    ids=[
        "web-spellings",
        "google-ads-spellings",
        "trade-show-spellings",
        "linkedin-spellings",
        "vp-sales-variants",
        "cto-variants",
        "junk-titles",
        "us-states-as-codes-and-names",
        "other-regions",
        "country-spellings",
        "countries-beyond-north-america",
    ],
)
def test_inconsistent_values_appear_as_real_orgs_have_them(
    org: Org, field: str, variants: set[str]
) -> None:
    present = {r[field] for r in org.records("Lead")}
    assert variants <= present


def test_firmographics_are_varied_and_sometimes_missing(org: Org) -> None:
    leads = list(org.records("Lead"))
    employees = [r["NumberOfEmployees"] for r in leads if r["NumberOfEmployees"] is not None]
    revenue = [r["AnnualRevenue"] for r in leads if r["AnnualRevenue"]]

    assert min(employees) <= 10 < 20_000 <= max(employees)
    assert min(revenue) < 1_000_000 < 100_000_000 < max(revenue)
    assert len({r["Industry"] for r in leads}) > 25
    assert any(r["Industry"] is None for r in leads)
    assert any(r["PostalCode"] and " " in r["PostalCode"] for r in leads)  # UK, Canada


# --- people and queues -------------------------------------------------------------------


def test_sales_reps_some_inactive_all_with_a_manager(org: Org, summary: SeedSummary) -> None:
    users = {u["Id"]: u for u in org.records("User")}
    reps = [users[i] for i in (*summary.sales_rep_ids, *summary.inactive_rep_ids)]

    assert len(reps) == SALES_REPS
    assert sum(not r["IsActive"] for r in reps) == INACTIVE_REPS
    assert {r["Department"] for r in reps} == {SALES_DEPARTMENT}
    assert {r["Title"] for r in reps} == set(REP_TITLES)
    assert all(users[r["ManagerId"]]["Title"] in MANAGER_TITLES for r in reps)


def test_the_reps_the_default_policy_routes_to_exist_and_are_active(org: Org) -> None:
    users = {u["Username"]: u for u in org.records("User")}

    for first, last in NAMED_REPS:
        user = users[f"{first.lower()}.{last.lower()}@acme-analytics.example.com"]
        assert user["IsActive"]
        assert user["Title"] in REP_TITLES


def test_marketing_and_integration_users_exist(org: Org, summary: SeedSummary) -> None:
    users = {u["Id"]: u for u in org.records("User")}

    assert all(users[i]["Department"] == "Marketing" for i in summary.marketing_user_ids)
    assert users[summary.marketing_automation_user_id]["IsActive"]
    assert summary.integration_user_id == org.integration_user_id


def test_lead_queues_are_queues_the_assignment_rule_finds(org: Org, summary: SeedSummary) -> None:
    queues = {g["DeveloperName"]: g["Id"] for g in org.records("Group") if g["Type"] == "Queue"}

    assert {k: v for k, v in queues.items() if k != PARTNER_QUEUE} == {
        NURTURE_QUEUE: summary.nurture_queue_id,
        UNASSIGNED_QUEUE: summary.unassigned_queue_id,
    }
    assert PARTNER_QUEUE in queues  # the default policy routes partner leads there
    assert org.unassigned_queue_id() == summary.unassigned_queue_id


def test_leads_are_owned_by_queues_reps_and_some_by_reps_who_left(
    org: Org, summary: SeedSummary
) -> None:
    owners = Counter(r["OwnerId"] for r in _live(org, "Lead"))

    assert owners[summary.unassigned_queue_id] > 0
    assert owners[summary.nurture_queue_id] > 0
    assert sum(owners[rep] for rep in summary.sales_rep_ids) > 0
    assert sum(owners[rep] for rep in summary.inactive_rep_ids) > 0


# --- conversions and merges ---------------------------------------------------------------


def test_converted_leads_have_opportunities_won_lost_or_open(
    org: Org, summary: SeedSummary
) -> None:
    opportunities = {o["Id"]: o for o in org.records("Opportunity")}
    stages: Counter[str] = Counter()
    for lead_id in summary.converted_lead_ids:
        lead = org.get("Lead", lead_id)
        assert lead is not None
        assert lead["IsConverted"]
        assert lead["Status"] == "Closed - Converted"
        opportunity = opportunities[lead["ConvertedOpportunityId"]]
        assert opportunity["Amount"] > 0
        assert opportunity["IsWon"] == (opportunity["StageName"] == "Closed Won")
        stages[opportunity["StageName"]] += 1

    assert stages["Closed Won"] > 0
    assert stages["Closed Lost"] > 0


def test_conversions_happened_in_the_past_not_at_seed_time(org: Org, summary: SeedSummary) -> None:
    today = NOW.astimezone(UTC).date()
    leads = org.table("Lead")
    dates = [leads[i]["ConvertedDate"] for i in summary.converted_lead_ids]

    assert len(set(dates)) > 10
    assert min(dates) < today - timedelta(days=30)


def test_converted_leads_activities_moved_to_the_contact(org: Org, summary: SeedSummary) -> None:
    converted = set(summary.converted_lead_ids)
    contacts = {r["Id"] for r in org.records("Contact")}

    assert not any(t["WhoId"] in converted for t in org.records("Task"))
    assert any(t["WhoId"] in contacts for t in org.records("Task"))


def test_merged_duplicates_are_deleted_and_point_at_a_live_master(
    org: Org, summary: SeedSummary
) -> None:
    assert len(summary.merged_lead_ids) >= 3
    for loser_id in summary.merged_lead_ids:
        loser = org.get("Lead", loser_id)
        assert loser is not None
        master = org.get("Lead", loser["MasterRecordId"])
        assert loser["IsDeleted"]
        assert master is not None
        assert not master["IsDeleted"]
        assert master["Email"] == loser["Email"]


# --- activities and campaigns -------------------------------------------------------------


def test_marketing_activities_cover_every_behaviour_scoring_reads(org: Org) -> None:
    tasks = list(org.records("Task"))
    types = {t["Type"] for t in tasks}

    assert {
        "Web Visit", "Demo View", "Content Download", "Video View", "Form Fill",
        "Newsletter Subscribe", "Unsubscribe", "Social Share", "Webinar", "Email Open",
        "Email Click",
    } <= types  # fmt: skip
    assert any(e["Type"] == "Webinar" for e in org.records("Event"))


@pytest.mark.parametrize(
    ("subject", "url"),
    [
        ("Visited /pricing", "/pricing"),
        ("Visited /blog/mql-vs-sql", "/blog/mql-vs-sql"),
        ("Form fill: Request a Demo", "/demo-request"),
        ("Filled out form: Contact Me", "/contact"),
    ],
    ids=["pricing-page", "blog-post", "demo-request", "contact-me"],
)
def test_marketing_automation_writes_the_url_into_the_description(
    org: Org, subject: str, url: str
) -> None:
    matching = [t for t in org.records("Task") if t["Subject"] == subject]

    assert matching
    assert all(t["Description"].startswith("URL: https://") for t in matching)
    assert all(f"{url}\n" in t["Description"] for t in matching)


def test_sales_touches_are_calls_and_emails_by_a_rep(org: Org, summary: SeedSummary) -> None:
    reps = {*summary.sales_rep_ids, *summary.inactive_rep_ids}
    touches = [t for t in org.records("Task") if t["Type"] in ("Call", "Email")]

    assert {t["TaskSubtype"] for t in touches} >= {"Call", "Email"}
    assert all(t["OwnerId"] in reps and t["CreatedById"] == t["OwnerId"] for t in touches)
    assert any(t["CallDurationInSeconds"] for t in touches)


def test_campaign_members_have_statuses_and_responses(org: Org) -> None:
    members = list(org.records("CampaignMember"))
    responded = {m["Status"]: m["HasResponded"] for m in members}

    assert {"Sent", "Registered", "Attended", "Responded"} <= set(responded)
    assert responded["Attended"]
    assert responded["Responded"]
    assert not responded["Sent"]
    assert not responded["Registered"]
    assert len({(m["CampaignId"], m["LeadId"]) for m in members}) == len(members)
    types = {c["Type"] for c in org.records("Campaign")}
    assert {"Webinar", "Trade Show", "Email", "Advertisement"} <= types


# --- calendar -----------------------------------------------------------------------------


def test_one_default_business_hours_weekdays_8_to_18_new_york(org: Org) -> None:
    (default,) = [b for b in org.records("BusinessHours") if b["IsDefault"]]

    assert default["TimeZoneSidKey"] == "America/New_York"
    assert default["MondayStartTime"] == time(8, 0)
    assert default["FridayEndTime"] == time(18, 0)
    assert default["SaturdayStartTime"] is None
    assert default["SundayEndTime"] is None


def test_syncd_reads_the_seeded_calendar_without_ignoring_any_holiday(org: Org) -> None:
    def as_api(row: dict[str, Any]) -> dict[str, Any]:
        return {k: to_json(v) for k, v in row.items()}

    (default,) = [b for b in org.records("BusinessHours") if b["IsDefault"]]
    # The product's path: decoded at the border, built from the mirror's attributes.
    mappings = load_mappings(Path(__file__).resolve().parents[2] / "mappings")
    hours = RecordDecoder(
        "BusinessHours", mappings["BusinessHours"].pull, column_kinds("BusinessHours")
    )
    holiday = RecordDecoder("Holiday", mappings["Holiday"].pull, column_kinds("Holiday"))
    calendar = calendar_from_attributes(
        hours(as_api(default)), [holiday(as_api(h)) for h in org.records("Holiday")]
    )

    assert calendar.ignored == ()
    assert calendar.open_minutes(date(2026, 12, 25)) == []  # recurring Christmas
    assert calendar.open_minutes(date(2027, 11, 25)) == []  # 4th Thursday, next year
    assert calendar.open_minutes(date(2026, 11, 27)) == [(8 * 60, 12 * 60)]  # half day
    assert calendar.open_minutes(date(2026, 11, 24)) == [(8 * 60, 18 * 60)]


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("New Year's Day", date(2026, 1, 1)),
        ("Independence Day (observed)", date(2026, 7, 3)),
        ("Juneteenth National Independence Day (observed)", date(2027, 6, 18)),
        ("Labor Day", date(2027, 9, 6)),
    ],
    ids=["new-year-this-year", "observed-this-year", "observed-next-year", "next-year"],
)
def test_federal_holidays_for_this_and_next_year(name: str, day: date) -> None:
    rows = holiday_rows(2026, NOW)
    assert any(r["Name"] == name and r.get("ActivityDate") == day for r in rows)


def test_holidays_include_recurring_and_partial_day_ones() -> None:
    rows = holiday_rows(2026, NOW)
    recurring = {r["RecurrenceType"] for r in rows if r["IsRecurrence"]}
    partial = [r for r in rows if not r["IsAllDay"]]

    assert recurring == {"RecursYearly", "RecursYearlyNth"}
    assert len(partial) >= 2
    assert all(r["StartTimeInMinutes"] < r["EndTimeInMinutes"] for r in partial)


# --- validity -----------------------------------------------------------------------------


def test_every_live_record_passes_the_orgs_create_validation(
    org: Org, summary: SeedSummary
) -> None:
    inactive = set(summary.inactive_rep_ids)
    checked = 0
    for name in org.schema:
        objdef = org.object_def(name)
        if objdef.read_only:
            continue  # history rows are the platform's, never created through the API
        createable = [f.name for f in objdef.fields if f.createable]
        for record in _live(org, name):
            values = {k: record[k] for k in createable if record.get(k) is not None}
            # Leads and tasks of reps who have left keep their owner, as in Salesforce.
            if values.get("OwnerId") in inactive:
                del values["OwnerId"]
            # The deliberately broken emails came in through imports the API would refuse.
            if name == "Lead" and not is_plausible_email(values.get("Email")):
                values.pop("Email", None)
            org.check(objdef, values, existing=None)
            checked += 1
    assert checked > LEADS * 5
