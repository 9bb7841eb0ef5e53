"""BKP-091's comparison run on a built bundle, shared by the evidence tests."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.evidence import Disagreement, compare
from auditor.protection.resolver import resolve
from tests.builders import COLLECTED_AT, BundleBuilder


def disagreements(b: BundleBuilder, tmp_path: Path) -> list[Disagreement]:
    """``compare`` of the bundle ``b`` builds under ``tmp_path``, as of its collection, 14-day window."""
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    return list(compare(inv, resolve(inv), COLLECTED_AT, 14))


def disagreements_by_key(b: BundleBuilder, tmp_path: Path) -> dict[tuple[str, str], Disagreement]:
    """:func:`disagreements` by (kind, last part of the ARN); one per kind and resource."""
    found = disagreements(b, tmp_path)
    by_key = {(d.disagreement, d.resource_arn.rsplit("/", 1)[-1]): d for d in found}
    assert len(by_key) == len(found), "one disagreement per kind and resource"
    return by_key
