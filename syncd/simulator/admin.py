"""The simulator's admin side: ``/__sim/`` over HTTP and :class:`SimAdmin` for Python tests.

Both reach the same org, faults, sessions, budget and write log; nothing here is counted
as an API call. Tests use it to play people (``edit_lead``), the marketing tool
(``inject_activity``), faults switched at runtime, validation rules, and to read what the
org accepted (``writes``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.faults import FaultSettings
from syncd.simulator.org import Record, SimClock
from syncd.simulator.people import edit_lead, inject_activity
from syncd.simulator.validation import ValidationRule
from syncd.simulator.writelog import Op, Write

if TYPE_CHECKING:
    from syncd.simulator.server import Simulator

ADMIN_RESOURCES = (
    "GET connection",
    "GET stats",
    "POST stats/reset",
    "POST reset",
    "GET faults",
    "PUT faults",
    "GET clock",
    "POST clock/advance",
    "PUT organization",
    "POST reps/tick",
    "POST seed",
    "PUT budget",
    "PUT assignment-rule",
    "GET writes",
    "POST writes/reset",
    "POST leads/edit",
    "POST leads/edit-many",
    "GET leads/open",
    "POST activities",
    "POST recycle-bin/empty",
    "GET validation-rules",
    "PUT validation-rules",
)


def set_faults(sim: Simulator, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply fault settings and one-off actions; the settings now in force.

    Besides ``FaultSettings`` fields: ``session_ttl_calls`` (each session expires after
    that many calls from now; null: never), ``daily_budget``, and the actions
    ``expire_sessions`` and ``exhaust_budget``.
    """
    body = dict(changes)
    actions = {
        k: body.pop(k)
        for k in ("expire_sessions", "exhaust_budget", "session_ttl_calls", "daily_budget")
        if k in body
    }
    sim.faults.update(body)
    if "session_ttl_calls" in actions:
        ttl = actions["session_ttl_calls"]
        sim.tokens.set_ttl_calls(None if ttl is None else int(ttl))
    if "daily_budget" in actions:
        sim.usage.daily_budget = int(actions["daily_budget"])
    if actions.get("expire_sessions"):
        sim.tokens.expire_all()
    if actions.get("exhaust_budget"):
        sim.usage.exhaust()
    return fault_state(sim)


def fault_state(sim: Simulator) -> dict[str, Any]:
    """The faults in force, including session lifetime and the daily budget."""
    return {
        **sim.faults.to_json(),
        "session_ttl_calls": sim.tokens.ttl_calls,
        "daily_budget": sim.usage.daily_budget,
    }


def writes_body(sim: Simulator, args: Mapping[str, str]) -> dict[str, Any]:
    """``GET /__sim/writes[?object=&by=&op=]``: the write log and its per-object counts."""
    op = args.get("op")
    if op not in (None, "create", "update", "delete"):
        raise ValueError(f"op must be create, update or delete, not {op!r}")
    found = sim.org.writes.writes(
        sobject=args.get("object"),
        by=args.get("by"),
        op=op,  # type: ignore[arg-type]
    )
    return {
        "writes": [w.to_json() for w in found],
        "counts": sim.org.writes.counts(by=args.get("by")),
    }


def handle_admin(sim: Simulator, request: Request, path: str) -> Response:
    """Answer ``/__sim/<path>``: the admin API (never counted as API calls)."""
    method = request.method
    try:
        body = request.get_json(silent=True) or {}
        if path == "connection" and method == "GET":
            return json_response(200, sim.connection)
        if path == "stats" and method == "GET":
            return json_response(
                200,
                {
                    **sim.stats.snapshot(),
                    "api_usage": {"used": sim.usage.used, "max": sim.usage.daily_budget},
                },
            )
        if path in ("stats/reset", "reset") and method == "POST":
            sim.stats.reset()
            if path == "reset":
                sim.usage.reset()
            return json_response(200, {"reset": True})
        if path == "faults" and method == "GET":
            return json_response(200, fault_state(sim))
        if path == "faults" and method in ("PUT", "PATCH"):
            return json_response(200, set_faults(sim, body))
        if path == "clock" and method == "GET":
            return json_response(200, {"now": sim.org.now().isoformat()})
        if path == "clock/advance" and method == "POST":
            clock = sim.org.clock
            if not isinstance(clock, SimClock):
                return json_response(409, {"error": "the org clock is not a SimClock"})
            clock.advance(timedelta(seconds=float(body.get("seconds", 0))))
            return json_response(200, {"now": sim.org.now().isoformat()})
        if path == "recycle-bin/empty" and method == "POST":
            sobject = str(body.get("object") or "")
            try:
                purged = sim.org.empty_recycle_bin(sobject)
            except SalesforceApiError as exc:
                return json_response(exc.status, exc.to_error())
            return json_response(200, {"object": sobject, "purged": purged})
        if path == "reps/tick" and method == "POST":
            if sim.reps_tick is None:
                return json_response(409, {"error": "rep behaviour is not enabled"})
            result = sim.reps_tick(sim.org)
            return json_response(200, {"ticked": True, "result": jsonable(result)})
        if path == "seed" and method == "POST":
            summary = sim.reseed(int(body.get("leads", 100)), int(body.get("seed", 0)))
            return json_response(200, {"seeded": True, "summary": jsonable(summary)})
        if path == "" and method == "GET":
            return json_response(200, {"resources": sorted(ADMIN_RESOURCES)})
        if path == "assignment-rule" and method == "PUT":
            sim.org.assignment_rule_active = bool(body["active"])
            return json_response(200, {"active": sim.org.assignment_rule_active})
        if path == "writes" and method == "GET":
            return json_response(200, writes_body(sim, request.args))
        if path == "writes/reset" and method == "POST":
            sim.org.writes.reset()
            return json_response(200, {"reset": True})
        if path == "leads/edit" and method == "POST":
            lead = edit_lead(sim.org, str(body["lead_id"]), by=str(body["by"]), **body["fields"])
            return json_response(
                200, {"id": lead["Id"], "SystemModstamp": lead["SystemModstamp"].isoformat()}
            )
        if path == "leads/edit-many" and method == "POST":
            # One person editing many leads the same way (benchmarks: "k leads changed").
            for lead_id in body["lead_ids"]:
                edit_lead(sim.org, str(lead_id), by=str(body["by"]), **body["fields"])
            return json_response(200, {"edited": len(body["lead_ids"])})
        if path == "leads/open" and method == "GET":
            limit = request.args.get("limit")
            return json_response(
                200, {"ids": SimAdmin(sim).open_lead_ids(int(limit) if limit else None)}
            )
        if path == "activities" and method == "POST":
            at = body.get("at")
            new_id = inject_activity(
                sim.org,
                str(body["lead_id"]),
                str(body["kind"]),
                datetime.fromisoformat(at) if at else None,
            )
            return json_response(200, {"id": new_id})
        if path == "validation-rules" and method == "GET":
            return json_response(200, [r.to_json() for r in sim.org.validation_rules])
        if path == "validation-rules" and method == "PUT":
            rules = [ValidationRule.from_json(item) for item in body.get("rules", [])]
            sim.org.validation_rules[:] = rules
            return json_response(200, [r.to_json() for r in rules])
        if path == "organization" and method == "PUT":
            sim.org.set_sandbox(bool(body["is_sandbox"]))
            return json_response(200, {"is_sandbox": sim.org.sandbox})
        if path == "budget" and method == "PUT":
            sim.usage.daily_budget = int(body["daily_budget"])
            return json_response(200, {"daily_budget": sim.usage.daily_budget})
    except SalesforceApiError as exc:
        return json_response(exc.status, [exc.to_error()])
    except (ValueError, TypeError, KeyError) as exc:
        return json_response(400, {"error": str(exc)})
    return json_response(404, {"error": f"no admin resource {method} /__sim/{path}"})


def jsonable(value: Any) -> Any:
    """Summaries from seed/reps code (dataclasses, mappings, datetimes) as plain JSON."""

    def encode(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
        if isinstance(item, Mapping):
            return dict(item)
        return str(item)

    return json.loads(json.dumps(value, default=encode))


@dataclass
class SimAdmin:
    """Python access to what ``/__sim/`` offers, for tests and the CLI."""

    sim: Simulator

    def stats(self) -> dict[str, Any]:
        return self.sim.stats.snapshot()

    def reset(self) -> None:
        self.sim.stats.reset()
        self.sim.usage.reset()

    @property
    def faults(self) -> FaultSettings:
        return self.sim.faults.settings

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Switch faults at runtime (see ``Simulator.set_faults`` for the keys)."""
        return set_faults(self.sim, changes)

    # --- people, activities and the write log ---

    def edit_lead(self, lead_id: str, by: str, **fields: Any) -> Record:
        """A person's edit in Salesforce (history rows, LastModifiedById = ``by``)."""
        return edit_lead(self.sim.org, lead_id, by=by, **fields)

    def inject_activity(self, lead_id: str, kind: str, at: datetime | None = None) -> str:
        """A marketing system's Task (``kind`` = its Type) or ``CampaignMember`` response."""
        return inject_activity(self.sim.org, lead_id, kind, at)

    def writes(
        self, *, sobject: str | None = None, by: str | None = None, op: Op | None = None
    ) -> list[Write]:
        """Every create/update/delete the org accepted, oldest first."""
        return self.sim.org.writes.writes(sobject=sobject, by=by, op=op)

    def write_counts(self, *, by: str | None = None) -> dict[str, dict[str, int]]:
        return self.sim.org.writes.counts(by=by)

    def add_validation_rule(self, rule: ValidationRule) -> None:
        """Activate a validation rule (FIELD_CUSTOM_VALIDATION_EXCEPTION per record)."""
        self.sim.org.validation_rules.append(rule)

    def reset_writes(self) -> None:
        self.sim.org.writes.reset()

    def history(self, lead_id: str) -> list[Record]:
        """The LeadHistory rows of one lead, oldest first."""
        with self.sim.org.lock:
            rows = [
                dict(r)
                for r in self.sim.org.table("LeadHistory").values()
                if r["LeadId"] == lead_id
            ]
        return sorted(rows, key=lambda r: (r["CreatedDate"], r["Id"]))

    def expire_sessions(self) -> None:
        self.sim.tokens.expire_all()

    def exhaust_budget(self) -> None:
        self.sim.usage.exhaust()

    @property
    def api_calls(self) -> int:
        return sum(self.sim.stats.calls.values())

    def calls(self, endpoint: str) -> int:
        return self.sim.stats.calls[endpoint]

    @property
    def api_usage(self) -> int:
        return self.sim.usage.used

    def open_lead_ids(self, limit: int | None = None) -> list[str]:
        """Live leads that are neither converted nor closed: the ones syncd may write to."""
        closed = {"Disqualified", "Closed - Not Converted", "Closed - Converted"}
        ids = [
            r["Id"]
            for r in self.sim.org.records("Lead")
            if not r.get("IsConverted") and not r.get("IsDeleted") and r.get("Status") not in closed
        ]
        return ids if limit is None else ids[:limit]

    def set_production(self, production: bool = True) -> None:
        """Make the org production (``IsSandbox`` false) or a sandbox again."""
        self.sim.org.set_sandbox(not production)

    def empty_recycle_bin(self, sobject: str) -> int:
        """Purge the deleted records of ``sobject`` for good (``POST /__sim/recycle-bin/empty``)."""
        return self.sim.org.empty_recycle_bin(sobject)

    def advance_clock(self, delta: timedelta) -> None:
        clock = self.sim.org.clock
        if not isinstance(clock, SimClock):
            raise TypeError("the org clock is not a SimClock")
        clock.advance(delta)

    def reseed(self, leads: int, seed: int) -> Any:
        """Replace the org's data with generated data (``syncd.simulator.seed``)."""
        return self.sim.reseed(leads, seed)

    def issue_token(self, user_id: str | None = None) -> str:
        return self.sim.tokens.issue(user_id or self.sim.org.integration_user_id)


def json_response(status: int, body: Any) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json;charset=UTF-8",
    )
