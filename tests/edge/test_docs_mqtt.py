"""docs/mqtt.md documents the MQTT contract as the code defines it: every topic, its QoS, retain flag and size
limit, every payload field, and each example payload byte for byte."""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from edge.protocol import Topic, encode
from edge.protocol.examples import EXAMPLES
from edge.protocol.topics import KIB

DOC = Path(__file__).resolve().parents[2] / "docs" / "mqtt.md"
MIB = 1024 * KIB

# The code names every device part "{device}"; the doc uses DESIGN.md's names, chosen by the topic's first level.
PLACEHOLDERS = {"gw": "{gw}", "pos": "{till}", "kiosk": "{k}"}

TOPICS = pytest.mark.parametrize("topic", list(Topic), ids=[t.name for t in Topic])


def doc_template(topic: Topic) -> str:
    """The topic as the doc writes it: ``gw/{device}/sightings`` -> ``gw/{gw}/sightings``."""
    template = topic.spec.template
    if not topic.spec.has_device:
        return template
    return template.replace("{device}", PLACEHOLDERS[template.split("/")[0]])


def size_text(n_bytes: int) -> str:
    assert n_bytes % KIB == 0, n_bytes
    return f"{n_bytes // MIB} MiB" if n_bytes % MIB == 0 else f"{n_bytes // KIB} KiB"


# --- reading the doc -----------------------------------------------------------------------------------------


@functools.cache
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def part(title: str) -> str:
    """The text under ``## title``, up to the next ``## `` heading."""
    _, found, rest = doc().partition(f"\n## {title}\n")
    assert found, f"docs/mqtt.md has no '## {title}' section"
    return rest.split("\n## ", 1)[0]


@functools.cache
def topic_sections() -> dict[str, str]:
    """``### heading`` -> the text under it, in the topic reference."""
    chunks = part("Topic reference").split("\n### ")[1:]
    return {heading: body for heading, _, body in (chunk.partition("\n") for chunk in chunks)}


def first_cells(text: str) -> Iterator[list[str]]:
    """The cells of each table row in `text` whose first cell is code (``| `name` | ...``)."""
    for line in text.splitlines():
        if line.startswith("| `"):
            yield [cell.strip() for cell in line.strip().strip("|").split(" | ")]


@functools.cache
def summary_rows() -> dict[str, list[str]]:
    """Relative topic -> its row's cells in the summary table."""
    return {cells[0].strip("`"): cells for cells in first_cells(part("Topics"))}


def section(topic: Topic) -> str:
    heading = doc_template(topic)
    assert heading in topic_sections(), f"docs/mqtt.md has no '### {heading}' section"
    return topic_sections()[heading]


def documented_fields(topic: Topic) -> set[str]:
    """The first column of the field table in the topic's section, without backticks."""
    return {cells[0].strip("`") for cells in first_cells(section(topic))}


# --- reading the code ----------------------------------------------------------------------------------------


def nested_structs(annotation: object, in_list: bool = False) -> Iterator[tuple[type[msgspec.Struct], bool]]:
    """The structs inside a field's type (through Annotated, Optional, list), and whether they sit in a list."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        yield annotation, in_list
        return
    in_list = in_list or typing.get_origin(annotation) is list
    for arg in typing.get_args(annotation):
        yield from nested_structs(arg, in_list)


def field_paths(struct: type[msgspec.Struct], prefix: str = "") -> list[str]:
    """Every field as the doc names it: ``v``, ``gw``, ``items``, ``items[].rssi``, ``allow.eid``."""
    tag_field = struct.__struct_config__.tag_field
    paths = [tag_field] if tag_field and not prefix else []
    for field in msgspec.structs.fields(struct):
        path = prefix + field.encode_name
        paths.append(path)
        for nested, in_list in nested_structs(field.type):
            paths += field_paths(nested, f"{path}[]." if in_list else f"{path}.")
    return paths


# --- the tests -----------------------------------------------------------------------------------------------


def test_field_paths_walk_nested_structs() -> None:
    paths = field_paths(Topic.SIGHTINGS.spec.message)
    assert paths[:2] == ["v", "gw"]
    assert {"items", "items[].id", "items[].rssi"} <= set(paths)
    assert {"allow.eid", "filter.kind"} <= set(field_paths(Topic.GATEWAY_CONFIG.spec.message))


def test_the_doc_has_exactly_the_contracts_topics() -> None:
    expected = {doc_template(t) for t in Topic}
    assert set(topic_sections()) == expected, "topic sections ('### ...') differ from the Topic enum"
    assert set(summary_rows()) == expected, "summary table rows differ from the Topic enum"


@TOPICS
def test_summary_row(topic: Topic) -> None:
    spec = topic.spec
    row = summary_rows().get(doc_template(topic))
    assert row is not None, f"no summary table row for `{doc_template(topic)}`"
    _, _, qos, retain, max_payload, payload_type = row
    assert qos == str(spec.qos)
    assert retain == ("yes" if spec.retain else "no")
    assert max_payload == size_text(spec.max_bytes)
    assert payload_type == f"`{spec.message.__name__}`"


@TOPICS
def test_section_has_the_example_verbatim(topic: Topic) -> None:
    example = encode(EXAMPLES[topic]).decode()
    assert f"```json\n{example}\n```" in section(topic), f"update the example of {doc_template(topic)}"


@TOPICS
def test_section_documents_every_field(topic: Topic) -> None:
    expected = field_paths(topic.spec.message)
    documented = documented_fields(topic)
    assert sorted(set(expected) - documented) == [], "fields missing from the section's table"
    assert sorted(documented - set(expected)) == [], "the section's table lists fields the message does not have"
