"""The policy's `hygiene` section parsed into a `HygienePolicy`."""

from __future__ import annotations

from syncd.domain.hygiene import HygienePolicy
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.errors import ConfigError


def parse_hygiene(raw: object, path: str, errors: list[ConfigError]) -> HygienePolicy | None:
    """Parse `hygiene:`: `lead_source_map: {Standard Value: [variant, variant...]}`."""
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(
        data,
        path,
        errors,
        allowed={"lead_source_map", "flag_invalid_email", "flag_duplicate_email"},
    )
    m_path = f"{path}.lead_source_map"
    source_map = cfg.as_mapping(data.get("lead_source_map", {}), m_path, errors) or {}
    pairs: dict[str, str] = {}
    for standard in source_map:
        for variant in cfg.text_list(source_map, standard, m_path, errors):
            folded = variant.strip().casefold()
            if folded in pairs and pairs[folded] != standard:
                errors.append(
                    ConfigError(
                        f"{m_path}.{standard}",
                        f"'{variant}' already maps to '{pairs[folded]}'",
                    )
                )
            pairs[folded] = standard
        # The standard value maps to itself, so it is never "corrected" by case alone.
        pairs.setdefault(standard.strip().casefold(), standard)
    policy = HygienePolicy(
        lead_source_map=tuple(sorted(pairs.items())),
        flag_invalid_email=cfg.boolean(data, "flag_invalid_email", path, errors, default=True),
        flag_duplicate_email=cfg.boolean(data, "flag_duplicate_email", path, errors, default=True),
    )
    return policy if len(errors) == before else None
