"""Which gateways are online, for the dots on the store map.

The hub's fleet watch knows (`HubContext.fleet`, from `HubCore.fleet_states`), and the dashboard asks it. A
context without a live service has no fleet watch: then the state follows the ``gateway_offline`` alerts that
pass through the live feed (raised means offline, cleared means online, never heard of means online). The feed
keeps only its latest items, so that way a dashboard opened long after an alert may miss it.

    >>> states = GatewayStates(["gw-01", "gw-02"])
    >>> states.apply({"kind": "gateway_offline", "source": "gw-02", "active": True})
    True
    >>> states.snapshot()
    {'gw-01': 'online', 'gw-02': 'offline'}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

ONLINE: Final = "online"
OFFLINE: Final = "offline"

FleetProvider = Callable[[], Mapping[str, str]]


class GatewayStates:
    """The state of each gateway of the layout, from a fleet provider or from the alerts seen so far."""

    def __init__(self, gateways: Iterable[str], provider: FleetProvider | None = None) -> None:
        self._states = dict.fromkeys(gateways, ONLINE)
        self._provider = provider

    def apply(self, alert: Mapping[str, Any]) -> bool:
        """Take an alert item's data into account; True when a gateway's state changed."""
        source = alert.get("source")
        if alert.get("kind") != "gateway_offline" or source not in self._states:
            return False
        state = OFFLINE if alert.get("active") else ONLINE
        changed = self._states[source] != state
        self._states[source] = state
        return changed

    def snapshot(self) -> dict[str, str]:
        """Every gateway of the layout, ``online`` or ``offline``; the provider's word when there is one."""
        if self._provider is not None:
            known = self._provider()
            # Gateways the provider does not know (not in its watch) keep what the alerts said.
            for gw in self._states:
                if known.get(gw) in (ONLINE, OFFLINE):
                    self._states[gw] = known[gw]
        return dict(self._states)
