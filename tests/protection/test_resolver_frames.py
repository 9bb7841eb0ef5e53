"""The resolver's two frames as the rules read them: verdict columns hold Python objects (a
verdict is ``True`` / ``False`` / ``None``, never a numpy bool), ids stay text, the match frame
has :data:`MATCH_COLUMNS` even when nothing matches, and a protected resource's reason names its
own first selection (survivors of resolver mutants run ahead of the mutmut run)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.matching import MATCH_COLUMNS
from auditor.protection.resolver import VERDICT_COLUMNS, Protection, _matches_frame, resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder


def _resolve(b: BundleBuilder, tmp_path: Path) -> Protection:
    return resolve(load_inventory(read_bundle(b.build(tmp_path / "bundle"))))


def test_verdict_columns_are_objects_when_every_resource_is_protected(tmp_path: Path) -> None:
    b = BundleBuilder()
    t1 = b.dynamodb_table("one")
    t2 = b.dynamodb_table("two")
    b.selection(b.plan("p"), "s", resources=[t1, t2])
    v = _resolve(b, tmp_path).verdicts
    assert list(v.columns) == list(VERDICT_COLUMNS)
    assert {c: str(v[c].dtype) for c in VERDICT_COLUMNS} == dict.fromkeys(VERDICT_COLUMNS, "object")
    assert sorted(v["arn"]) == sorted([t1, t2])
    assert all(p is True for p in v["protected"])
    assert list(v["account_id"]) == [DEFAULT_ACCOUNT, DEFAULT_ACCOUNT]
    assert list(v["region"]) == [DEFAULT_REGION, DEFAULT_REGION]
    assert list(v["resource_type"]) == ["DynamoDB", "DynamoDB"]
    assert list(v["unsupported"]) == [None, None]
    assert list(v["opt_in"]) == [True, True]


def test_each_protected_resource_names_its_own_selection(tmp_path: Path) -> None:
    b = BundleBuilder()
    t1 = b.dynamodb_table("one")
    t2 = b.dynamodb_table("two")
    plan = b.plan("p")
    b.selection(plan, "first", resources=[t1])
    b.selection(plan, "second", resources=[t2])
    v = _resolve(b, tmp_path).verdicts.set_index("arn")
    r1, r2 = str(v.loc[t1, "reason"]), str(v.loc[t2, "reason"])
    assert "first" in r1 and "second" not in r1
    assert "second" in r2 and "first" not in r2


def test_match_frame_has_its_columns_when_nothing_matches(tmp_path: Path) -> None:
    b = BundleBuilder()
    t1 = b.dynamodb_table("one")
    p = _resolve(b, tmp_path)
    assert list(p.matches.columns) == list(MATCH_COLUMNS)
    assert len(p.matches) == 0
    assert str(p.matches["effective"].dtype) == "bool"
    assert str(p.matches["fsx_tags_on_filesystem"].dtype) == "bool"
    assert str(p.matches["arn"].dtype) == "object"
    assert list(p.verdicts["arn"]) == [t1]
    assert list(p.verdicts["protected"]) == [False]


def test_match_frame_rows_and_types(tmp_path: Path) -> None:
    b = BundleBuilder()
    t1 = b.dynamodb_table("one")
    b.selection(b.plan("p"), "s", resources=[t1])
    m = _resolve(b, tmp_path).matches
    assert list(m.columns) == list(MATCH_COLUMNS)
    assert len(m) == 1
    row = m.iloc[0]
    assert (row["arn"], row["selection_name"], row["via"]) == (t1, "s", "arn")
    assert {c: str(m[c].dtype) for c in MATCH_COLUMNS} == {
        c: "bool" if c in ("effective", "fsx_tags_on_filesystem") else "object" for c in MATCH_COLUMNS
    }
    assert bool(row["effective"]) is True
    assert bool(row["fsx_tags_on_filesystem"]) is False


def test_unsupported_column_keeps_none_beside_a_reason(tmp_path: Path) -> None:
    b = BundleBuilder()
    bucket = b.s3_bucket("suspended", versioning="Suspended")
    table = b.dynamodb_table("t")
    b.selection(b.plan("p"), "s", resources=[bucket, table])
    v = _resolve(b, tmp_path).verdicts.set_index("arn")
    assert str(v["unsupported"].dtype) == "object"
    assert v.loc[bucket, "unsupported"] == "s3-versioning"
    assert v.loc[table, "unsupported"] is None
    assert v.loc[bucket, "protected"] is False
    assert v.loc[table, "protected"] is True


def test_an_unsupported_resource_is_unprotected_even_where_a_deciding_operation_is_missing(
    tmp_path: Path,
) -> None:
    # verdicts: an unsupported resource is never protected; the gap cannot make it undecided
    b = BundleBuilder()
    bucket = b.s3_bucket("suspended", versioning="Suspended")
    table = b.dynamodb_table("t")
    b.omit("backup", "DescribeRegionSettings")
    v = _resolve(b, tmp_path).verdicts.set_index("arn")
    assert v.loc[bucket, "protected"] is False
    assert v.loc[table, "protected"] is None


def test_an_unsupported_bucket_says_why_selected_or_not(tmp_path: Path) -> None:
    b = BundleBuilder()
    selected = b.s3_bucket("selected", versioning="Suspended")
    unselected = b.s3_bucket("unselected", versioning="Suspended")
    b.selection(b.plan("p"), "s", resources=[selected])
    v = _resolve(b, tmp_path).verdicts.set_index("arn")
    assert str(v.loc[selected, "reason"]).startswith(
        "S3 bucket without versioning enabled: AWS Backup cannot"
    )
    assert str(v.loc[unselected, "reason"]).startswith(
        f"none of the 1 backup selection(s) in {DEFAULT_ACCOUNT}/{DEFAULT_REGION} selects it"
    )
    assert str(v.loc[unselected, "reason"]).endswith(
        "(and enable versioning on the bucket: AWS Backup needs it)"
    )


def test_an_unversioned_bucket_no_selection_selects_names_the_nearest_miss(tmp_path: Path) -> None:
    """Not selected at all, the bucket's reason names what kept each selection off it (read from
    its own ARN and tags), then asks for versioning."""
    b = BundleBuilder()
    excluded = b.s3_bucket("logs-excluded", versioning="Suspended")
    staging = b.s3_bucket("staging", versioning="Suspended", tags={"env": "staging"})
    plan = b.plan("p")
    b.selection(plan, "logs", resources=["arn:aws:s3:::logs-*"], not_resources=[excluded])
    b.selection(plan, "prod", resources=[staging], conditions=[("StringEquals", "env", "prod")])
    v = _resolve(b, tmp_path).verdicts.set_index("arn")
    where = f"{DEFAULT_ACCOUNT}/{DEFAULT_REGION}"
    versioning = " (and enable versioning on the bucket: AWS Backup needs it)"
    assert v.loc[excluded, "protected"] is False and v.loc[staging, "protected"] is False
    assert v.loc[excluded, "reason"] == (
        f"excluded by NotResources `{excluded}` of plan `p` / selection `logs`, and no other selection "
        f"in {where} selects it{versioning}"
    )
    assert v.loc[staging, "reason"] == (
        'plan `p` / selection `prod` matches it by Resources but its condition StringEquals env = "prod" '
        f'fails (resource: "staging"), and no other selection in {where} selects it{versioning}'
    )


def test_an_rds_custom_instance_names_its_engine(tmp_path: Path) -> None:
    b = BundleBuilder()
    db = b.rds_instance("custom", engine="custom-oracle-ee")
    b.selection(b.plan("p"), "s", resources=[db])
    v = _resolve(b, tmp_path).verdicts.set_index("arn")
    assert v.loc[db, "protected"] is False
    assert str(v.loc[db, "reason"]).startswith("RDS Custom (engine custom-oracle-ee) is not supported")


def test_matches_frame_reads_each_column_of_the_rows_and_empties_them() -> None:
    width = len(MATCH_COLUMNS)
    bools = [MATCH_COLUMNS.index("effective"), MATCH_COLUMNS.index("fsx_tags_on_filesystem")]
    rows: list[tuple[object, ...]] = [
        tuple(r % 2 == 0 if c in bools else f"r{r}c{c}" for c in range(width)) for r in range(3)
    ]
    expected = [list(col) for col in zip(*rows, strict=True)]
    frame = _matches_frame(rows)
    assert rows == []  # emptied once the columns are built
    assert list(frame.columns) == list(MATCH_COLUMNS)
    for c, name in enumerate(MATCH_COLUMNS):
        assert frame[name].tolist() == expected[c]
        assert str(frame[name].dtype) == ("bool" if c in bools else "object")
    assert frame["effective"].tolist() == [True, False, True]


def test_matches_frame_of_no_rows() -> None:
    frame = _matches_frame([])
    assert list(frame.columns) == list(MATCH_COLUMNS)
    assert len(frame) == 0
    assert str(frame["effective"].dtype) == "bool"
    assert str(frame["arn"].dtype) == "object"


def test_matches_frame_holds_each_column_once() -> None:
    """The columns numpy fills are the frame's columns, never copied: while the frame is built,
    the memory allocated peaks at the columns' bytes plus less than half of one column (a copy
    of one object column, by a Series or by the frame, would add a whole one, 8 bytes a row)."""
    n = 50_000
    bools = {MATCH_COLUMNS.index("effective"), MATCH_COLUMNS.index("fsx_tags_on_filesystem")}
    cells = [f"c{c}" for c in range(len(MATCH_COLUMNS))]  # shared strings: only pointers are copied
    rows: list[tuple[object, ...]] = [
        tuple(r % 2 == 0 if c in bools else cells[c] for c in range(len(MATCH_COLUMNS))) for r in range(n)
    ]
    tracemalloc.start()
    try:
        frame = _matches_frame(rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    column_bytes = sum(frame[name].to_numpy().nbytes for name in MATCH_COLUMNS)
    assert column_bytes == n * (8 * (len(MATCH_COLUMNS) - 2) + 2)  # object pointers, bools
    assert peak < column_bytes + 8 * n // 2
