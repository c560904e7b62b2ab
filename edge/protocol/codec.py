"""Encoding and strict decoding of contract payloads.

Decoding never lets a third-party exception escape: a payload that is too large, not UTF-8, not JSON, not an
object, of another protocol version, or with a missing, mistyped, out-of-range or unknown field raises
`ProtocolError` naming the field. Decoders are built once per message type and cached.
"""

from __future__ import annotations

import functools
import re
from typing import Final, TypeVar

import msgspec

from edge.protocol.errors import ProtocolError
from edge.protocol.messages import PROTOCOL_VERSION, Message
from edge.protocol.topics import Topic

M = TypeVar("M", bound=Message)
DEFAULT_MAX_BYTES: Final = 64 * 1024

_encoder: Final = msgspec.json.Encoder()


class _OtherVersion(msgspec.Struct, frozen=True, tag_field="v", tag=-1):
    """Never sent. Decoding into ``T | _OtherVersion`` makes msgspec demand the ``v`` tag: a single tagged
    struct treats a missing tag as the default, a tagged union does not."""


@functools.cache
def _decoder(message: type[Message]) -> msgspec.json.Decoder[Message | _OtherVersion]:
    return msgspec.json.Decoder(message | _OtherVersion)


def encode(message: Message) -> bytes:
    """The UTF-8 JSON payload of `message`, ``"v"`` first."""
    return _encoder.encode(message)


def decode(message: type[M], payload: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> M:
    """Decode and validate `payload` as `message`; `ProtocolError` when it does not fit."""
    if len(payload) > max_bytes:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds the limit of {max_bytes}")
    try:
        result = _decoder(message).decode(payload)
    except msgspec.ValidationError as exc:
        raise _validation_error(str(exc)) from exc
    except msgspec.DecodeError as exc:
        # Say "not UTF-8" rather than "malformed JSON" when that is the root cause (error path only).
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("payload is not valid UTF-8") from exc
        raise ProtocolError(f"not valid JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ProtocolError("payload is not valid UTF-8") from exc
    if not isinstance(result, message):  # only _OtherVersion gets here: v == -1
        raise ProtocolError(_version_reason(-1), field="v")
    return result


def decode_for(topic: Topic, payload: bytes) -> Message:
    """Decode `payload` as the message type that `topic` carries, within that topic's size limit."""
    spec = topic.spec
    return decode(spec.message, payload, max_bytes=spec.max_bytes)


def _version_reason(got: object) -> str:
    return f"unsupported protocol version {got}; this consumer speaks version {PROTOCOL_VERSION}"


# msgspec's messages are "<what> - at `$.path`"; turn them into (field, reason).
_AT_RE: Final = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING_RE: Final = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")
_UNKNOWN_RE: Final = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _validation_error(text: str) -> ProtocolError:
    match = _AT_RE.match(text)
    what, path = (match["what"], (match["path"] or "").lstrip(".")) if match else (text, "")
    if found := _MISSING_RE.match(what):
        return ProtocolError("required field is missing", field=_join(path, found["name"]))
    if found := _UNKNOWN_RE.match(what):
        return ProtocolError("unknown field (contract v1 allows no extra fields)", field=_join(path, found["name"]))
    if path == "v":
        if what.startswith("Invalid value "):
            return ProtocolError(_version_reason(what.removeprefix("Invalid value ")), field="v")
        return ProtocolError(f"the protocol version must be the integer {PROTOCOL_VERSION}; {what}", field="v")
    if not path and what.startswith("Expected `object`"):
        return ProtocolError(f"payload must be a JSON object; {what[0].lower()}{what[1:]}")
    return ProtocolError(what[0].lower() + what[1:], field=path)
