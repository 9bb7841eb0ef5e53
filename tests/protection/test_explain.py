"""explain(): the decision trail, its text rendering, the CLI command, and agreement with resolve()."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.explain import PatternCheck, UnknownResourceError, explain, render_text
from auditor.protection.resolver import resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def build(b: BundleBuilder, tmp_path: Path) -> Path:
    return b.build(tmp_path / "bundle")


def test_trail_names_patterns_conditions_opt_in_and_verdict(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    arn = b.rds_cluster("orders", tags={"backup": "daily", "env": "prod"})
    pid = b.plan("daily")
    b.selection(pid, "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    b.selection(
        pid,
        "clusters-not-prod",
        resources=["arn:aws:rds:*:*:cluster:*"],
        conditions=[("StringNotEquals", "aws:ResourceTag/env", "prod")],
    )
    b.selection(pid, "excluded", resources=["*"], not_resources=["*:cluster:orders"])
    inv = load_inventory(read_bundle(build(b, tmp_path)))
    e = explain(inv, resolve(inv), arn)
    assert e.protected is False and e.opt_in is False
    assert e.opt_in_text == "the Aurora opt-in is off in eu-west-1"
    by_name = {s.selection_name: s for s in e.selections}
    tagged = by_name["tagged"]
    assert tagged.matched and tagged.via == "tags" and not tagged.effective and tagged.blocked_by == "opt-in"
    assert tagged.conditions[0].actual == "daily" and tagged.conditions[0].holds
    not_prod = by_name["clusters-not-prod"]
    assert not not_prod.matched and not_prod.resources[0].matched
    assert not_prod.conditions[0].actual == "prod" and not not_prod.conditions[0].holds
    assert 'condition failed: StringNotEquals aws:ResourceTag/env = "dev"' not in not_prod.why
    assert 'StringNotEquals aws:ResourceTag/env = "prod" (resource: "prod")' in not_prod.why
    excluded = by_name["excluded"]
    assert not excluded.matched and excluded.not_resources[0].matched
    assert excluded.why == "excluded: NotResources pattern `*:cluster:orders` matches"
    text = render_text(e)
    assert "opt-in     the Aurora opt-in is off in eu-west-1" in text
    assert "verdict    NOT PROTECTED: selected by plan `daily` / selection `tagged` only through tags" in text
    assert "[MATCH] plan `daily` / selection `tagged` blocked by opt-in" in text
    assert "NotResources  matches  *:cluster:orders" in text
    assert "reading" not in text.split("verdict")[1]  # no StringNot* on a missing key decided anything


def test_trail_of_a_route_without_opt_in_on_a_type_that_always_needs_it(tmp_path: Path) -> None:
    """Aurora needs its opt-in even through an exact ARN or a type pattern (API_ResourceTypes note)."""
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    arn = b.rds_cluster("orders")
    pid = b.plan("daily")
    b.selection(
        pid,
        "by-arn",
        resources=[arn],
        not_resources=["arn:aws:rds:*:*:cluster:other"],
        selection_id="sel-by-arn",
    )
    b.selection(pid, "by-type", resources=["arn:aws:rds:*:*:cluster:*"])
    inv = load_inventory(read_bundle(build(b, tmp_path)))
    by_name = {s.selection_name: s for s in explain(inv, resolve(inv), arn).selections}
    assert by_name["by-arn"].why == (
        f"selected by exact ARN `{arn}`; but Aurora always needs its opt-in, which is not on"
    )
    assert by_name["by-type"].why == (
        "selected by a resource-type pattern `arn:aws:rds:*:*:cluster:*`; but Aurora always needs its opt-in, "
        "which is not on"
    )
    assert by_name["by-arn"].resources == (PatternCheck(arn, "arn", True),)
    assert by_name["by-arn"].fsx_tags_on_filesystem is False
    assert (by_name["by-arn"].plan_id, by_name["by-arn"].selection_id) == (pid, "sel-by-arn")
    assert by_name["by-arn"].not_resources == (PatternCheck("arn:aws:rds:*:*:cluster:other", "type", False),)


def test_exact_arn_and_type_routes_back_up_a_type_whose_opt_in_is_off(tmp_path: Path) -> None:
    """DynamoDB selected by its ARN or a type pattern is backed up whatever its opt-in; through tags not."""
    b = BundleBuilder()
    b.opt_in("DynamoDB", False)
    arn = b.dynamodb_table("orders", tags={"backup": "daily"})
    pid = b.plan("daily")
    b.selection(pid, "by-arn", resources=[arn])
    b.selection(pid, "by-type", resources=["arn:aws:dynamodb:*:*:table/*"])
    b.selection(pid, "by-tags", list_of_tags=[("backup", "daily")])
    inv = load_inventory(read_bundle(build(b, tmp_path)))
    e = explain(inv, resolve(inv), arn)
    assert e.protected is True
    found = {s.selection_name: (s.effective, s.blocked_by) for s in e.selections}
    assert found == {"by-arn": (True, None), "by-type": (True, None), "by-tags": (False, "opt-in")}


def test_unknown_arn_is_bad_input(tmp_path: Path) -> None:
    inv = load_inventory(read_bundle(build(BundleBuilder(), tmp_path)))
    with pytest.raises(UnknownResourceError) as info:
        explain(inv, resolve(inv), "arn:aws:ec2:eu-west-1:111111111111:instance/i-nope")
    assert info.value.exit_code == 2


def test_not_audited_trail_lists_missing_operations(tmp_path: Path) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.error("backup", "ListBackupSelections")
    inv = load_inventory(read_bundle(build(b, tmp_path)))
    e = explain(inv, resolve(inv), t)
    assert e.protected is None and e.missing_operations == ("backup.ListBackupSelections",)
    assert "not collected: backup.ListBackupSelections" in render_text(e)
    assert "NOT AUDITED" in render_text(e)


def test_not_audited_trail_lists_every_missing_operation_on_one_line(tmp_path: Path) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.error("backup", "ListBackupSelections")
    b.error("backup", "DescribeRegionSettings")
    inv = load_inventory(read_bundle(build(b, tmp_path)))
    e = explain(inv, resolve(inv), t)
    assert set(e.missing_operations) == {"backup.ListBackupSelections", "backup.DescribeRegionSettings"}
    lines = render_text(e).splitlines()
    assert f"not collected: {e.missing_operations[0]}, {e.missing_operations[1]}" in lines
    assert lines[0] == f"resource   {t}"


def test_cli_explain_prints_trail_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = BundleBuilder()
    arn = b.ec2_instance("i-1")
    b.selection(b.plan("daily"), "ec2", resources=["arn:aws:ec2:*:*:instance/*"])
    path = build(b, tmp_path)
    assert main(["explain", str(path), arn]) == 0
    out = capsys.readouterr().out
    assert "verdict    PROTECTED: protected by plan `daily` / selection `ec2` (resource type)" in out
    assert "Resources     matches  arn:aws:ec2:*:*:instance/*  [type]" in out


def test_cli_explain_cluster_member_explains_its_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    cluster = b.rds_cluster("orders", engine="aurora-mysql")
    b.selection(b.plan("daily"), "by-arn", resources=[cluster])
    member = f"arn:aws:rds:{R}:{A}:db:orders-instance-1"
    assert main(["explain", str(build(b, tmp_path)), member]) == 0
    out = capsys.readouterr().out
    assert f"{member}: member of cluster {cluster}; protected through its cluster" in out
    assert f"resource   {cluster}" in out
    assert "verdict    NOT PROTECTED: selected by plan `daily` / selection `by-arn` by its exact ARN" in out


def test_cli_explain_unknown_arn_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = build(BundleBuilder(), tmp_path)
    assert main(["explain", str(path), "arn:aws:ec2:eu-west-1:111111111111:instance/i-nope"]) == 2
    err = capsys.readouterr().err
    assert "i-nope: not a resource of this bundle" in err


def test_cli_explain_bad_bundle_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = build(BundleBuilder(), tmp_path)
    bad = path / "accounts" / A / R / "rds.DescribeDBInstances.json"
    bad.write_text('[{"params": {}, "response": {"DBInstances": {"oops": 1}}}]')
    assert main(["explain", str(path), "arn:x"]) == 2
    err = capsys.readouterr().err
    assert "rds.DescribeDBInstances.json" in err and "must be a list" in err
    assert "Traceback" not in err


# -- agreement between the resolver's fast path and explain's per-selection trail ------------

TAGS = st.dictionaries(
    st.sampled_from(["backup", "env", "team"]), st.sampled_from(["daily", "prod", "dev", "x"]), max_size=3
)
PATTERNS = st.sampled_from(
    [
        "*",
        "arn:aws:ec2:*",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:rds:*:*:cluster:*",
        "arn:aws:rds:*:*:db:*",
        "arn:aws:dynamodb:*:*:table/t*",
        "arn:aws:fsx:*",
        f"arn:aws:ec2:{R}:{A}:instance/i-1",
        "*:table/t2",
        "arn:aws:*",
        "arn:*:ec2:*",
        "arn:aws:rds:*:*:db:*ec2*",
    ]
)
CONDITIONS = st.tuples(
    st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]),
    st.sampled_from(["aws:ResourceTag/backup", "aws:ResourceTag/env"]),
    st.sampled_from(["daily", "prod", "d*", "?rod"]),
)
SELECTION = st.fixed_dictionaries(
    {
        "resources": st.lists(PATTERNS, max_size=2),
        "not_resources": st.lists(PATTERNS, max_size=1),
        "list_of_tags": st.lists(
            st.tuples(st.sampled_from(["backup", "aws:ResourceTag/env"]), st.sampled_from(["daily", "prod"])),
            max_size=1,
        ),
        "conditions": st.lists(CONDITIONS, max_size=2),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    selections=st.lists(SELECTION, min_size=1, max_size=3),
    opt_ins=st.dictionaries(st.sampled_from(["EC2", "Aurora", "RDS", "DynamoDB", "FSx"]), st.booleans()),
    tags=st.lists(TAGS, min_size=7, max_size=7),
)
def test_resolver_agrees_with_explain_for_every_resource(
    selections: list[dict[str, list[object]]], opt_ins: dict[str, bool], tags: list[dict[str, str]]
) -> None:
    b = BundleBuilder()
    for t, on in opt_ins.items():
        b.opt_in(t, on)
    arns = [
        b.ec2_instance("i-1", tags=tags[0]),
        b.ec2_instance("i-2", tags=tags[1]),
        b.rds_cluster("aur", tags=tags[2]),
        b.rds_instance("db", tags=tags[3]),
        b.dynamodb_table("t2", tags=tags[4]),
        b.fsx_volume("fs-1", "fsvol-1", tags=tags[5]),
        b.ebs_volume("vol-1", tags=tags[6]),
    ]
    b.fsx_file_system("fs-1", kind="ONTAP", tags={"backup": "daily"})
    pid = b.plan("p")
    for i, sel in enumerate(selections):
        b.selection(pid, f"s{i}", **sel)  # type: ignore[arg-type]  # generated kwargs
    with tempfile.TemporaryDirectory() as tmp:
        inv = load_inventory(read_bundle(b.build(Path(tmp) / "bundle")))
    protection = resolve(inv)
    m = protection.matches
    for arn in arns:
        e = explain(inv, protection, arn)
        rows = m[m["arn"] == arn]
        from_resolver = {
            (
                r.selection_name,
                None if r.fsx_tags_on_filesystem else r.via,
                bool(r.effective),
                r.blocked_by,
                bool(r.fsx_tags_on_filesystem),
            )
            for r in rows.itertuples()
        }
        from_explain = {
            (s.selection_name, s.via, s.effective, s.blocked_by, s.fsx_tags_on_filesystem)
            for s in e.selections
            if s.matched or s.fsx_tags_on_filesystem
        }
        assert from_resolver == from_explain
        assert e.protected == (any(s.effective for s in e.selections) and e.unsupported is None)


def test_list_of_tags_any_of_the_conditions_or_logic_explain_never_says_failing_conditions_hold(
    tmp_path: Path,
) -> None:
    # API_BackupSelection: ListOfTags "resources much match any of the conditions (OR logic)",
    # Conditions "must match all conditions (AND logic)". How the two combine is not documented:
    # the trail must not claim the Conditions hold, and must name the reading it applied.
    b = BundleBuilder()
    arn = b.dynamodb_table("t", tags={"backup": "yes"})
    b.selection(
        b.plan("p"),
        "mix",
        resources=["arn:aws:dynamodb:*:*:table/*"],
        list_of_tags=[("backup", "yes")],
        conditions=[("StringEquals", "aws:ResourceTag/env", "prod")],
    )
    inv = load_inventory(read_bundle(build(b, tmp_path)))
    e = explain(inv, resolve(inv), arn)
    (trail,) = e.selections
    assert trail.matched and trail.via == "tags"
    assert trail.why == (
        'selected through tags; condition StringEquals aws:ResourceTag/env = "prod" (resource: no such tag) '
        'fails, but ListOfTags StringEquals backup = "yes" (resource: "yes") holds (reading applied: '
        "ListOfTags is OR-ed); AWS Backup backs it up through this selection"
    )
    assert any(r.startswith("ListOfTags is OR-ed with Resources and Conditions") for r in e.readings)
    # When the Conditions hold, nothing depends on that reading.
    b2 = BundleBuilder()
    ok = b2.dynamodb_table("t", tags={"backup": "yes", "env": "prod"})
    b2.selection(
        b2.plan("p"),
        "mix",
        resources=["arn:aws:dynamodb:*:*:table/*"],
        list_of_tags=[("backup", "yes")],
        conditions=[("StringEquals", "aws:ResourceTag/env", "prod")],
    )
    inv2 = load_inventory(read_bundle(b2.build(tmp_path / "b2")))
    e2 = explain(inv2, resolve(inv2), ok)
    assert "all 1 condition(s) hold" in e2.selections[0].why and e2.readings == ()
