"""Presence settings from ``KEY=VALUE`` pairs: how `corsia eval --set` and the presence benchmarks try a hub
setting before a store changes its ``[hub.presence]``; `corsia eval --receiver`'s ``GATEWAY=DB`` pairs; and the
benchmarks' comma-separated choices (`chosen`).

A key is a `PresenceSettings` field (``hmm_evidence``, ``points_switch_p``, ``exit_timeout_s`` ...) or one of the
propagation model's four that ``[hub.presence]`` sets (``path_loss_exponent``, ``shelf_loss_db``,
``gateway_height_m``, ``body_loss_db``). Numbers become floats, ``true`` and ``false`` booleans, anything else
stays a string; the settings' and the model's own validation (the ranges ``[hub.presence]`` checks too) then
checks the value.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import TypeVar

from edge.config.sections import HubPresenceSection
from edge.errors import ConfigError
from edge.presence import PresenceSettings, RadioModel

SOURCE = "--set"
RECEIVER_SOURCE = "--receiver"

T = TypeVar("T", bound=str)

_PRESENCE_KEYS = frozenset(f.name for f in fields(PresenceSettings)) - {"radio"}
# The propagation model's keys that [hub.presence] sets.
_RADIO_KEYS = tuple(f.name for f in fields(HubPresenceSection) if f.name in {g.name for g in fields(RadioModel)})


def _value(text: str) -> object:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text)
    except ValueError:
        return text


def _split(pair: str, source: str, form: str) -> tuple[str, str]:
    key, sep, text = pair.partition("=")
    if not sep or not key.strip():
        raise ConfigError(source, "", f"expected {form}, got {pair!r}")
    return key.strip(), text.strip()


def receivers_with(pairs: Sequence[str], source: str = RECEIVER_SOURCE) -> dict[str, float]:
    """``GATEWAY=DB`` pairs (`corsia eval --receiver`) as a mapping for `with_receivers_changed`, a later pair for
    the same gateway winning. `ConfigError` (naming the option, `source`) for a pair without ``=`` or a value that
    is not a finite number of dB; the gateway is checked against the layout when the change is applied."""
    out: dict[str, float] = {}
    for pair in pairs:
        gateway, text = _split(pair, source, "GATEWAY=DB")
        try:
            db = float(text)
        except ValueError:
            raise ConfigError(source, gateway, f"expected a number of dB, got {text!r}") from None
        if not math.isfinite(db):
            raise ConfigError(source, gateway, f"expected a finite number of dB, got {text!r}")
        out[gateway] = db
    return out


def presence_with(pairs: Sequence[str], base: PresenceSettings | None = None) -> PresenceSettings:
    """`base` (the defaults when None) with each ``KEY=VALUE`` of `pairs` applied, later pairs winning.

    Raises `ConfigError` naming the key for a pair without ``=``, an unknown key or a value its field refuses."""
    settings = base if base is not None else PresenceSettings()
    presence: dict[str, object] = {}
    radio: dict[str, object] = {}
    for pair in pairs:
        key, text = _split(pair, SOURCE, "KEY=VALUE")
        if key in _PRESENCE_KEYS:
            presence[key] = _value(text)
        elif key in _RADIO_KEYS:
            radio[key] = _value(text)
        else:
            raise ConfigError(
                SOURCE, key, f"not a presence setting: a field of PresenceSettings or one of {', '.join(_RADIO_KEYS)}"
            )
    try:
        return replace(settings, radio=replace(settings.radio, **radio), **presence)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:  # the message starts with the field's name
        raise ConfigError(SOURCE, "", str(exc)) from exc


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """The ``--set KEY=VALUE`` option (repeatable) of `corsia eval` and the benchmarks, read with `presence_with`
    (or `presence_or_exit`) from ``args.presence_set``."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="presence_set",
                        help="a hub presence setting instead of its default, as in [hub.presence] (repeatable; "
                        "e.g. hmm_evidence=1.3, path_loss_exponent=3)")  # fmt: skip


def presence_or_exit(parser: argparse.ArgumentParser, args: argparse.Namespace) -> PresenceSettings:
    """The settings of `add_set_option`'s pairs; a bad pair ends the program with the parser's usage error."""
    try:
        return presence_with(args.presence_set)
    except ConfigError as exc:
        parser.error(str(exc))


def chosen(value: str, known: Sequence[T], parser: argparse.ArgumentParser, what: str) -> list[T]:
    """The names of `known` in the comma-separated `value`, in the order given (none for an empty one); an unknown
    one is a usage error naming it and the known ones."""
    names = value.split(",") if value else []
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [next(k for k in known if k == n) for n in names]
