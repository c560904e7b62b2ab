"""The store hub: members and consents, enrollment, catalog and planogram, campaigns, notifications, the HTTP API
and the MQTT service that ties them to the presence engine.

Library first: ``edge.hub.db`` is the system of record, ``edge.hub.campaigns`` decides (pure logic),
``edge.hub.notify`` delivers, ``edge.hub.api`` is the Flask layer over them and ``edge.hub.service`` the MQTT
process. ``corsia hub`` (``edge.hub.cli``) only wires them together.
"""
