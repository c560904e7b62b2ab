"""Driving real gateways with the simulated world, in real time (`corsia sim`).

    from firmware_sim.bluez import VirtualBluez
    from firmware_sim.realtime import RealtimeDriver
    from firmware_sim.world import build_scenario

    scenario = build_scenario("store-small", seed=1)
    buses = {g.id: VirtualBluez().start() for g in scenario.layout.gateways}   # one private bus per gateway
    ...  # point each gateway at buses[gw].address through DBUS_SYSTEM_BUS_ADDRESS (or GatewayFleet does it)
    stats = RealtimeDriver(scenario, buses, speed=1.0).run(stop_event)

`RealtimeDriver` plays the adverts at their scenario times mapped to wall time; `GatewayFleet` runs one
`corsia gateway` process per virtual BlueZ. The in-process fast path for large runs, without D-Bus or
processes, is `firmware_sim.eval.harness`. docs/simulator.md, "Driving real gateways: `corsia sim`".
"""

from firmware_sim.realtime.driver import (
    AdvertSink,
    DriverStats,
    Lateness,
    RealtimeDriver,
    SimClock,
    SimError,
    to_advertisement,
)
from firmware_sim.realtime.fleet import GatewayFleet, gateway_env

__all__ = [
    "AdvertSink",
    "DriverStats",
    "GatewayFleet",
    "Lateness",
    "RealtimeDriver",
    "SimClock",
    "SimError",
    "gateway_env",
    "to_advertisement",
]
