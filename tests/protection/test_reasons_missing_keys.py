"""The verdict's reason when StringNot* conditions fail only because the resource lacks their tag
keys (reading A3, ``auditor.protection.reasons``): every missing key is named."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.resolver import resolve
from tests.builders import BundleBuilder


def test_every_tag_key_a_string_not_condition_misses_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders", tags={"owner": "ops"})
    plan = b.plan("daily")
    b.selection(
        plan,
        "not-dev",
        conditions=[
            ("StringNotEquals", "aws:ResourceTag/team", "sandbox"),
            ("StringNotEquals", "aws:ResourceTag/env", "dev"),
            ("StringEquals", "aws:ResourceTag/owner", "ops"),
        ],
    )
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    v = resolve(inv).verdicts.set_index("arn")
    assert v.loc[table, "protected"] is not None and not v.loc[table, "protected"]
    assert v.loc[table, "reason"] == (
        "not selected by plan `daily` / selection `not-dev` because it has no tag env, team required by "
        "StringNot* (reading applied: a missing key does not satisfy StringNotEquals/StringNotLike)"
    )
