"""Damage a valid evidence bundle one file at a time, the way disks, editors and hand-built
bundles do: truncation, wrong JSON types, huge or non-finite numbers, odd unicode, removed keys,
garbage bytes, and bad manifests."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.builders import BundleBuilder

JSONValue = Any

_NO_SURROGATES = st.characters(exclude_categories=["Cs"])
ODD_TEXT = st.text(
    alphabet=_NO_SURROGATES | st.sampled_from(["\x00", "\u202e", "\ufeff", "é", "𝔘"]),
    max_size=12,
)
HUGE = st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, -1e308, 5e-324])
NON_FINITE = st.sampled_from([float("nan"), float("inf"), float("-inf")])

REPLACEMENTS: st.SearchStrategy[JSONValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    HUGE,
    NON_FINITE,
    ODD_TEXT,
    st.lists(st.one_of(st.none(), st.integers(), ODD_TEXT), max_size=3),
    st.dictionaries(ODD_TEXT, st.one_of(st.none(), st.integers(), ODD_TEXT), max_size=3),
)


def sample_bundle(path: Path) -> Path:
    """A small bundle with one of everything the evaluator reads."""
    b = BundleBuilder()
    pid = b.plan("daily")
    b.selection(pid, "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    b.selection(pid, "by-arn", resources=["arn:aws:rds:*:*:db:*"])
    b.efs("fs-0data", tags={"backup": "daily"})
    db = b.rds_instance("orders")
    b.rds_cluster("aur", engine="aurora-mysql")
    b.dynamodb_table("events")
    b.ebs_volume("vol-1")
    b.ec2_instance("i-1", tags={"backup": "daily"})
    b.fsx_file_system("fs-1", kind="ONTAP")
    b.vault("Default")
    b.recovery_point(db, "RDS", size_bytes=10**9)
    b.job(db, "RDS", state="FAILED")
    return b.build(path)


@dataclass(frozen=True)
class Mutation:
    """What to do to which file: ``kind`` is truncate / replace (any member) / number (a numeric
    member, with a huge or non-finite value half the time) / delete / garbage."""

    file_index: int
    kind: str
    where: int
    value: JSONValue = None
    cut: float = 0.5
    garbage: bytes = b""


MUTATIONS = st.builds(
    Mutation,
    file_index=st.integers(min_value=0, max_value=10**6),
    kind=st.sampled_from(
        ["truncate", "replace", "replace", "replace", "number", "number", "delete", "garbage"]
    ),
    where=st.integers(min_value=0, max_value=10**6),
    value=REPLACEMENTS,
    cut=st.floats(min_value=0.0, max_value=0.99),
    garbage=st.binary(max_size=40),
)


def bundle_files(bundle: Path) -> list[Path]:
    return sorted(p for p in bundle.rglob("*") if p.is_file())


def _nodes(doc: JSONValue, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``doc`` (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    items: list[tuple[Any, JSONValue]] = (
        list(doc.items()) if isinstance(doc, dict) else list(enumerate(doc)) if isinstance(doc, list) else []
    )
    for key, child in items:
        out.append((*path, key))
        out.extend(_nodes(child, (*path, key)))
    return out


def _apply(doc: JSONValue, where: tuple[Any, ...], kind: str, value: JSONValue) -> JSONValue:
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    if kind == "delete":
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return doc


def _is_number(doc: JSONValue, where: tuple[Any, ...]) -> bool:
    for key in where:
        doc = doc[key]
    return isinstance(doc, int | float) and not isinstance(doc, bool)


def damage(bundle: Path, m: Mutation, only: str | None = None) -> Path:
    """Apply ``m`` to one file of ``bundle`` (in place; ``only``: the file of that name); return
    that file."""
    files = [f for f in bundle_files(bundle) if only is None or f.name == only]
    target = files[m.file_index % len(files)]
    raw = target.read_bytes()
    packed = target.name.endswith(".gz")
    text = gzip.decompress(raw) if packed else raw
    if m.kind == "truncate":
        new = text[: int(len(text) * m.cut)]
    elif m.kind == "garbage":
        new = m.garbage
    else:
        doc = json.loads(text)
        nodes = _nodes(doc)
        value = m.value
        if m.kind == "number":
            nodes = [n for n in nodes if _is_number(doc, n)] or nodes
            value = m.value if m.where % 2 else [10**400, float("inf"), float("nan"), 1e308][m.where % 8 // 2]
        if not nodes:
            doc = value if m.kind != "delete" else {}
        else:
            doc = _apply(doc, nodes[m.where % len(nodes)], m.kind, value)
        new = json.dumps(doc).encode()  # NaN / Infinity / lone escapes as Python writes them
    target.write_bytes(gzip.compress(new) if packed else new)
    return target


def fresh_copy(template: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(template, into)
    return into
