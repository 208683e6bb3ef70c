"""The policy's `hygiene` section parsed into a `HygienePolicy`.

`lead_source_map` is the one lead-source map (fields.yaml has none): each standard value
lists its variants, or names sub-sources each with their variants::

    lead_source_map:
      Advertising:
        Adwords: [google ads, adwords, ppc]
        Display: [display, banner]
      Inbound: [web, website, organic]
    unmatched_lead_source: Inbound   # optional: what a source outside the map becomes
    notify: task                     # task | reason | none (Data_Quality__c is always written)
"""

from __future__ import annotations

from collections.abc import Mapping

from syncd.domain.hygiene import HygienePolicy, SourceFix
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.errors import ConfigError

_KEYS = {
    "lead_source_map",
    "unmatched_lead_source",
    "flag_invalid_email",
    "flag_duplicate_email",
    "notify",
}
_NOTIFY = ("task", "reason", "none")


def _add(
    pairs: dict[str, SourceFix], variant: str, fix: SourceFix, path: str, errors: list[ConfigError]
) -> None:
    folded = variant.strip().casefold()
    if folded in pairs and pairs[folded] != fix:
        errors.append(ConfigError(path, f"'{variant}' already maps to '{pairs[folded].standard}'"))
        return
    pairs[folded] = fix


def _parse_map(
    raw: object, path: str, errors: list[ConfigError]
) -> tuple[dict[str, SourceFix], list[str]]:
    source_map = cfg.as_mapping(raw, path, errors) or {}
    pairs: dict[str, SourceFix] = {}
    standards: list[str] = []
    for standard, entry in source_map.items():
        where = f"{path}.{standard}"
        standards.append(standard)
        if isinstance(entry, Mapping):
            for sub in entry:
                fix = SourceFix(standard, str(sub))
                for variant in (str(sub), *cfg.text_list(entry, str(sub), where, errors)):
                    _add(pairs, variant, fix, f"{where}.{sub}", errors)
        else:
            fix = SourceFix(standard, None)
            for variant in cfg.text_list(source_map, standard, path, errors):
                _add(pairs, variant, fix, where, errors)
        # The standard value maps to itself, so it is never "corrected" by case alone.
        pairs.setdefault(standard.strip().casefold(), SourceFix(standard, None))
    return pairs, standards


def parse_hygiene(raw: object, path: str, errors: list[ConfigError]) -> HygienePolicy | None:
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(data, path, errors, allowed=_KEYS)
    pairs, standards = _parse_map(
        data.get("lead_source_map", {}), f"{path}.lead_source_map", errors
    )
    unmatched = cfg.text(data, "unmatched_lead_source", path, errors, default=None)
    if unmatched is not None and unmatched not in standards:
        errors.append(
            ConfigError(
                f"{path}.unmatched_lead_source",
                f"'{unmatched}' is not one of the map's standard values ({', '.join(standards)})",
            )
        )
    notify = cfg.text(data, "notify", path, errors, default="none") or "none"
    if notify not in _NOTIFY:
        errors.append(ConfigError(f"{path}.notify", f"must be one of {', '.join(_NOTIFY)}"))
    policy = HygienePolicy(
        lead_source_map=tuple(sorted(pairs.items())),
        standard_sources=tuple(standards),
        unmatched=unmatched,
        flag_invalid_email=cfg.boolean(data, "flag_invalid_email", path, errors, default=True),
        flag_duplicate_email=cfg.boolean(data, "flag_duplicate_email", path, errors, default=True),
        notify=notify,
    )
    return policy if len(errors) == before else None
