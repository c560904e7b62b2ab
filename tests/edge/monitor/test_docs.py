"""docs/monitor.md stays in step with the code: the JSON example has the shape `--json` prints, every option is
documented, and the ACL it gives covers the topics the monitor subscribes to."""

from __future__ import annotations

import argparse
import json
import re

from edge.monitor import Fleet, cli
from edge.monitor.feed import WATCHED
from edge.protocol import Topic, topic_matches
from tests.conftest import REPO
from tests.edge.monitor.conftest import T0, alert, gw_health, kiosk_health, status

DOC = (REPO / "docs" / "monitor.md").read_text(encoding="utf-8")


def shape(value: object) -> object:
    """Keys all the way down; lists by their first element."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def test_the_json_example_has_the_printed_shape() -> None:
    example = json.loads(re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)[0])
    fleet = Fleet("demo", gateways=[("gw-01", "aisle-1")], started=T0)
    fleet.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=True)
    fleet.gateway_health("gw-01", gw_health(), now=T0)
    fleet.kiosk_health("kiosk-01", kiosk_health(), now=T0)
    fleet.status(Topic.HUB_STATUS, None, status(), now=T0, retained=True)
    fleet.alert(alert())
    printed = {**fleet.snapshot(T0 + 1).to_json(), "broker": {"address": "", "connected": True, "client_id": ""}}
    assert shape(example) == shape(printed)
    assert list(example) == list(printed)  # the same order, too
    assert example["gateways"][1]["state"] == "never seen"


def test_every_option_is_documented() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    options = {o for action in parser._actions for o in action.option_strings if o.startswith("--")} - {"--help"}
    assert options == {"--json", "--seconds", "--store"}
    for option in [*options, "--config"]:
        assert f"| `{option}" in DOC, option


def test_the_documented_acl_covers_every_watched_topic() -> None:
    store_root = "corsia/v1/milano-01/#"
    assert f"topic read {store_root}" in DOC
    narrow = re.findall(r"^topic read (\S+)$", DOC, re.MULTILINE)
    for topic in WATCHED:
        filter_ = topic.filter("milano-01")
        assert topic_matches(store_root, filter_.replace("+", "gw-01"))
        assert filter_ in narrow, f"{filter_} is missing from the narrow ACL"
