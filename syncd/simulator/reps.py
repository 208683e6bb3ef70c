"""Simulated sales reps and a living org: what people do between two syncd cycles.

Each ``RepBehaviour.tick(now)`` plays one step of the org's life:

- reps work the leads in their hands. A lead syncd hands to a rep (Status "MQL", or a
  new rep owner since the last tick) is accepted ("Sales Accepted" / "Working -
  Contacted"); accepted leads are touched (a logged call or email), qualified ("Sales
  Qualified"), given up on ("Could Not Reach") or disqualified; qualified leads are
  converted through Lead Convert with an opportunity, won or lost. Every step happens
  with its configured per-tick probability, and a share of handed-off leads is
  neglected: that rep never acts on it, so its SLA breaches;
- marketing keeps going: new inbound leads and new marketing activities arrive;
- now and then a sales manager moves a lead to another rep by hand.

Every change is made as the person who makes it, through ``people.edit_lead`` (the path
a test's edit takes), so LastModifiedById is the rep or manager, LeadHistory records the
move and syncd can tell people's edits from its own. Deterministic by
seed for the same org state and the same sequence of ``now`` values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.org import Org
from syncd.simulator.people import edit_lead
from syncd.simulator.seed import (
    MANAGER_TITLES,
    MARKETING_AUTOMATION_USERNAME,
    REP_TITLES,
    SALES_DEPARTMENT,
    UNASSIGNED_QUEUE,
    LeadFactory,
    marketing_activity,
)

HANDOFF_STATUS = "MQL"
ACCEPTED_STATUSES: tuple[str, ...] = ("Sales Accepted", "Working - Contacted")
QUALIFIED_STATUS = "Sales Qualified"
COULD_NOT_REACH_STATUS = "Could Not Reach"
DISQUALIFIED_STATUS = "Disqualified"
# Statuses a rep is finished with: nothing left to do until someone re-routes the lead.
_DONE_STATUSES = frozenset(
    {"Closed - Converted", "Closed - Not Converted", DISQUALIFIED_STATUS, COULD_NOT_REACH_STATUS}
)

_CALLS = (
    ("Call - left voicemail", 20, 60),
    ("Call - connected, discussed needs", 300, 1500),
    ("Call - no answer", 5, 30),
)
_EMAILS = ("Email: Following up", "Email: Thanks for your interest", "Email: Next steps")


_COUNTS = frozenset({"inbound_leads", "marketing_activities", "max_actions", "max_conversions"})


@dataclass(frozen=True)
class RepRates:
    """How busy the org is: per-tick probabilities and expected counts.

    Per lead in a rep's hands and per tick, at most one step happens. A handed-off lead
    is accepted with ``accept``; an accepted lead is touched, qualified, marked
    could-not-reach or disqualified with those rates (they share one draw, so their sum
    is at most 1); a qualified lead is converted with ``convert`` or touched with
    ``touch``. ``neglect`` is decided once per lead and owner: that rep never acts on
    it. ``win`` is the share of conversions whose opportunity is won.
    ``inbound_leads`` and ``marketing_activities`` are expected arrivals per tick;
    ``owner_change`` the chance per tick that a manager re-owns one lead. At most
    ``max_actions`` rep steps and ``max_conversions`` conversions happen per tick.
    """

    accept: float = 0.3
    touch: float = 0.2
    qualify: float = 0.05
    could_not_reach: float = 0.02
    disqualify: float = 0.02
    convert: float = 0.1
    win: float = 0.45
    neglect: float = 0.15
    inbound_leads: float = 2.0
    marketing_activities: float = 10.0
    owner_change: float = 0.05
    handoff_window: timedelta = timedelta(days=2)
    max_actions: int = 300
    max_conversions: int = 5

    def __post_init__(self) -> None:
        problems: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _COUNTS:
                if value < 0:
                    problems.append(f"{f.name} must be >= 0, got {value}")
            elif f.name == "handoff_window":
                if value < timedelta(0):
                    problems.append(f"{f.name} must not be negative, got {value}")
            elif not 0.0 <= value <= 1.0:
                problems.append(f"{f.name} is a probability in [0, 1], got {value}")
        working = self.touch + self.qualify + self.could_not_reach + self.disqualify
        if working > 1.0 + 1e-9:
            problems.append(
                f"touch + qualify + could_not_reach + disqualify must be <= 1, got {working}"
            )
        if self.convert + self.touch > 1.0 + 1e-9:
            problems.append(f"convert + touch must be <= 1, got {self.convert + self.touch}")
        if problems:
            raise ValueError("invalid rep rates: " + "; ".join(problems))


@dataclass(frozen=True)
class TickSummary:
    """What one tick changed, by kind of step.

    ``in_hands`` counts the leads reps had something to do with; ``neglected`` those
    left alone on purpose; ``refused`` the steps not taken because the org refused them
    or the lead had moved on since the tick's snapshot; ``changed_lead_ids`` the leads
    written, in order, once each.
    """

    at: datetime
    in_hands: int = 0
    accepted: int = 0
    touched: int = 0
    qualified: int = 0
    could_not_reach: int = 0
    disqualified: int = 0
    converted: int = 0
    won: int = 0
    neglected: int = 0
    new_leads: int = 0
    new_activities: int = 0
    owner_changes: int = 0
    refused: int = 0
    changed_lead_ids: tuple[str, ...] = ()

    @property
    def changes(self) -> int:
        """Records written in the tick (a touch or a new activity counts once)."""
        return (
            self.accepted
            + self.touched
            + self.qualified
            + self.could_not_reach
            + self.disqualified
            + self.converted
            + self.new_leads
            + self.new_activities
            + self.owner_changes
        )


class _LeadView(NamedTuple):
    """The few fields of a lead a tick decides on, read once under the org's lock."""

    id: str
    owner: str
    status: str
    converted: bool


class _Tally:
    """Counts of steps taken in a tick, and the leads they changed (in order, once)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.leads: dict[str, None] = {}

    def add(self, name: str, lead_id: str | None = None) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        if lead_id is not None:
            self.leads[lead_id] = None


class RepBehaviour:
    """Simulated reps, managers and marketing acting on ``org`` one tick at a time."""

    def __init__(self, org: Org, *, seed: int, rates: RepRates | None = None) -> None:
        self.org = org
        self.rates = rates if rates is not None else RepRates()
        self._rng = random.Random(seed)
        self._seed = seed
        # Drawing the lead factory's pools takes a second: do it now, not under the lock.
        self._factory = LeadFactory(seed) if self.rates.inbound_leads > 0 else None
        # lead id -> (owner, when we first saw that owner; None = before the first tick)
        self._owners: dict[str, tuple[str, datetime | None]] = {}
        # (lead id, owner) pairs whose owner decided never to act on them.
        self._neglected: set[tuple[str, str]] = set()
        self._decided: set[tuple[str, str]] = set()
        with org.lock:
            for lead in org.records("Lead"):
                self._owners[lead["Id"]] = (lead["OwnerId"], None)

    # --- who is who -----------------------------------------------------------------------

    def _people(self) -> tuple[list[str], list[str], str, str | None]:
        reps: list[str] = []
        managers: list[str] = []
        automation = self.org.integration_user_id
        for user in self.org.records("User"):
            if not user.get("IsActive"):
                continue
            if user.get("Department") == SALES_DEPARTMENT:
                if user.get("Title") in REP_TITLES:
                    reps.append(user["Id"])
                elif user.get("Title") in MANAGER_TITLES:
                    managers.append(user["Id"])
            if user.get("Username") == MARKETING_AUTOMATION_USERNAME:
                automation = user["Id"]
        unassigned = next(
            (
                g["Id"]
                for g in self.org.records("Group")
                if g.get("Type") == "Queue" and g.get("DeveloperName") == UNASSIGNED_QUEUE
            ),
            None,
        )
        return sorted(reps), sorted(managers), automation, unassigned

    # --- one tick ---------------------------------------------------------------------------

    def tick(self, now: datetime) -> TickSummary:
        """Play one step of the org's life at ``now`` (aware); returns what changed."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        now = now.astimezone(UTC)
        rates = self.rates
        rng = self._rng
        tally = _Tally()
        # A snapshot under the lock, then one locked step at a time: the API keeps
        # answering while reps work, and a lead changed meanwhile is left alone.
        with self.org.lock:
            reps, managers, automation, unassigned = self._people()
            leads = [
                _LeadView(r["Id"], r["OwnerId"], r["Status"], r["IsConverted"])
                for r in self.org.table("Lead").values()
                if not r["IsDeleted"]
            ]
        work = self._in_hands(leads, set(reps), now)
        tally.counts["in_hands"] = len(work)
        rng.shuffle(work)
        actions = conversions = 0
        for lead, stage in work:
            key = (lead.id, lead.owner)
            if key not in self._decided:
                self._decided.add(key)
                if rng.random() < rates.neglect:
                    self._neglected.add(key)
            if key in self._neglected:
                tally.add("neglected")
                continue
            if actions >= rates.max_actions:
                continue
            step = self._choose(stage, rng.random())
            if step is None:
                continue
            if step == "convert":
                if conversions >= rates.max_conversions:
                    continue
                conversions += 1
            actions += 1
            self._do(step, lead, now, tally)
        self._inbound(now, automation, unassigned, tally)
        self._marketing(leads, now, automation, tally)
        self._reassign(leads, reps, managers, tally)
        return TickSummary(at=now, changed_lead_ids=tuple(tally.leads), **tally.counts)

    def _in_hands(
        self, leads: Iterable[_LeadView], active_reps: set[str], now: datetime
    ) -> list[tuple[_LeadView, str]]:
        """(lead, stage) for every lead an active rep has something to do with."""
        window = self.rates.handoff_window
        work: list[tuple[_LeadView, str]] = []
        for lead in leads:
            owner = lead.owner
            seen = self._owners.get(lead.id)
            if seen is None or seen[0] != owner:
                seen = (owner, now)
                self._owners[lead.id] = seen
            if owner not in active_reps or lead.converted:
                continue
            status = lead.status
            if status in ACCEPTED_STATUSES:
                work.append((lead, "accepted"))
            elif status == QUALIFIED_STATUS:
                work.append((lead, "qualified"))
            elif status == HANDOFF_STATUS or (
                status not in _DONE_STATUSES and seen[1] is not None and now - seen[1] <= window
            ):
                work.append((lead, "handed"))
        return work

    def _choose(self, stage: str, u: float) -> str | None:
        rates = self.rates
        if stage == "handed":
            return "accept" if u < rates.accept else None
        if stage == "qualified":
            if u < rates.convert:
                return "convert"
            return "touch" if u < rates.convert + rates.touch else None
        for step, rate in (
            ("touch", rates.touch),
            ("qualify", rates.qualify),
            ("could_not_reach", rates.could_not_reach),
            ("disqualify", rates.disqualify),
        ):
            if u < rate:
                return step
            u -= rate
        return None

    def _do(self, step: str, lead: _LeadView, now: datetime, tally: _Tally) -> None:
        with self.org.lock:
            live = self.org.table("Lead").get(lead.id)
            if (
                live is None
                or live["IsDeleted"]
                or (live["OwnerId"], live["Status"], live["IsConverted"])
                != (lead.owner, lead.status, lead.converted)
            ):
                # Someone (syncd, another rep) moved the lead since the snapshot: the rep
                # sees the new state and does not act on the old one.
                tally.add("refused")
                return
            try:
                self._step(step, lead.id, lead.owner, now, tally)
            except SalesforceApiError:
                # The org refused the step as it would refuse the rep: the rep moves on.
                tally.add("refused")

    def _step(self, step: str, lead_id: str, rep: str, now: datetime, tally: _Tally) -> None:
        rng = self._rng
        if step == "accept":
            status = ACCEPTED_STATUSES[0] if rng.random() < 0.6 else ACCEPTED_STATUSES[1]
            edit_lead(self.org, lead_id, by=rep, Status=status)
            tally.add("accepted", lead_id)
        elif step == "touch":
            self.org.create("Task", self._touch(lead_id, rep, now), by_user=rep)
            tally.add("touched", lead_id)
        elif step == "qualify":
            edit_lead(self.org, lead_id, by=rep, Status=QUALIFIED_STATUS)
            tally.add("qualified", lead_id)
        elif step == "could_not_reach":
            edit_lead(self.org, lead_id, by=rep, Status=COULD_NOT_REACH_STATUS)
            tally.add("could_not_reach", lead_id)
        elif step == "disqualify":
            edit_lead(self.org, lead_id, by=rep, Status=DISQUALIFIED_STATUS)
            tally.add("disqualified", lead_id)
        else:
            won = rng.random() < self.rates.win
            amount = round(math.exp(rng.gauss(math.log(24_000), 0.8)), -2)
            self.org.convert_lead(lead_id, opportunity_amount=amount, won=won, by_user=rep)
            tally.add("converted", lead_id)
            if won:
                tally.add("won")

    def _touch(self, lead_id: str, rep: str, now: datetime) -> dict[str, Any]:
        rng = self._rng
        task: dict[str, Any] = {
            "WhoId": lead_id,
            "OwnerId": rep,
            "Status": "Completed",
            "ActivityDate": now.date(),
        }
        if rng.random() < 0.6:
            subject, shortest, longest = _CALLS[int(rng.random() * len(_CALLS))]
            task.update(
                Subject=subject,
                Type="Call",
                TaskSubtype="Call",
                CallDurationInSeconds=rng.randint(shortest, longest),
            )
        else:
            task.update(
                Subject=_EMAILS[int(rng.random() * len(_EMAILS))], Type="Email", TaskSubtype="Email"
            )
        return task

    # --- the rest of the org ------------------------------------------------------------------

    def _arrivals(self, expected: float) -> int:
        """A Poisson draw with mean ``expected`` (Knuth's method; means here are small)."""
        if expected <= 0:
            return 0
        limit, k, p = math.exp(-min(expected, 500.0)), 0, 1.0
        while True:
            p *= self._rng.random()
            if p <= limit:
                return k
            k += 1

    def _inbound(
        self, now: datetime, automation: str, unassigned: str | None, tally: _Tally
    ) -> None:
        n = self._arrivals(self.rates.inbound_leads)
        if not n:
            return
        if self._factory is None:
            self._factory = LeadFactory(self._seed)
        for _ in range(n):
            row = self._factory.row(self._rng, now)
            del row["CreatedDate"]  # the org stamps it
            fields_: dict[str, Any] = {k: v for k, v in row.items() if v is not None}
            if unassigned is not None:
                fields_["OwnerId"] = unassigned
            try:
                lead_id = self.org.create("Lead", fields_, by_user=automation)
            except SalesforceApiError:
                # A form fill the org's validation refuses is simply lost, as in Salesforce.
                tally.add("refused")
                continue
            tally.add("new_leads", lead_id)

    def _marketing(
        self, leads: list[_LeadView], now: datetime, automation: str, tally: _Tally
    ) -> None:
        n = self._arrivals(self.rates.marketing_activities)
        open_leads = [lead for lead in leads if not lead.converted]
        if not n or not open_leads:
            return
        for _ in range(n):
            lead = open_leads[int(self._rng.random() * len(open_leads))]
            task = marketing_activity(self._rng, lead.id, now.date())
            task["OwnerId"] = automation
            try:
                self.org.create("Task", task, by_user=automation)
            except SalesforceApiError:
                # Merged away since the snapshot: the activity has nowhere to go.
                tally.add("refused")
                continue
            tally.add("new_activities")

    def _reassign(
        self, leads: list[_LeadView], reps: list[str], managers: list[str], tally: _Tally
    ) -> None:
        rng = self._rng
        if len(reps) < 2 or rng.random() >= self.rates.owner_change:
            return
        active = set(reps)
        candidates = [
            lead
            for lead in leads
            if lead.owner in active and not lead.converted and lead.status not in _DONE_STATUSES
        ]
        if not candidates:
            return
        lead = candidates[int(rng.random() * len(candidates))]
        others = [rep for rep in reps if rep != lead.owner]
        new_owner = others[int(rng.random() * len(others))]
        by = managers[int(rng.random() * len(managers))] if managers else new_owner
        try:
            edit_lead(self.org, lead.id, by=by, OwnerId=new_owner)
        except SalesforceApiError:
            tally.add("refused")
            return
        tally.add("owner_changes", lead.id)


__all__ = ["RepBehaviour", "RepRates", "TickSummary"]
