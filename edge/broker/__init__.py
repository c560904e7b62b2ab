"""MQTT brokers for development, the demo and the tests: a Mosquitto child process, or an embedded amqtt."""

from edge.broker.mosquitto import BrokerError, MosquittoBroker, find_mosquitto, free_port, port_open

__all__ = ["BrokerError", "MosquittoBroker", "find_mosquitto", "free_port", "port_open"]
