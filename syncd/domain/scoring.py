"""Lead scoring: fit (who the lead is) plus engagement (what the lead did).

Fit rules test lead fields with the shared condition language. Engagement rules match
activities and campaign responses, with points per occurrence (negative allowed), a cap
per rule, a look-back window, frequency rules and decay. The result carries its reasons
as short text for `Score_Reason__c`, and the reason numbers add up to the total.

Decay applies to positive points only: a negative signal (unsubscribed, competitor
customer) keeps its full weight until its look-back window ends, so decay never raises
a score.

Scoring is linear in activities: rules are compiled once per policy, and which rules an
activity matches is memoised on the activity's (kind, type, subject, url).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from syncd.domain.conditions import Condition, Predicate, compile_condition
from syncd.domain.model import Activity, ActivityKind, CampaignResponse

__all__ = [
    "ActivityMatch",
    "Contribution",
    "Decay",
    "EngagementRule",
    "FitRule",
    "Frequency",
    "Score",
    "Scorer",
    "ScoringPolicy",
    "grade_for",
    "is_material",
    "render_reasons",
    "score_lead",
]

_DAY = 86400.0
_LN2 = math.log(2)


class Source(StrEnum):
    ACTIVITY = "activity"
    CAMPAIGN = "campaign"


@dataclass(frozen=True, slots=True)
class FitRule:
    name: str
    when: Condition
    points: float


@dataclass(frozen=True, slots=True)
class Decay:
    """Either a half-life (points halve every N days) or an expiry (points vanish after N)."""

    half_life_days: float | None = None
    expire_after_days: float | None = None

    def weight(self, age_days: float) -> float:
        """What one point is worth `age_days` after it was earned (0..1)."""
        if self.expire_after_days is not None and age_days > self.expire_after_days:
            return 0.0
        if self.half_life_days is not None and age_days > 0:
            return math.exp(-_LN2 * age_days / self.half_life_days)
        return 1.0

    def total_weight(self, times: list[float], now_ts: float) -> float:
        """Sum of `weight` over occurrences at the given timestamps (all at or before now)."""
        expire = None if self.expire_after_days is None else self.expire_after_days * _DAY
        if self.half_life_days is None:
            return float(
                len(times) if expire is None else sum(1 for t in times if now_ts - t <= expire)
            )
        k = _LN2 / (self.half_life_days * _DAY)
        exp = math.exp
        if expire is None:
            return sum(exp(-k * (now_ts - t)) for t in times)
        return sum(exp(-k * (now_ts - t)) for t in times if now_ts - t <= expire)


@dataclass(frozen=True, slots=True)
class ActivityMatch:
    """What an engagement rule counts. Empty tuples and None mean "any".

    Text lists compare case-insensitively; `subject`, `url` and `campaign_name` are regexes.
    """

    source: Source = Source.ACTIVITY
    kinds: tuple[ActivityKind, ...] = ()
    types: tuple[str, ...] = ()
    subject: str | None = None
    url: str | None = None
    campaign_types: tuple[str, ...] = ()
    campaign_name: str | None = None
    member_statuses: tuple[str, ...] = ()
    responded: bool | None = None


@dataclass(frozen=True, slots=True)
class Frequency:
    """Award the rule's points once when `at_least` matches fall within `within_days`."""

    at_least: int
    within_days: float


@dataclass(frozen=True, slots=True)
class EngagementRule:
    name: str
    match: ActivityMatch
    points: float
    cap: float | None = None
    lookback_days: float | None = None
    decay: Decay | None = None
    frequency: Frequency | None = None


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]
    grades: tuple[tuple[str, float], ...] = (("A", 60.0), ("B", 40.0), ("C", 20.0), ("D", 0.0))
    max_fit: float = 100.0
    max_engagement: float = 100.0
    reason_max_length: int = 255
    min_delta: float = 5.0
    thresholds: tuple[float, ...] = ()

    @property
    def max_total(self) -> int:
        return int(self.max_fit + self.max_engagement)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One line of "why": `+15 pricing page x2`."""

    name: str
    points: int
    count: int = 1

    def text(self) -> str:
        return _part_text((self.name, self.points, self.count))


# (name, points, count): a contribution before it becomes a `Contribution` value.
Part = tuple[str, int, int]


def _part_text(part: Part) -> str:
    name, points, count = part
    return f"{points:+d} {name} x{count}" if count > 1 else f"{points:+d} {name}"


_PART = re.compile(r"^[+-]\d+ (?P<name>.+?)(?: x\d+)?$")


def rule_of_reason(text: str, names: frozenset[str]) -> str | None:
    """The rule a recorded reason line (`_part_text`) names, if it is one of `names`."""
    if text in names:
        return text
    found = _PART.match(text)
    if found is None:
        return None
    name = found.group("name")
    if name in names:
        return name
    # A rule whose own name ends like " x2": the whole text after the points is the name.
    whole = text.split(" ", 1)[1] if " " in text else ""
    return whole if whole in names else None


@dataclass(frozen=True, slots=True)
class Score:
    """A lead's score at one instant. `parts` are its contributions, largest first, as
    plain tuples (a full rescore builds millions); `contributions` gives them as values."""

    fit: int
    engagement: int
    total: int
    grade: str
    reason: str
    parts: tuple[Part, ...] = ()
    last_engagement_at: datetime | None = None

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        return tuple(Contribution(name, points, count) for name, points, count in self.parts)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each contribution as text, in order: `+15 pricing page x2`."""
        return tuple(_part_text(part) for part in self.parts)


# --- scoring ----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values)


def _activity_predicate(m: ActivityMatch) -> Callable[[Activity], bool]:
    kinds = frozenset(m.kinds)
    types = _fold(m.types)
    subject = _regex(m.subject).search if m.subject else None
    url = _regex(m.url).search if m.url else None

    def test(a: Activity) -> bool:
        if kinds and a.kind not in kinds:
            return False
        if types and (a.type or "").strip().casefold() not in types:
            return False
        if subject is not None and subject(a.subject or "") is None:
            return False
        return url is None or url(a.url or "") is not None

    return test


def _campaign_predicate(m: ActivityMatch) -> Callable[[CampaignResponse], bool]:
    types = _fold(m.campaign_types)
    statuses = _fold(m.member_statuses)
    name = _regex(m.campaign_name).search if m.campaign_name else None

    def test(r: CampaignResponse) -> bool:
        if types and (r.campaign_type or "").strip().casefold() not in types:
            return False
        if statuses and (r.member_status or "").strip().casefold() not in statuses:
            return False
        if name is not None and name(r.campaign_name) is None:
            return False
        return m.responded is None or r.responded == m.responded

    return test


_MEMO_LIMIT = 200_000


class Scorer:
    """A scoring policy compiled once; `score()` is then linear in the lead's activities."""

    def __init__(self, policy: ScoringPolicy) -> None:
        self.policy = policy
        self._fit: list[tuple[FitRule, Predicate]] = [
            (rule, compile_condition(rule.when)) for rule in policy.fit_rules
        ]
        rules = policy.engagement_rules
        self._rules = rules
        self._activity_rules = [
            (i, _activity_predicate(r.match))
            for i, r in enumerate(rules)
            if r.match.source is Source.ACTIVITY
        ]
        self._campaign_rules = [
            (i, _campaign_predicate(r.match))
            for i, r in enumerate(rules)
            if r.match.source is Source.CAMPAIGN
        ]
        self._activity_memo: dict[tuple[object, ...], tuple[int, ...]] = {}
        self._campaign_memo: dict[tuple[object, ...], tuple[int, ...]] = {}
        self._lookback = [
            math.inf if r.lookback_days is None else r.lookback_days * _DAY for r in rules
        ]

    def _rules_for_activity(self, a: Activity) -> tuple[int, ...]:
        key = (a.kind, a.type, a.subject, a.url)
        found = self._activity_memo.get(key)
        if found is None:
            found = tuple(i for i, test in self._activity_rules if test(a))
            if len(self._activity_memo) >= _MEMO_LIMIT:
                self._activity_memo.clear()
            self._activity_memo[key] = found
        return found

    def _rules_for_response(self, r: CampaignResponse) -> tuple[int, ...]:
        key = (r.campaign_type, r.campaign_name, r.member_status, r.responded)
        found = self._campaign_memo.get(key)
        if found is None:
            found = tuple(i for i, test in self._campaign_rules if test(r))
            if len(self._campaign_memo) >= _MEMO_LIMIT:
                self._campaign_memo.clear()
            self._campaign_memo[key] = found
        return found

    def score(
        self,
        fields: Mapping[str, object],
        activities: Iterable[Activity],
        campaign_responses: Iterable[CampaignResponse],
        now: datetime,
    ) -> Score:
        """Score one lead at `now`: deterministic, bounded, explained."""
        policy = self.policy
        parts: list[Part] = []
        fit_raw = 0.0
        for rule, test in self._fit:
            if test(fields):
                fit_raw += rule.points
                parts.append((rule.name, round(rule.points), 1))
        fit = _clamp(fit_raw, 0.0, policy.max_fit)

        now_ts = now.timestamp()
        tallies: dict[int, list[float]] = {}
        lookback = self._lookback
        memo = self._activity_memo
        # The hot loop of a full rescore: inlined on purpose (one pass, no calls per hit).
        for a in activities:
            if a.is_deleted:
                continue
            hits = memo.get((a.kind, a.type, a.subject, a.url))
            if hits is None:
                hits = self._rules_for_activity(a)
            if not hits:
                continue
            at = a.activity_date.timestamp()
            age = now_ts - at
            if age < 0:  # scheduled in the future: not engagement yet
                continue
            for i in hits:
                if age <= lookback[i]:
                    times = tallies.get(i)
                    if times is None:
                        tallies[i] = [at]
                    else:
                        times.append(at)
        for r in campaign_responses:
            hits = self._rules_for_response(r)
            at = r.created_at.timestamp()
            age = now_ts - at
            if age < 0:
                continue
            for i in hits:
                if age <= lookback[i]:
                    tallies.setdefault(i, []).append(at)

        undecayed_total = 0
        decayed_total = 0.0
        last_positive: float | None = None
        for i in sorted(tallies):
            engagement_rule = self._rules[i]
            undecayed, decayed, count, latest = self._settle(engagement_rule, tallies[i], now_ts)
            if count == 0:
                continue
            shown = round(undecayed)
            undecayed_total += shown
            decayed_total += decayed
            parts.append((engagement_rule.name, shown, count))
            if engagement_rule.points > 0 and latest is not None:
                last_positive = latest if last_positive is None else max(last_positive, latest)
        decay = min(0, round(decayed_total - undecayed_total))
        if decay:
            parts.append(("decay", decay, 1))
        engagement_raw = undecayed_total + decay
        engagement = round(_clamp(engagement_raw, -policy.max_fit, policy.max_engagement))
        fit_int = round(fit)
        total = max(0, fit_int + engagement)
        # Keep the shown numbers summing to the total when a limit clipped it.
        clipped = total - (round(fit_raw) + engagement_raw)
        if clipped:
            parts.append(("score limit", clipped, 1))
        ordered = tuple(sorted((p for p in parts if p[1]), key=_largest_first))
        return Score(
            fit=fit_int,
            engagement=engagement,
            total=total,
            grade=grade_for(fit_int, policy),
            reason=_join_within(ordered, policy.reason_max_length),
            parts=ordered,
            last_engagement_at=(
                None if last_positive is None else datetime.fromtimestamp(last_positive, now.tzinfo)
            ),
        )

    @staticmethod
    def _settle(
        rule: EngagementRule, times: list[float], now_ts: float
    ) -> tuple[float, float, int, float | None]:
        """(undecayed points, decayed points, occurrences, latest occurrence) for one rule."""
        decay = rule.decay if rule.points > 0 else None
        if rule.frequency is not None:
            times.sort()
            need = rule.frequency.at_least
            window = rule.frequency.within_days * _DAY
            reached: float | None = None
            for j in range(need - 1, len(times)):
                if times[j] - times[j - need + 1] <= window:
                    reached = times[j]
            if reached is None:
                return 0.0, 0.0, 0, None
            weight = 1.0 if decay is None else decay.weight((now_ts - reached) / _DAY)
            return rule.points, rule.points * weight, 1, reached
        undecayed = rule.points * len(times)
        decayed = undecayed if decay is None else rule.points * decay.total_weight(times, now_ts)
        if rule.cap is not None:
            undecayed = _clamp(undecayed, -rule.cap, rule.cap)
            decayed = _clamp(decayed, -rule.cap, rule.cap)
        return undecayed, decayed, len(times), max(times)


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def grade_for(fit: float, policy: ScoringPolicy) -> str:
    """The first grade (highest threshold first) whose minimum fit the lead reaches."""
    for grade, minimum in policy.grades:
        if fit >= minimum:
            return grade
    return policy.grades[-1][0]


def render_reasons(contributions: Sequence[Contribution], max_length: int) -> str:
    """As many of the (already ordered) contributions as fit in `max_length` characters."""
    return _join_within([(c.name, c.points, c.count) for c in contributions], max_length)


def _largest_first(part: Part) -> tuple[int, str]:
    return (-abs(part[1]), part[0])


def _join_within(parts: Sequence[Part], max_length: int) -> str:
    if not parts:
        return "no scoring signals"
    out = ""
    for part in parts:
        text = _part_text(part)
        candidate = text if not out else f"{out}, {text}"
        if len(candidate) > max_length:
            break
        out = candidate
    return out


_scorers: dict[int, tuple[ScoringPolicy, Scorer]] = {}


def score_lead(
    fields: Mapping[str, object],
    activities: Iterable[Activity],
    campaign_responses: Iterable[CampaignResponse],
    policy: ScoringPolicy,
    now: datetime,
) -> Score:
    """Score one lead; the compiled scorer is cached per policy object."""
    cached = _scorers.get(id(policy))
    if cached is None or cached[0] is not policy:
        if len(_scorers) > 32:
            _scorers.clear()
        cached = (policy, Scorer(policy))
        _scorers[id(policy)] = cached
    return cached[1].score(fields, activities, campaign_responses, now)


def is_material(
    old_score: float | None,
    old_grade: str | None,
    new: Score,
    policy: ScoringPolicy,
    extra_thresholds: Iterable[float] = (),
) -> str | None:
    """Why a score change is worth writing back, or None when it is not.

    Immaterial: below `min_delta`, crossing no threshold and changing no grade, so daily
    decay does not spend the API budget.
    """
    if old_score is None:
        return "first score"
    if old_grade != new.grade:
        return f"grade {old_grade or '-'} -> {new.grade}"
    if abs(new.total - old_score) >= policy.min_delta:
        return f"changed by {new.total - old_score:+g}"
    low, high = sorted((old_score, float(new.total)))
    for threshold in (*policy.thresholds, *extra_thresholds):
        if low < threshold <= high:
            return f"crossed {threshold:g}"
    return None


# --- parsing ----------------------------------------------------------------------------
