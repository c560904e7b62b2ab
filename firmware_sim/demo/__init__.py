"""`corsia demo`: a whole simulated store on one machine, from one command.

    from firmware_sim.demo import DemoOptions, run_demo

    report = run_demo(DemoOptions(shoppers=30, duration_s=60, browser=False), threading.Event())
    report.figures.view.visits, report.figures.notifications, report.figures.receipts

The broker, the hub (its database seeded with the demo store's catalog, campaigns and one member per enrolled
phone of the world), one real `corsia gateway` per gateway scanning its own virtual BlueZ, the world's shoppers
walking the store from now on, the tills, the phones' push service and the kiosk with its virtual card reader
and camera. docs/demo.md says what runs, where to look and how it maps to a real store.

| module | job |
|---|---|
| `world` | the demo's world, starting now, shoppers arriving around the start |
| `catalog` | the store's catalog and planogram; what a shopper saves online and takes to the till |
| `people` | members as people: names, contacts, language, consents, old cards |
| `campaigns` | the default campaigns and two zone promotions |
| `history` | the store's past receipts, for the co-purchase coupons |
| `seeding` | the hub's database before the hub starts |
| `pos` | the tills: when each receipt is due (pure), and publishing them on time |
| `configs` | the state folder and the config files |
| `processes`, `services` | the child processes; starting the broker, the hub and the kiosk |
| `kiosk_devices` | the kiosk's virtual card reader and camera |
| `floor` | the virtual BlueZ buses, the gateways and the world's driver |
| `watch` | what MQTT shows: occupancy, journeys, who is online |
| `procs` | the process tree: CPU per role, processes left behind |
| `summary` | the live table, the final summary and the JSON report |
| `run` | `run_demo`: all of it, in order, and stopping in order |
"""

from firmware_sim.demo.processes import DemoError
from firmware_sim.demo.run import DemoOptions, run_demo
from firmware_sim.demo.summary import Figures, Report

__all__ = ["DemoError", "DemoOptions", "Figures", "Report", "run_demo"]
