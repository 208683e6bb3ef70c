"""The policy (`mappings/policy.yaml`): its typed form, and the parsers that build it.

The rules live beside this package (`domain/scoring.py`, `routing.py`, ...); this
package only turns an already-read mapping into those rules' typed settings, with every
mistake reported at once. Reading the file (YAML, lines, size limits) is the config
adapter's job (`syncd/config/`).
"""

from syncd.domain.policy.document import Alerts, Policy
from syncd.domain.policy.errors import ConfigError, PolicyError
from syncd.domain.policy.load import (
    load_policy,
    owner_refs,
    resolve_owners,
    validate_policy,
)

__all__ = [
    "Alerts",
    "ConfigError",
    "Policy",
    "PolicyError",
    "load_policy",
    "owner_refs",
    "resolve_owners",
    "validate_policy",
]
