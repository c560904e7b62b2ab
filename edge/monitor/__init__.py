"""`corsia monitor`: IT's view of one store's gateways, kiosks, hub and alerts, read from MQTT.

* `edge.monitor.model`: the fleet state, pure (`Fleet` in, `FleetSnapshot` out);
* `edge.monitor.feed`: the MQTT side, a listen-only client that feeds a `Fleet`;
* `edge.monitor.view`: the rich rendering of a snapshot;
* `edge.monitor.cli`: the command, live or ``--json``.

Only the model is imported here, so ``corsia monitor --help`` loads neither paho nor rich. See docs/monitor.md.
"""

from edge.monitor.model import DeviceView, Fleet, FleetSnapshot, HubView

__all__ = ["DeviceView", "Fleet", "FleetSnapshot", "HubView"]
