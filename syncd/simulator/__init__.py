"""A Salesforce-compatible org over HTTPS for the demo, the end-to-end tests and benchmarks.

Start one with :func:`start_simulator` (or ``syncd sim serve``)::

    with start_simulator(leads=1000, seed=7) as sim:
        Salesforce(instance_url=sim.instance_url, session_id=sim.access_token, session=...)

Names are imported lazily so ``syncd.simulator.soql`` and ``schema`` stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncd.simulator.admin import SimAdmin
    from syncd.simulator.errors import SalesforceApiError
    from syncd.simulator.faults import FaultSettings
    from syncd.simulator.oauth import OAuthConfig
    from syncd.simulator.org import Org, SimClock
    from syncd.simulator.server import SimulatorHandle, start_simulator

_EXPORTS = {
    "FaultSettings": "syncd.simulator.faults",
    "OAuthConfig": "syncd.simulator.oauth",
    "Org": "syncd.simulator.org",
    "SalesforceApiError": "syncd.simulator.errors",
    "SimAdmin": "syncd.simulator.admin",
    "SimClock": "syncd.simulator.org",
    "SimulatorHandle": "syncd.simulator.server",
    "start_simulator": "syncd.simulator.server",
}

__all__ = [
    "FaultSettings",
    "OAuthConfig",
    "Org",
    "SalesforceApiError",
    "SimAdmin",
    "SimClock",
    "SimulatorHandle",
    "start_simulator",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'syncd.simulator' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
