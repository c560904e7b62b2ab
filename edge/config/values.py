"""Turning TOML values and environment strings into a field's type, and saying why when they do not fit.

A file is strict: TOML has real types, so a string is never read as a number and an integer is never a boolean;
the one widening is an integer for a float field. The environment has only strings, so there each field type
has its own parsing rule. Supported field types: ``str``, ``int``, ``float``, ``bool``, ``tuple[X, ...]``,
``tuple[X, Y]`` and ``list[X]`` of those scalars; a `Section` subclass is a sub-table (handled by the loader).
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import tomllib
import typing
from typing import Any, Final

_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})
_SHOWN_CHARS: Final = 40


class Mismatch(Exception):
    """A value does not fit its field's type; `reason` says how, for a `ConfigError`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_table(tp: Any) -> bool:
    """A dataclass-typed field is a TOML sub-table."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _sequence(tp: Any) -> tuple[type, tuple[Any, ...]] | None:
    """(list or tuple, element types) for a sequence type, None for anything else."""
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        return origin, typing.get_args(tp)
    return None


def expected(tp: Any) -> str:
    """The type in the words of a TOML user: ``an integer``, ``an array of strings``."""
    names = {bool: "a boolean (true or false)", int: "an integer", float: "a number", str: "a string"}
    if tp in names:
        return names[tp]
    seq = _sequence(tp)
    if seq is not None:
        _, args = seq
        if len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis):
            return f"an array of {_plural(args[0])}"
        if len(set(args)) == 1:
            return f"an array of {len(args)} {_plural(args[0])}"
        return f"an array of {len(args)} items ({', '.join(expected(a) for a in args)})"
    if is_table(tp):
        return "a table"
    raise TypeError(f"unsupported config field type {tp!r}")


def _plural(tp: Any) -> str:
    plurals = {bool: "booleans", int: "integers", float: "numbers", str: "strings"}
    if tp not in plurals:
        raise TypeError(f"unsupported config array item type {tp!r}")
    return plurals[tp]


def describe(value: object, *, secret: bool = False) -> str:
    """``the integer 3``, ``the string 'abc'``; a secret's value is never repeated."""
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        ((datetime.datetime, datetime.date, datetime.time), "date/time"),
    ]
    for kind, name in kinds:
        if isinstance(value, kind):
            if secret:
                return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
            if isinstance(value, bool):
                text = "true" if value else "false"  # as TOML spells it
            else:
                text = repr(value) if isinstance(value, str) else str(value)
            if len(text) > _SHOWN_CHARS:
                text = text[: _SHOWN_CHARS - 3] + "..."
            return f"the {name} {text}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def from_toml(tp: Any, value: object, *, secret: bool = False) -> Any:
    """`value` as parsed by tomllib, checked against `tp` and converted (int to float, array to tuple)."""
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _finite(float(value))
    elif tp is str:
        if isinstance(value, str):
            return value
    elif (seq := _sequence(tp)) is not None:
        if isinstance(value, list):
            return _items(tp, seq, value, lambda elem_tp, item: from_toml(elem_tp, item, secret=secret))
    else:
        expected(tp)  # raises TypeError for a type the loader does not support
    raise Mismatch(f"expected {expected(tp)}, got {describe(value, secret=secret)}")


def from_env(tp: Any, text: str, *, secret: bool = False) -> Any:
    """An environment variable's `text` parsed by `tp`'s rule (see docs/config.md, "Environment overrides")."""
    got = "something else" if secret else repr(text)
    if tp is str:
        return text
    if tp is bool:
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise Mismatch(f"expected a boolean (true/false, 1/0, yes/no, on/off), got {got}")
    if tp is int or tp is float:
        try:
            number = tp(text)
        except ValueError:
            raise Mismatch(f"expected {expected(tp)}, got {got}") from None
        return _finite(number) if tp is float else number
    seq = _sequence(tp)
    if seq is None:
        raise TypeError(f"unsupported config field type {tp!r}")
    if text.lstrip().startswith("["):
        # A TOML array literal: the only way to give items that contain commas.
        try:
            doc = tomllib.loads(f"v = {text}")
        except tomllib.TOMLDecodeError as exc:
            raise Mismatch(f"expected {expected(tp)}, got an invalid TOML array ({exc})") from None
        if set(doc) != {"v"}:
            raise Mismatch(f"expected {expected(tp)}, got more than one TOML array")
        return from_toml(tp, doc["v"], secret=secret)
    items = [] if not text.strip() else [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise Mismatch(f"expected {expected(tp)} separated by commas, got an empty item")
    return _items(tp, seq, items, lambda elem_tp, item: from_env(elem_tp, item, secret=secret))


def _items(tp: Any, seq: tuple[type, tuple[Any, ...]], values: list[Any], convert: Any) -> Any:
    container, args = seq
    variable = len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis)
    if not variable and len(values) != len(args):
        raise Mismatch(f"expected {expected(tp)}, got {len(values)} items")
    result = []
    for index, item in enumerate(values):
        elem_tp = args[0] if variable else args[index]
        try:
            result.append(convert(elem_tp, item))
        except Mismatch as exc:
            raise Mismatch(f"item {index + 1}: {exc.reason}") from None
    return container(result)


def _finite(number: float) -> float:
    # TOML and float() both accept inf and nan; no Corsia setting means either, and nan slips past range checks.
    if not math.isfinite(number):
        raise Mismatch(f"expected a finite number, got {number}")
    return number
