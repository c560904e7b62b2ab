"""`kiosk.scanner.scene`: the retries run again only on a new scene, or after a while."""

from __future__ import annotations

import numpy as np

from kiosk.scanner.scene import THUMB_SIZE, SceneGate, thumbnail

rng = np.random.default_rng(0)
EMPTY = rng.integers(90, 110, (480, 640), dtype=np.uint8)


def with_noise(image: np.ndarray, sigma: float) -> np.ndarray:
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def test_thumbnails_are_small() -> None:
    assert thumbnail(EMPTY).shape == (THUMB_SIZE[1], THUMB_SIZE[0])


def test_retries_run_first_then_not_on_the_same_scene_until_refresh() -> None:
    gate = SceneGate(refresh_s=2.0)
    thumb = thumbnail(EMPTY)
    assert gate.retries_due(thumb, 0.0)
    gate.record(thumb, 0.0, retried=True, found=False)
    # Sensor noise is not a new scene.
    assert not gate.retries_due(thumbnail(with_noise(EMPTY, 6)), 0.5)
    assert not gate.retries_due(thumbnail(with_noise(EMPTY, 6)), 1.9)
    assert gate.retries_due(thumbnail(with_noise(EMPTY, 6)), 2.0)


def test_a_card_coming_in_is_a_new_scene() -> None:
    gate = SceneGate()
    gate.record(thumbnail(EMPTY), 0.0, retried=True, found=False)
    card = EMPTY.copy()
    card[150:330, 200:440] = 255
    assert gate.retries_due(thumbnail(card), 0.2)


def test_a_plain_only_scan_or_a_find_does_not_mark_the_scene() -> None:
    gate = SceneGate()
    thumb = thumbnail(EMPTY)
    gate.record(thumb, 0.0, retried=False, found=False)  # the retries did not run (or ran out of time)
    assert gate.retries_due(thumb, 0.1)
    gate.record(thumb, 0.1, retried=True, found=False)
    assert not gate.retries_due(thumb, 0.2)
    gate.record(thumb, 0.2, retried=False, found=True)
    assert gate.retries_due(thumb, 0.3)
