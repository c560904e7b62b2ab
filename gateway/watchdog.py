"""The scanner watchdog's decisions: pure logic, fed with observations, answering with an action.

The most common complaint about BLE presence gateways is a scanner that silently stops after hours. The
gateway observes, once a second, how long ago the last advertisement came, and what BlueZ says about the
adapter (discovering, powered, the service present on the bus). This module decides what to do; the
gateway's I/O layer does it. Recovery escalates: restart discovery, then power-cycle the adapter, and when
bluetoothd itself is gone, reconnect to the bus once it is back. Every action is counted.

Silence alone is ambiguous — a closed shop is quiet — so after a silence restart that brings nothing back,
the next silence restart waits twice as long (up to `max_backoff_s`): a quiet night costs a few restarts,
not thousands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

ScannerState = Literal["scanning", "restarting", "down"]


class Action(Enum):
    NONE = "none"
    RESTART_DISCOVERY = "restart_discovery"
    POWER_CYCLE = "power_cycle"
    RECONNECT = "reconnect"


@dataclass(frozen=True, slots=True)
class Observation:
    """What the gateway sees at time `now` (monotonic seconds)."""

    now: float
    last_advert: float | None  # monotonic time of the last advertisement, None if none since (re)start
    discovering: bool | None  # Adapter1.Discovering, None when unknown
    powered: bool | None  # Adapter1.Powered, None when unknown
    service_present: bool  # org.bluez owns its bus name


@dataclass(slots=True)
class Watchdog:
    """Decides recovery actions. Call `decide` once a second; report `state` and `restarts` in health."""

    silence_s: float = 60.0
    max_backoff_s: float = 1800.0
    settle_s: float = 5.0  # after an action, give BlueZ this long before judging again
    power_cycle_after: int = 2  # discovery restarts that did not help before the adapter is power-cycled
    restarts: int = 0
    state: ScannerState = "scanning"
    _silence_limit: float = field(default=0.0, init=False)
    _last_action_at: float | None = field(default=None, init=False)
    _started_at: float | None = field(default=None, init=False)
    _failed_restarts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._silence_limit = self.silence_s

    def decide(self, obs: Observation) -> Action:
        if self._started_at is None:
            self._started_at = obs.now
        if not obs.service_present:
            return self._act(Action.RECONNECT, obs, state="down")
        if self._last_action_at is not None and obs.now - self._last_action_at < self.settle_s:
            return Action.NONE
        if obs.powered is False:
            return self._act(Action.POWER_CYCLE, obs)
        if obs.discovering is False:
            return self._escalate(obs)
        heard_since = obs.last_advert if obs.last_advert is not None else self._started_at
        if self._last_action_at is not None and obs.last_advert is not None and obs.last_advert > self._last_action_at:
            # Advertisements came back after the last action: recovered.
            self._failed_restarts = 0
            self._silence_limit = self.silence_s
            self.state = "scanning"
        since = max(heard_since, self._last_action_at or heard_since)
        if obs.now - since >= self._silence_limit:
            action = self._escalate(obs)
            self._silence_limit = min(self._silence_limit * 2, self.max_backoff_s)
            return action
        if self.state == "restarting" and obs.discovering:
            self.state = "scanning"
        return Action.NONE

    def _escalate(self, obs: Observation) -> Action:
        self._failed_restarts += 1
        if self._failed_restarts > self.power_cycle_after:
            self._failed_restarts = 0
            return self._act(Action.POWER_CYCLE, obs)
        return self._act(Action.RESTART_DISCOVERY, obs)

    def _act(self, action: Action, obs: Observation, state: ScannerState = "restarting") -> Action:
        if action is Action.RECONNECT and self.state == "down" and self._last_action_at is not None:
            # Still gone: try again only every `settle_s`, and do not count every attempt as a restart.
            if obs.now - self._last_action_at < self.settle_s:
                return Action.NONE
            self._last_action_at = obs.now
            return action
        self.restarts += 1
        self.state = state
        self._last_action_at = obs.now
        return action

    def recovered(self, obs_now: float) -> None:
        """The I/O layer reports that scanning runs again (after a reconnect or power cycle)."""
        self.state = "scanning"
        self._last_action_at = obs_now
