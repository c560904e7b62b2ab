"""bluetoothd's connection to the bus: own ``org.bluez``, watch clients leave, and the two socket helpers.

dbus-fast is used as it is, with one exception: `send_budget` reaches the connection's socket (``_sock``) to
ask for a bigger send buffer, because dbus-fast drops a connection whose buffer fills (see `pacing`).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from typing import Final

from dbus_fast import BusType, Message, NameFlag, RequestNameReply
from dbus_fast.aio import MessageBus

from firmware_sim.bluez.model import BLUEZ_SERVICE, BluezError

DEFAULT_SEND_BUFFER: Final = 212_992  # Linux's net.core.wmem_default
WANTED_SEND_BUFFER: Final = 4 * 1024 * 1024  # granted up to net.core.wmem_max
MATCH_RULES: Final = (
    # Clients that leave the bus end their discovery sessions and monitors.
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
    # Clients export their advertisement monitors (our own InterfacesAdded come back too, and are ignored).
    "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
)


async def add_match(bus: MessageBus, rule: str) -> None:
    """Ask the bus daemon to route the signals matching `rule` to this connection."""
    await bus.call(
        Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member="AddMatch",
            signature="s",
            body=[rule],
        )
    )


async def connect_as_bluetoothd(address: str, on_message: Callable[[Message], None]) -> MessageBus:
    """Connect to the bus at `address`, own ``org.bluez`` and hear the `MATCH_RULES` signals; `on_message`
    sees every incoming message before dbus-fast dispatches it."""
    bus = MessageBus(bus_address=address, bus_type=BusType.SYSTEM)
    try:
        await bus.connect()
        bus.add_message_handler(on_message)
        for rule in MATCH_RULES:
            await add_match(bus, rule)
        reply = await bus.request_name(BLUEZ_SERVICE, NameFlag.DO_NOT_QUEUE)
        if reply is not RequestNameReply.PRIMARY_OWNER:
            raise BluezError(f"{BLUEZ_SERVICE} is already owned on {address} ({reply.name})")
    except Exception as exc:
        bus.disconnect()
        if isinstance(exc, BluezError):
            raise
        raise BluezError(f"cannot serve {BLUEZ_SERVICE} on {address}: {exc}") from exc
    return bus


def ping() -> Message:
    """A round trip to the bus daemon: its reply proves the daemon has read everything sent before."""
    return Message(
        destination="org.freedesktop.DBus",
        path="/org/freedesktop/DBus",
        interface="org.freedesktop.DBus.Peer",
        member="Ping",
    )


def send_budget(bus: MessageBus) -> int:
    """Half the connection's socket send buffer, after asking the kernel for a bigger one."""
    sock = getattr(bus, "_sock", None)
    if not isinstance(sock, socket.socket):
        return DEFAULT_SEND_BUFFER // 2
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, WANTED_SEND_BUFFER)
    # Linux reports (and enforces) twice what was set: the doubling is its bookkeeping allowance.
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)) // 2
