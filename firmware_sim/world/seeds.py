"""Random streams for the world: one per component, derived from the scenario's seed and the component's name.

Nothing in the world uses global random state. Every component (a shopper's plan, a phone's advertising clock,
the radio) draws from its own stream, named by a path such as ``("shopper", 17)`` or ``("radio",)``, so adding a
component or reordering draws in one of them leaves all the others unchanged, and the same seed gives the same
world on every machine and Python version (string seeds and SHA-256 are stable; ``hash()`` is not used).
"""

from __future__ import annotations

import hashlib
import random

import numpy as np


def _digest(seed: int, names: tuple[object, ...]) -> bytes:
    text = "corsia-world/" + "/".join([str(seed), *(str(n) for n in names)])
    return hashlib.sha256(text.encode()).digest()


def stream(seed: int, *names: object) -> random.Random:
    """A `random.Random` for the component `names` of the world of `seed`."""
    return random.Random(int.from_bytes(_digest(seed, names), "big"))


def np_stream(seed: int, *names: object) -> np.random.Generator:
    """A numpy `Generator` (PCG64) for the component `names` of the world of `seed`."""
    return np.random.default_rng(int.from_bytes(_digest(seed, names), "big"))


def unit(seed: int, *names: object) -> float:
    """One uniform number in [0, 1) for `names`, without keeping a stream (a stateless, repeatable draw)."""
    return int.from_bytes(_digest(seed, names)[:7], "big") / float(1 << 56)
