"""`syncd plan`: a full dry-run cycle turned into a plan people can read and apply.

Orchestration only: the cycle decides (dry run: no write call), the mirror supplies names,
loads and each lead's SystemModstamp at plan time, the domain (`syncd.domain.plan`) says
what each change means and what writing it costs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from syncd.config import TASK_KEY_FIELD, Config, load_config
from syncd.domain.outputs import Output
from syncd.domain.plan import FieldChange, Plan, TaskCreate, change_kind, owner_loads, write_calls
from syncd.mirror import Mirror
from syncd.mirror.util import json_safe
from syncd.ports import Progress
from syncd.salesforce.client import SalesforceClient
from syncd.settings import Settings
from syncd.sync.cycle import CycleSummary
from syncd.sync.runtime import open_mirror, sync_once

__all__ = ["build_plan", "lead_name", "make_plan"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def lead_name(attrs: Mapping[str, Any] | None, lead_id: str) -> str:
    """ "Ada Lovelace (Acme)" as people know the lead; the id when the mirror has no name."""
    if not attrs:
        return lead_id
    person = " ".join(str(attrs[k]) for k in ("first_name", "last_name") if attrs.get(k))
    company = attrs.get("company")
    if person and company:
        return f"{person} ({company})"
    return person or str(company or lead_id)


def make_plan(
    settings: Settings,
    *,
    config: Config | None = None,
    progress: Progress | None = None,
    client: SalesforceClient | None = None,
    now: Callable[[], datetime] | None = None,
) -> tuple[Plan | None, CycleSummary]:
    """Run a dry-run cycle and build its plan (None when the cycle did not finish)."""
    config = config or load_config(settings.mappings_dir)
    made_at = (now or _utcnow)()
    summary = sync_once(
        settings, dry_run=True, config=config, progress=progress, client=client, now=now
    )
    if summary.status != "ok":
        return None, summary
    with open_mirror(settings) as mirror:
        plan = build_plan(
            mirror,
            summary,
            made_at=made_at,
            nurture=config.policy.recycle.nurture_owner,
            policy_version=config.policy.version,
            bulk_threshold=settings.bulk_write_threshold,
        )
    return plan, summary


def build_plan(
    mirror: Mirror,
    summary: CycleSummary,
    *,
    made_at: datetime,
    nurture: str,
    policy_version: str,
    bulk_threshold: int,
) -> Plan:
    """The dry run's planned writes, with names, kinds, loads, cost and a snapshot."""
    planned = summary.evaluation.planned
    context = mirror.org_context()
    names = {uid: user.name or uid for uid, user in context.users.items()}
    queues = frozenset(uid for uid, user in context.users.items() if user.is_queue)
    lead_ids = {str(p["lead"]) for p in planned}
    attrs = mirror.lead_attributes(lead_ids)
    changes: list[FieldChange] = []
    tasks: list[TaskCreate] = []
    moves: list[tuple[str | None, str]] = []
    for item in planned:
        lead_id = str(item["lead"])
        who = lead_name(attrs.get(lead_id), lead_id)
        if "create" in item:
            owner = str(item["OwnerId"])
            payload = {k: json_safe(v) for k, v in item.items() if k not in ("lead", "create")}
            tasks.append(
                TaskCreate(
                    lead_id=lead_id,
                    lead_name=who,
                    owner_id=owner,
                    owner_name=names.get(owner, owner),
                    subject=str(item.get("Subject") or ""),
                    key=str(item[TASK_KEY_FIELD]),
                    payload=payload,
                )
            )
            continue
        output, old, new = str(item["output"]), json_safe(item["from"]), json_safe(item["to"])
        is_owner = output == Output.OWNER
        if is_owner:
            moves.append((str(old) if old else None, str(new)))
        changes.append(
            FieldChange(
                lead_id=lead_id,
                lead_name=who,
                field=str(item["field"]),
                output=output,
                old=old,
                new=new,
                reason=str(item.get("reason") or ""),
                kind=change_kind(output, new, queues=queues, nurture=nurture),
                old_label=names.get(str(old), str(old or "")) if is_owner else "",
                new_label=names.get(str(new), str(new)) if is_owner else "",
            )
        )
    snapshot = {
        lead_id: json_safe((attrs.get(lead_id) or {}).get("system_modstamp"))
        for lead_id in sorted(lead_ids)
    }
    records = len({c.lead_id for c in changes})
    return Plan(
        made_at=made_at.isoformat(),
        policy_version=policy_version,
        run_id=summary.run_id,
        changes=tuple(changes),
        tasks=tuple(tasks),
        loads=tuple(owner_loads(context.open_lead_counts, moves, names)),
        snapshot=snapshot,
        api_calls=write_calls(records, len(tasks), bulk_threshold=bulk_threshold),
        counts={
            "evaluated": summary.evaluation.evaluated,
            "leads_with_changes": records,
            "field_changes": len(changes),
            "tasks": len(tasks),
            "recycles": len({c.lead_id for c in changes if c.kind == "recycle"}),
            "api_calls_to_plan": summary.api_calls,
        },
    )
