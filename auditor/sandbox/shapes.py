"""Check a response against botocore's service model output shape.

Two checks, both returning a list of problems (empty = conforms):
- ``validate_parsed``: the value boto3 returned (timestamps ``datetime``, integers ``int``, enums
  valid, required members present, every member known).
- ``validate_wire``: the raw HTTP body as the server sent it (JSON or XML), so members botocore's
  parser would silently drop are caught too.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StringShape, StructureShape

_session = botocore.session.get_session()
_IGNORED_TOP_LEVEL = {"ResponseMetadata"}


def operation_model(service: str, operation: str) -> OperationModel:
    model: OperationModel = _session.get_service_model(service).operation_model(operation)
    return model


# ---- parsed (boto3) values ---------------------------------------------------------------------


def validate_parsed(service: str, operation: str, response: dict[str, Any]) -> list[str]:
    """Problems of a boto3 response against the operation's output shape."""
    shape = operation_model(service, operation).output_shape
    body = {k: v for k, v in response.items() if k not in _IGNORED_TOP_LEVEL}
    if shape is None:
        return [f"{operation}: no output expected, got members {sorted(body)}"] if body else []
    problems: list[str] = []
    _check_value(body, shape, operation, problems)
    return problems


def _check_length(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    minimum = shape.metadata.get("min")
    maximum = shape.metadata.get("max")
    size = len(value)
    if minimum is not None and size < minimum:
        problems.append(f"{path}: length {size} < min {minimum}")
    if maximum is not None and size > maximum:
        problems.append(f"{path}: length {size} > max {maximum}")


def _check_value(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if not isinstance(value, dict):
            problems.append(f"{path}: expected structure {shape.name}, got {type(value).__name__}")
            return
        for name in value:
            if name not in shape.members:
                problems.append(f"{path}.{name}: not a member of {shape.name}")
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required member of {shape.name} missing")
        for name, member_value in value.items():
            if name in shape.members:
                _check_value(member_value, shape.members[name], f"{path}.{name}", problems)
    elif kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list):
            problems.append(f"{path}: expected list, got {type(value).__name__}")
            return
        _check_length(value, shape, path, problems)
        for index, item in enumerate(value):
            _check_value(item, shape.member, f"{path}[{index}]", problems)
    elif kind == "map":
        assert isinstance(shape, MapShape)
        if not isinstance(value, dict):
            problems.append(f"{path}: expected map, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check_value(key, shape.key, f"{path}<key {key!r}>", problems)
            _check_value(item, shape.value, f"{path}[{key!r}]", problems)
    else:
        _check_scalar(value, shape, path, problems)


def _check_scalar(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected string, got {type(value).__name__}")
            return
        enum = shape.enum if isinstance(shape, StringShape) else []
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} not in enum {shape.name} {enum}")
        _check_length(value, shape, path, problems)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected {kind}, got {type(value).__name__}")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected {kind}, got {type(value).__name__}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected boolean, got {type(value).__name__}")
    elif kind == "timestamp":
        if not isinstance(value, datetime):
            problems.append(f"{path}: expected timestamp (datetime), got {type(value).__name__}")
        elif value.tzinfo is None:
            problems.append(f"{path}: timestamp without time zone")
    elif kind == "blob":
        if not isinstance(value, bytes | bytearray):
            problems.append(f"{path}: expected blob, got {type(value).__name__}")
    else:
        problems.append(f"{path}: unknown shape type {kind}")


# ---- raw wire bodies ---------------------------------------------------------------------------


def validate_wire(service: str, operation: str, body: bytes) -> list[str]:
    """Problems of a raw HTTP response body against the operation's output shape."""
    model = operation_model(service, operation)
    shape = model.output_shape
    protocol = model.metadata["protocol"]
    if protocol in ("json", "rest-json"):
        document = json.loads(body) if body.strip() else {}
        if shape is None:
            return [f"{operation}: no output expected, got {sorted(document)}"] if document else []
        problems: list[str] = []
        _check_json(document, shape, operation, problems, top=True)
        return problems
    if protocol in ("query", "rest-xml", "ec2"):
        root = ET.fromstring(body)
        if shape is None:
            return []
        problems = []
        node: ET.Element | None = root
        wrapper = shape.serialization.get("resultWrapper")
        if wrapper:
            node = next((child for child in root if _tag(child) == wrapper), None)
            if node is None:
                return [f"{operation}: result wrapper <{wrapper}> missing"]
        assert node is not None
        if protocol == "ec2":
            for extra in [child for child in node if _tag(child) == "requestId"]:
                node.remove(extra)  # EC2's request id sits beside the output members
        _check_xml(node, shape, operation, problems)
        return problems
    raise ValueError(f"protocol {protocol} not handled")


def _wire_name(name: str, shape: Shape) -> str:
    wire: str = shape.serialization.get("name", name)
    return wire


def _check_json(value: Any, shape: Shape, path: str, problems: list[str], *, top: bool = False) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        _check_json_structure(value, shape, path, problems, top=top)
    elif kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list):
            problems.append(f"{path}: expected JSON array, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _check_json(item, shape.member, f"{path}[{index}]", problems)
    elif kind == "map":
        assert isinstance(shape, MapShape)
        _check_json_map(value, shape, path, problems)
    elif kind == "timestamp":
        _check_json_timestamp(value, path, problems)
    elif kind == "blob":
        if not isinstance(value, str):
            problems.append(f"{path}: expected base64 string, got {type(value).__name__}")
    else:
        _check_scalar(value, shape, path, problems)


def _check_json_structure(
    value: Any, shape: StructureShape, path: str, problems: list[str], *, top: bool
) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected JSON object, got {type(value).__name__}")
        return
    body_members = {
        _wire_name(name, member): (name, member)
        for name, member in shape.members.items()
        if not (top and member.serialization.get("location"))
    }
    for key, item in value.items():
        found = body_members.get(key)
        if found is None:
            problems.append(f"{path}.{key}: not a member of {shape.name}")
            continue
        if item is None:
            problems.append(f"{path}.{key}: null (AWS omits absent members)")
            continue
        _check_json(item, found[1], f"{path}.{found[0]}", problems)
    for name in shape.required_members:
        if _wire_name(name, shape.members[name]) not in value:
            problems.append(f"{path}.{name}: required member of {shape.name} missing")


def _check_json_map(value: Any, shape: MapShape, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected JSON object (map), got {type(value).__name__}")
        return
    for key, item in value.items():
        _check_scalar(key, shape.key, f"{path}<key {key!r}>", problems)
        _check_json(item, shape.value, f"{path}[{key!r}]", problems)


def _check_json_timestamp(value: Any, path: str, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(f"{path}: expected timestamp (epoch seconds or ISO 8601), got {value!r}")
    elif isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{path}: unparseable timestamp {value!r}")


def conform_json(service: str, operation: str, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (a JSON response body) without ``null`` members and members the output shape
    does not have, as AWS would send it. Used to tidy a few of moto's own JSON responses."""
    shape = operation_model(service, operation).output_shape
    if shape is None:
        return {}
    cleaned = _conform(document, shape)
    return cleaned if isinstance(cleaned, dict) else {}


def _conform(value: Any, shape: Shape) -> Any:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        wire = {_wire_name(name, member): member for name, member in shape.members.items()}
        return {
            key: _conform(item, wire[key]) for key, item in value.items() if key in wire and item is not None
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_conform(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _conform(item, shape.value) for key, item in value.items() if item is not None}
    return value


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _check_xml(element: ET.Element, shape: Shape, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        _check_xml_structure(element, shape, path, problems)
    elif kind == "list":
        assert isinstance(shape, ListShape)
        item_tag = shape.member.serialization.get("name", "member")
        for index, child in enumerate(element):
            if _tag(child) != item_tag:
                problems.append(f"{path}[{index}]: element <{_tag(child)}>, expected <{item_tag}>")
                continue
            _check_xml(child, shape.member, f"{path}[{index}]", problems)
    elif kind == "map":
        return  # no map in the XML outputs the sandbox changes
    else:
        _check_xml_text(element.text or "", shape, path, problems)


def _check_xml_structure(element: ET.Element, shape: StructureShape, path: str, problems: list[str]) -> None:
    by_wire: dict[str, tuple[str, Shape]] = {}
    for name, member in shape.members.items():
        wire = _wire_name(name, member)
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            wire = member.member.serialization.get("name", wire)
        by_wire[wire] = (name, member)
    present: set[str] = set()
    for child in element:
        tag = _tag(child)
        found = by_wire.get(tag)
        if found is None:
            problems.append(f"{path}.{tag}: not a member of {shape.name}")
            continue
        present.add(found[0])
        name, member = found
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            _check_xml(child, member.member, f"{path}.{name}[]", problems)
        else:
            _check_xml(child, member, f"{path}.{name}", problems)
    for name in shape.required_members:
        if name not in present:
            problems.append(f"{path}.{name}: required member of {shape.name} missing")


def _check_xml_text(text: str, shape: Shape, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "string":
        enum = shape.enum if isinstance(shape, StringShape) else []
        if enum and text not in enum:
            problems.append(f"{path}: {text!r} not in enum {shape.name} {enum}")
    elif kind in ("integer", "long"):
        try:
            int(text)
        except ValueError:
            problems.append(f"{path}: expected {kind}, got {text!r}")
    elif kind in ("double", "float"):
        try:
            float(text)
        except ValueError:
            problems.append(f"{path}: expected {kind}, got {text!r}")
    elif kind == "boolean":
        if text not in ("true", "false"):
            problems.append(f"{path}: expected boolean, got {text!r}")
    elif kind == "timestamp":
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{path}: unparseable timestamp {text!r}")
