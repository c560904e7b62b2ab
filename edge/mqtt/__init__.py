"""The MQTT client every Corsia process uses: the only module that imports paho.

>>> with MqttClient(cfg.mqtt, store="demo", client_id="corsia-demo-gw-03", source="gw-03",
...                 status=Topic.GATEWAY_STATUS, device="gw-03") as client:
...     client.publish(Topic.SIGHTINGS, batch, device="gw-03").wait(5)
"""

from edge.mqtt.client import MqttClient
from edge.mqtt.types import Backpressure, ClientStats, Delivery, MqttError, MqttSettings, PublishError, Received

__all__ = [
    "Backpressure",
    "ClientStats",
    "Delivery",
    "MqttClient",
    "MqttError",
    "MqttSettings",
    "PublishError",
    "Received",
]
