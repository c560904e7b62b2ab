"""Load a TOML file and ``CORSIA_<SECTION>_<KEY>`` environment overrides into frozen dataclasses.

Generic: the target is any dataclass whose fields are `Section` subclasses (the TOML tables), whose fields are
scalars, arrays or further sections (sub-tables). The order is fixed and documented in docs/config.md:

1. read the file (or nothing, when there is no file);
2. take the environment overrides, which replace file values;
3. check each value's type;
4. read the ``*_file`` secrets into their fields;
5. build the sections, which runs each field's rule.

Every problem is a `ConfigError` naming where the value came from (the file, or the environment variable) and
the dotted key. Nothing is ever written back.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

from edge.config.checks import READS_INTO, InvalidValue
from edge.config.values import Mismatch, describe, expected, from_env, from_toml, is_table
from edge.errors import ConfigError

ENV_PREFIX: Final = "CORSIA_"
DEFAULTS_SOURCE: Final = "built-in defaults"

ConfigPath = str | os.PathLike[str]
C = TypeVar("C")
Key = tuple[str, ...]


class _Leaf(NamedTuple):
    """A non-table key inside a section, as the environment reaches it."""

    path: Key  # relative to the section: ("port",) or ("allow", "eid")
    tp: Any
    secret: bool


class _Override(NamedTuple):
    value: Any
    source: str


def load_config(cls: type[C], path: ConfigPath | None, env: Mapping[str, str] | None = None) -> C:
    """Build `cls` from the TOML file at `path` (None: defaults only) and `env` (None: ``os.environ``)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    for name, tp in _hints(cls).items():
        if not is_table(tp):
            raise TypeError(f"{cls.__name__}.{name} must be a section (a dataclass), not {tp!r}")
    if path is None:
        source, document = DEFAULTS_SOURCE, {}
    else:
        source = os.fspath(path)
        document = read_toml(source)
    overrides = _env_overrides(cls, os.environ if env is None else env)
    built: C = _Builder(source, overrides).table(cls, document, ())
    return built


def read_toml(path: str) -> dict[str, Any]:
    """The parsed file; a missing, unreadable or malformed file is a `ConfigError` naming it."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(path, "", "file not found") from exc
    except IsADirectoryError as exc:
        raise ConfigError(path, "", "is a directory, not a file") from exc
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", f"not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)".
        raise ConfigError(path, "", f"invalid TOML: {exc}") from exc


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """Field name -> resolved type (sections use ``from __future__ import annotations``), cached per class."""
    if cls not in _HINTS:
        hints = typing.get_type_hints(cls)
        found = {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}
        # Walk the whole tree now, so that a field type the loader cannot read fails on the first load, not
        # only once someone sets that key.
        for tp in found.values():
            if is_table(tp):
                _hints(tp)
            else:
                expected(tp)
        _HINTS[cls] = found
    return _HINTS[cls]


@functools.cache
def _leaves(cls: type) -> dict[str, _Leaf]:
    """Env-style suffix (``PORT``, ``ALLOW_EID``) -> leaf, for every non-table key under section `cls`."""
    leaves: dict[str, _Leaf] = {}
    secrets = {f.name for f in dataclasses.fields(cls) if not f.repr}
    for name, tp in _hints(cls).items():
        if is_table(tp):
            found = {
                f"{name.upper()}_{suffix}": _Leaf((name, *leaf.path), leaf.tp, leaf.secret)
                for suffix, leaf in _leaves(tp).items()
            }
        else:
            found = {name.upper(): _Leaf((name,), tp, name in secrets)}
        for env_key, leaf in found.items():
            if env_key in leaves:
                # Two keys would share one variable name; refuse the section rather than guess.
                raise TypeError(f"{cls.__name__}: keys {leaves[env_key].path} and {leaf.path} clash as {env_key}")
            leaves[env_key] = leaf
    return leaves


def _env_overrides(cls: type, env: Mapping[str, str]) -> dict[Key, _Override]:
    sections = {name.upper(): (name, tp) for name, tp in _hints(cls).items()}
    overrides: dict[Key, _Override] = {}
    for var in sorted(env):  # sorted: the same first error on every run
        if not var.startswith(ENV_PREFIX):
            continue
        rest = var[len(ENV_PREFIX) :]
        # The longest matching section wins, in case a section's name is another's prefix.
        matching = [s for s in sections if rest.startswith(s + "_")]
        if not matching:
            continue  # another process's section: one environment may serve several processes
        section, tp = sections[max(matching, key=len)]
        suffix = rest[len(section) + 1 :]
        source = f"environment variable {var}"
        leaf = _leaves(tp).get(suffix)
        if leaf is None:
            known = [".".join(leaf.path) for leaf in _leaves(tp).values()]
            raise ConfigError(
                source, f"{section}.{suffix.lower()}", _unknown_key(suffix.lower(), known, f"[{section}]")
            )
        key = (section, *leaf.path)
        try:
            overrides[key] = _Override(from_env(leaf.tp, env[var], secret=leaf.secret), source)
        except Mismatch as exc:
            raise ConfigError(source, ".".join(key), exc.reason) from None
    return overrides


def _unknown_key(key: str, known: list[str], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; known keys in {where}: {', '.join(known)}"


class _Builder:
    """Builds one config, remembering where each value came from so that late errors can say so."""

    def __init__(self, source: str, overrides: dict[Key, _Override]) -> None:
        self.source = source
        self.overrides = overrides
        self.sources: dict[Key, str] = {key: o.source for key, o in overrides.items()}

    def table(self, cls: type[Any], table: Mapping[str, Any], path: Key) -> Any:
        hints = _hints(cls)
        self._reject_unknown(table, hints, path)
        kwargs: dict[str, Any] = {}
        for name, tp in hints.items():
            key = (*path, name)
            if is_table(tp):
                sub = table.get(name)
                if sub is not None and not isinstance(sub, dict):
                    reason = f"expected a table [{_dotted(key)}], got {describe(sub)}"
                    raise ConfigError(self.source, _dotted(key), reason)
                # An absent sub-table keeps the field's default unless the environment reaches into it.
                if sub is not None or any(k[: len(key)] == key for k in self.overrides):
                    kwargs[name] = self.table(tp, sub or {}, key)
            elif key in self.overrides:
                kwargs[name] = self.overrides[key].value
            elif name in table:
                secret = not _field(cls, name).repr
                try:
                    kwargs[name] = from_toml(tp, table[name], secret=secret)
                except Mismatch as exc:
                    raise ConfigError(self.source, _dotted(key), exc.reason) from None
                self.sources[key] = self.source
        self._read_secrets(cls, kwargs, path)
        try:
            return cls(**kwargs)
        except InvalidValue as exc:
            key = (*path, exc.key)
            raise ConfigError(self.sources.get(key, self.source), _dotted(key), exc.reason) from None

    def _reject_unknown(self, table: Mapping[str, Any], hints: dict[str, Any], path: Key) -> None:
        for name, value in table.items():
            if name in hints:
                continue
            if path:
                where = f"[{_dotted(path)}]"
                raise ConfigError(self.source, _dotted((*path, name)), _unknown_key(name, list(hints), where))
            known = ", ".join(hints)
            if isinstance(value, dict):
                reason = f"unknown section [{name}]; known sections: {known}"
            else:
                reason = f"a key outside any section; known sections: {known}"
            raise ConfigError(self.source, name, reason)

    def _read_secrets(self, cls: type, kwargs: dict[str, Any], path: Key) -> None:
        for f in dataclasses.fields(cls):
            target = f.metadata.get(READS_INTO)
            file_name = kwargs.get(f.name, "" if f.default is dataclasses.MISSING else f.default)
            if target is None or not file_name:
                continue
            key = (*path, f.name)
            source = self.sources.get(key, self.source)
            if kwargs.get(target):
                reason = f"set either {target} or {f.name}, not both"
                target_source = self.sources.get((*path, target), source)
                if target_source != source:  # say where the other half hides
                    reason += f" ({target} is set by {target_source})"
                raise ConfigError(source, _dotted(key), reason)
            kwargs[target] = _read_secret(file_name, source, _dotted(key))
            self.sources[(*path, target)] = source


def _read_secret(file_name: str, source: str, key: str) -> str:
    try:
        text = Path(file_name).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(source, key, f"cannot read {file_name!r}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(source, key, f"{file_name!r} is not UTF-8 text") from exc
    # `echo token > file` and editors add a final newline that is not part of the secret.
    secret = text.rstrip("\r\n")
    if not secret:
        raise ConfigError(source, key, f"{file_name!r} is empty")
    return secret


def _field(cls: type, name: str) -> dataclasses.Field[Any]:
    return next(f for f in dataclasses.fields(cls) if f.name == name)


def _dotted(key: Key) -> str:
    return ".".join(key)
