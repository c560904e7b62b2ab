"""Malformed payloads for a topic of the contract: the flood of test_malformed_floods.py.

Each is made from the topic's example (`edge.protocol.examples`) or from nothing, by a seeded generator, in
these families: text that is not JSON, bytes that are not UTF-8, JSON that is not an object, the wrong ``v``
(2, "1", missing), a field of the wrong type, an unknown field, a field missing, numbers beyond any range,
nesting thousands deep, an empty payload, and payloads beyond the topic's size limit. Every one is checked
against the real decoder before it is sent: it must be refused with `ProtocolError`, and nothing else.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from edge.protocol import ProtocolError, Topic, decode_for, encode
from edge.protocol.examples import EXAMPLES

FAMILIES = (
    "not-json",
    "not-utf8",
    "not-object",
    "wrong-v",
    "wrong-type",
    "unknown-field",
    "missing-field",
    "out-of-range",
    "deep",
    "empty",
)
WRONG_VALUES: tuple[Any, ...] = ("x", -1, 1.5, None, True, [], {}, [1, "a"], {"k": None}, "\u0000", "é" * 40)


def example_fields(topic: Topic) -> dict[str, Any]:
    fields: dict[str, Any] = json.loads(encode(EXAMPLES[topic]))
    return fields


def malformed(topic: Topic, rng: random.Random, family: str) -> bytes:
    """One payload of `family` for `topic`, made with `rng`."""
    base = example_fields(topic)
    makers: dict[str, Callable[[], bytes]] = {
        "not-json": lambda: (
            rng.choice([b"{", b'{"v":1,', b"nul", b"{'v': 1}", b"\x00" * 3])
            + bytes(rng.randrange(32, 127) for _ in range(rng.randrange(0, 64)))
        ),
        "not-utf8": lambda: b'{"v":1,"state":"' + bytes([0xFF, 0xFE, rng.randrange(0x80, 0xC0)]) + b'"}',
        "not-object": lambda: rng.choice([b"[]", b"1", b'"online"', b"null", b"true", b"[{}]", b"1e999"]),
        "wrong-v": lambda: (
            _json({**base, "v": rng.choice([2, "1", 0, None, 1.5, -1])})
            if rng.random() < 0.8
            else _json({k: v for k, v in base.items() if k != "v"})
        ),
        "wrong-type": lambda: _replace(base, rng, rng.choice(WRONG_VALUES)),
        "unknown-field": lambda: _json({**base, rng.choice(["extra", "V", "mac", "name", "Items"]): 1}),
        "missing-field": lambda: _json(_without(base, rng)),
        "out-of-range": lambda: _replace(base, rng, rng.choice([10**30, -(10**30), 1e308, -1e308, 2**64])),
        "deep": lambda: b"[" * rng.randrange(1000, 20000) + b"]" * rng.randrange(0, 10),
        "empty": lambda: b"",
    }
    return makers[family]()


def oversized(topic: Topic, rng: random.Random) -> bytes:
    """A payload one to a few kilobytes beyond `topic`'s size limit, valid JSON otherwise."""
    filler = "a" * (topic.spec.max_bytes + rng.randrange(1, 4096))
    return _json({**example_fields(topic), "padding": filler})


def flood(topic: Topic, count: int, seed: int, huge: int = 2) -> tuple[list[bytes], Counter[str]]:
    """`count` malformed payloads for `topic` (plus `huge` oversized ones), each checked to be refused."""
    rng = random.Random(seed)
    payloads: list[bytes] = []
    families: Counter[str] = Counter()
    attempts = 0
    while len(payloads) < count:
        assert attempts < 10 * count, f"{topic.name}: too few of the mutations are invalid"
        family = FAMILIES[attempts % len(FAMILIES)]
        attempts += 1
        payload = malformed(topic, rng, family)
        if _refused(topic, payload):
            payloads.append(payload)
            families[family] += 1
    for _ in range(huge):
        payload = oversized(topic, rng)
        assert _refused(topic, payload)
        payloads.append(payload)
        families["oversized"] += 1
    return payloads, families


def _refused(topic: Topic, payload: bytes) -> bool:
    """Whether the real decoder refuses `payload` (a `ProtocolError`); any other exception fails the test."""
    try:
        decode_for(topic, payload)
    except ProtocolError:
        return True
    return False  # the mutation happened to be valid (an optional field left out, a null that fits): not sent


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _replace(base: dict[str, Any], rng: random.Random, value: object) -> bytes:
    fields = dict(base)
    key = rng.choice([k for k in fields if k != "v"])
    fields[key] = value
    return _json(fields)


def _without(base: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    key = rng.choice([k for k in base if k != "v"])
    return {k: v for k, v in base.items() if k != key}
