"""The gateway's live settings: from the config file, and changed by the hub over MQTT."""

from __future__ import annotations

import dataclasses

import pytest

from edge.config import GatewaySection
from edge.config.sections import GatewayFilterSection
from edge.protocol import AllowList, FilterParams, GatewayConfig
from gateway.filters import FilterSettings
from gateway.settings import apply_remote, from_section


def test_config_filter_defaults_are_the_filter_defaults() -> None:
    """The config section restates the filter's defaults (edge cannot import gateway); they must agree."""
    section = GatewayFilterSection()
    settings = FilterSettings()
    for field in dataclasses.fields(section):
        assert getattr(section, field.name) == getattr(settings, field.name), field.name


def test_from_section() -> None:
    live = from_section(GatewaySection())
    assert live.filter == FilterSettings()
    assert live.allow.eid
    assert live.report_interval == 1.0
    assert live.rev == 0


def test_remote_config_is_partial() -> None:
    live = from_section(GatewaySection(rssi_offset=1.5))
    new = apply_remote(live, GatewayConfig(rev=3, report_interval=2.0))
    assert new.report_interval == 2.0
    assert new.rssi_offset == 1.5
    assert new.allow == live.allow
    assert new.filter == live.filter
    assert new.rev == 3


def test_remote_allow_list_and_filter() -> None:
    live = from_section(GatewaySection())
    message = GatewayConfig(
        rev=4,
        allow=AllowList(eid=False, ibeacon_uuids=["F7826DA6-4FA2-4E98-8024-BC5B71E0893E"]),
        filter=FilterParams(kind="window", window_s=4.0),
        rssi_offset=-3.0,
    )
    new = apply_remote(live, message)
    assert not new.allow.eid
    assert new.allow.ibeacon_uuids == frozenset({"f7826da6-4fa2-4e98-8024-bc5b71e0893e"})
    assert new.filter.kind == "window"
    assert new.filter.window_s == 4.0
    assert new.rssi_offset == -3.0


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (GatewayConfig(allow=AllowList(ibeacon_uuids=["nope"])), "allow.ibeacon_uuids"),
        (GatewayConfig(allow=AllowList(altbeacon_ids=["0118:zz"])), "allow.altbeacon_ids"),
        (GatewayConfig(filter=FilterParams(kind="ewma", alpha=0.5, window_s=90.0)), "filter.window_s"),
    ],
)
def test_an_invalid_remote_config_names_the_field(message: GatewayConfig, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}"):
        apply_remote(from_section(GatewaySection()), message)
