"""The `corsia` command: one entry point, a subcommand per process.

Each subcommand lives in its own package's ``cli`` module (``gateway.cli``, ``kiosk.cli``, ...) with two
functions, ``add_arguments(parser)`` and ``run(args) -> int``. Those modules import their heavy libraries
inside ``run``, so ``corsia --help`` stays fast. They are found by name, so `edge` imports none of the other
packages. Domain errors become messages and exit codes here, and only here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from edge import __version__
from edge.errors import ConfigError, CorsiaError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 78  # EX_CONFIG: systemd and supervisors read it as "fix the configuration, do not just retry"


@dataclass(frozen=True, slots=True)
class Subcommand:
    name: str
    summary: str
    module: str
    takes_config: bool


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("demo", "run a whole simulated store on this machine (broker, hub, gateways, shoppers, kiosk)",
               "firmware_sim.demo_cli", False),
    Subcommand("hub", "run the store hub: presence, campaigns, notifications, the API and the dashboard",
               "edge.hub.cli", True),
    Subcommand("gateway", "run a BLE gateway: scan beacons, filter, report to the hub over MQTT",
               "gateway.cli", True),
    Subcommand("kiosk", "run the self-service loyalty sign-up kiosk", "kiosk.cli", True),
    Subcommand("sim", "run the simulated world (shoppers, phones, radio, virtual BlueZ, POS)",
               "firmware_sim.cli", True),
    Subcommand("eval", "measure zone accuracy and latency against the simulator's ground truth",
               "firmware_sim.eval_cli", False),
    Subcommand("monitor", "watch every gateway and kiosk of a store over MQTT (IT's view)",
               "edge.monitor.cli", True),
    Subcommand("calibrate", "measure each gateway's rssi_offset from a tag held under each gateway in turn",
               "edge.monitor.calibrate_cli", True),
    Subcommand("offsets", "show the gateways' rssi_offset corrections the hub learned from the shoppers; write them",
               "edge.hub.offsets_cli", True),
    Subcommand("broker", "run a local MQTT broker (Mosquitto when installed, else an embedded one)",
               "edge.broker.cli", False),
)  # fmt: skip


def _load(sub: Subcommand) -> ModuleType | None:
    """The subcommand's module, or None when this version does not have it yet."""
    try:
        return importlib.import_module(sub.module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and sub.module.startswith(exc.name):
            return None
        raise  # a missing dependency of a module that exists: a broken install, say so loudly


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The full parser. Only the `selected` subcommand's module is imported to add its own options."""
    parser = argparse.ArgumentParser(
        prog="corsia",
        description="Corsia: the in-store edge of omnichannel retail — BLE presence, consented push "
        "notifications, loyalty sign-up kiosk.",
    )
    parser.add_argument("--version", action="version", version=f"corsia {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"], help="default: %(default)s"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for sub in SUBCOMMANDS:
        sp = subparsers.add_parser(sub.name, help=sub.summary, description=sub.summary)
        if sub.takes_config:
            sp.add_argument("--config", metavar="FILE", help="TOML configuration file (see docs/config.md)")
        if sub.name == selected:
            module = _load(sub)
            if module is not None and hasattr(module, "add_arguments"):
                module.add_arguments(sp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    names = {s.name for s in SUBCOMMANDS}
    selected = next((a for a in args_list if a in names), None)
    parser = build_parser(selected)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sub = next(s for s in SUBCOMMANDS if s.name == args.command)
    module = _load(sub)
    if module is None:
        print(f"corsia {sub.name}: not built yet in corsia {__version__}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result: int = module.run(args)
    except ConfigError as exc:
        print(f"corsia {sub.name}: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except CorsiaError as exc:
        print(f"corsia {sub.name}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
