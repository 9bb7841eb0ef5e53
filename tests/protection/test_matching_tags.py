"""Tag selections with more than one tag key, and the rare FSx path (a file system's tags may
select an ONTAP volume) meeting a resource AWS Backup cannot protect (selection-semantics.md:
selected = (Resources or every resource, AND all Conditions) OR any ListOfTags entry; survivors of
matching mutants run ahead of the mutmut run)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.resolver import Protection, resolve
from tests.builders import BundleBuilder

A_IS_1 = ("StringEquals", "aws:ResourceTag/a", "1")
B_IS_2 = ("StringEquals", "aws:ResourceTag/b", "2")


def _resolve(b: BundleBuilder, tmp_path: Path) -> Protection:
    return resolve(load_inventory(read_bundle(b.build(tmp_path / "bundle"))))


def _protected(p: Protection) -> dict[str, object]:
    return {str(a): v for a, v in zip(p.verdicts["arn"], p.verdicts["protected"], strict=True)}


def _rows(p: Protection, arn: str) -> pd.DataFrame:
    return p.matches[p.matches["arn"] == arn]


def test_two_conditions_need_both_tags(tmp_path: Path) -> None:
    b = BundleBuilder()
    both = b.dynamodb_table("both", tags={"a": "1", "b": "2"})
    only_a = b.dynamodb_table("only-a", tags={"a": "1"})
    only_b = b.dynamodb_table("only-b", tags={"b": "2"})
    none = b.dynamodb_table("none")
    b.selection(b.plan("p"), "s", conditions=[A_IS_1, B_IS_2])
    got = _protected(_resolve(b, tmp_path))
    assert (got[both], got[only_a], got[only_b], got[none]) == (True, False, False, False)


def test_two_conditions_or_one_list_of_tags_entry(tmp_path: Path) -> None:
    b = BundleBuilder()
    both = b.dynamodb_table("both", tags={"a": "1", "b": "2"})
    only_a = b.dynamodb_table("only-a", tags={"a": "1"})
    listed = b.dynamodb_table("listed", tags={"c": "3"})
    b.selection(b.plan("p"), "s", conditions=[A_IS_1, B_IS_2], list_of_tags=[("aws:ResourceTag/c", "3")])
    p = _resolve(b, tmp_path)
    got = _protected(p)
    assert (got[both], got[only_a], got[listed]) == (True, False, True)
    assert list(_rows(p, listed)["via"]) == ["tags"]


def test_file_system_tags_meeting_two_conditions_are_reported_on_the_volume(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-ontap", kind="ONTAP", tags={"a": "1", "b": "2"})
    vol = b.fsx_volume("fs-ontap", "fsvol-1")
    half = b.fsx_volume("fs-ontap", "fsvol-2", tags={"a": "1"})
    b.selection(b.plan("p"), "s", conditions=[A_IS_1, B_IS_2])
    p = _resolve(b, tmp_path)
    assert _protected(p)[vol] is False
    for arn in (vol, half):
        rows = _rows(p, arn)
        assert len(rows) == 1, arn
        assert bool(rows["fsx_tags_on_filesystem"].iloc[0]) is True
        assert bool(rows["effective"].iloc[0]) is False


def test_file_system_tag_meeting_one_of_two_list_of_tags_entries(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-ontap", kind="ONTAP", tags={"b": "2"})
    vol = b.fsx_volume("fs-ontap", "fsvol-1")
    b.selection(b.plan("p"), "s", list_of_tags=[("aws:ResourceTag/a", "1"), ("aws:ResourceTag/b", "2")])
    p = _resolve(b, tmp_path)
    rows = _rows(p, vol)
    assert len(rows) == 1
    assert bool(rows["fsx_tags_on_filesystem"].iloc[0]) is True


def test_unsupported_bucket_selected_by_tags_next_to_an_ontap_volume_is_blocked(tmp_path: Path) -> None:
    # the file system's tags send the selection down the FSx path for the whole region
    b = BundleBuilder()
    b.fsx_file_system("fs-ontap", kind="ONTAP", tags={"a": "1"})
    vol = b.fsx_volume("fs-ontap", "fsvol-1")
    bucket = b.s3_bucket("suspended", tags={"a": "1"}, versioning="Suspended")
    table = b.dynamodb_table("t", tags={"a": "1"})
    b.selection(b.plan("p"), "s", conditions=[A_IS_1])
    p = _resolve(b, tmp_path)
    got = _protected(p)
    assert (got[bucket], got[table], got[vol]) == (False, True, False)
    row = _rows(p, bucket).iloc[0]
    assert (bool(row["effective"]), row["blocked_by"], bool(row["fsx_tags_on_filesystem"])) == (
        False,
        "unsupported",
        False,
    )
    trow = _rows(p, table).iloc[0]
    assert (bool(trow["effective"]), trow["blocked_by"]) == (True, None)
    assert bool(_rows(p, vol)["fsx_tags_on_filesystem"].iloc[0]) is True
