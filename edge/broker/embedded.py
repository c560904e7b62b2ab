"""An embedded MQTT broker (amqtt) for machines without Mosquitto: the demo only.

amqtt speaks MQTT 3.1.1 only, needs a username for persistent sessions, has no shared subscriptions and
delivers at the subscription's QoS; Corsia's demo stays within that. Production stores run Mosquitto.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from edge.broker.mosquitto import BrokerError


def embedded_config(host: str, port: int) -> dict[str, Any]:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


async def serve_embedded(host: str, port: int, stop: asyncio.Event) -> None:
    """Serve MQTT on `host`:`port` until `stop` is set."""
    try:
        from amqtt.broker import Broker
    except ImportError as exc:
        raise BrokerError("the embedded broker needs amqtt: pip install 'corsia[sim]'") from exc
    # amqtt logs every packet at INFO; keep the demo's terminal readable.
    logging.getLogger("amqtt").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    broker = Broker(embedded_config(host, port))
    try:
        await broker.start()
    except Exception as exc:  # amqtt raises its own and OSError alike when the port is taken
        raise BrokerError(f"the embedded broker could not listen on {host}:{port}: {exc}") from exc
    try:
        await stop.wait()
    finally:
        await broker.shutdown()
