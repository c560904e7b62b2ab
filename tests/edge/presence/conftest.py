"""The demo store and the ``hmm`` rules' propagation model over it, shared by this folder's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.presence.model import ZoneModel
from edge.presence.settings import RadioModel
from edge.store import StoreLayout, load_layout

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def demo() -> StoreLayout:
    return load_layout(REPO / "examples" / "stores" / "demo.toml")


@pytest.fixture(scope="module")
def model(demo: StoreLayout) -> ZoneModel:
    return ZoneModel(demo, RadioModel(), [z.id for z in demo.zones])
