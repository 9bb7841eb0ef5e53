"""Timestream tables and Redshift Serverless namespaces: inventory, protection through the resolver,
Regions without Timestream, old bundles."""

from __future__ import annotations

from pathlib import Path

from auditor import services
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.not_evaluated import NOT_COLLECTED
from auditor.protection.explain import explain, render_text
from auditor.protection.resolver import resolve
from auditor.services.redshift_serverless import SERVERLESS_READING
from tests.builders import BundleBuilder

A = "111111111111"
R = "eu-west-1"
TS = "arn:aws:timestream:eu-west-1:111111111111:database/metrics/table/cpu"


def _verdicts(b: BundleBuilder, tmp_path: Path) -> dict[str, tuple[bool | None, str]]:
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    return {r["arn"]: (r["protected"], str(r["reason"])) for r in result.resources}


def _builder() -> BundleBuilder:
    b = BundleBuilder(A, R)
    b.account(A, [R])
    return b


def test_tables_of_every_database_are_resources_with_their_tags(tmp_path: Path) -> None:
    b = _builder()
    cpu = b.timestream_table("metrics", "cpu", tags={"backup": "daily"})
    mem = b.timestream_table("metrics", "mem")
    other = b.timestream_table("iot", "readings", tags={"team": "edge"})
    b.timestream_table("iot", "old", status="DELETING")  # being deleted: not a resource
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    ts = inv.resources[inv.resources["resource_type"] == "Timestream"].set_index("arn")
    assert list(ts.index) == [cpu, mem, other]
    assert cpu == TS
    assert ts.loc[cpu, "tags"] == {"backup": "daily"} and ts.loc[mem, "tags"] == {}
    assert ts.loc[other, "name"] == "iot/readings" and ts.loc[other, "service"] == "timestream"
    cov = inv.coverage[inv.coverage["operation"].str.startswith("timestream-write.")]
    assert len(cov) == 3 and cov["collected"].all()


def test_namespaces_are_resources_with_their_lower_case_tags(tmp_path: Path) -> None:
    b = _builder()
    dw = b.redshift_serverless_namespace("dw", tags={"backup": "daily"})
    b.redshift_serverless_namespace("gone", status="DELETING")
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    ns = inv.resources[inv.resources["resource_type"] == "Redshift Serverless"]
    assert list(ns["arn"]) == [dw] and dw.startswith(
        "arn:aws:redshift-serverless:eu-west-1:111111111111:namespace/"
    )
    assert ns["tags"].iloc[0] == {"backup": "daily"} and ns["name"].iloc[0] == "dw"


def test_timestream_opt_in_distinguishes_type_patterns_from_tags_and_service_wide(tmp_path: Path) -> None:
    b = _builder()
    b.opt_in("Timestream", False)
    by_type = b.timestream_table("metrics", "cpu")
    by_tag = b.timestream_table("metrics", "mem", tags={"backup": "daily"})
    by_service = b.timestream_table("logs", "app")
    excluded = b.timestream_table("logs", "debug")
    plan = b.plan("daily")
    b.selection(plan, "type", resources=["arn:aws:timestream:*:*:database/metrics/table/cpu*"])
    b.selection(plan, "tags", list_of_tags=[("backup", "daily")])
    b.selection(
        plan,
        "service",
        resources=["arn:aws:timestream:*"],
        not_resources=[excluded],
        conditions=[("StringLike", "aws:ResourceTag/backup", "*")],
    )
    v = _verdicts(b, tmp_path)
    assert v[by_type][0] is True  # a resource-type pattern works with the opt-in off
    assert v[by_tag][0] is False and "opt-in" in v[by_tag][1]
    assert v[by_service][0] is False  # untagged: the Conditions do not hold
    assert v[excluded][0] is False


def test_timestream_tag_selection_with_the_opt_in_off_is_bkp_001_and_bkp_004(tmp_path: Path) -> None:
    b = _builder()
    b.opt_in("Timestream", False)
    table = b.timestream_table("metrics", "cpu", tags={"backup": "daily"})
    b.selection(b.plan("daily"), "tags", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    fired = {(f.rule_id, f.resource_arn) for f in result.findings}
    assert ("BKP-001", table) in fired
    assert any(f.rule_id == "BKP-004" and f.resource_type == "Timestream" for f in result.findings)


def test_serverless_namespace_needs_its_own_opt_in_for_tags_and_explain_states_the_reading(
    tmp_path: Path,
) -> None:
    b = _builder()
    b.opt_in("Redshift Serverless", True)
    tagged = b.redshift_serverless_namespace("dw", tags={"backup": "daily"})
    untagged = b.redshift_serverless_namespace("adhoc")
    b.selection(b.plan("daily"), "tags", list_of_tags=[("backup", "daily")])
    root = b.build(tmp_path / "b")
    bundle = read_bundle(root)
    v = _verdicts(b, tmp_path / "again")
    assert v[tagged][0] is True and v[untagged][0] is False
    inv = load_inventory(bundle)
    text = render_text(explain(inv, resolve(inv), tagged))
    assert f"reading    {SERVERLESS_READING}" in text
    # The opt-in off (DescribeRegionSettings may not list the type at all): tags do not protect.
    off = _builder()
    off.redshift_serverless_namespace("dw", tags={"backup": "daily"})
    off.selection(off.plan("daily"), "tags", list_of_tags=[("backup", "daily")])
    assert {p for p, _ in _verdicts(off, tmp_path / "off").values()} == {False}


def test_a_region_without_timestream_is_neither_partial_nor_an_error(tmp_path: Path) -> None:
    b = BundleBuilder(A, R)
    b.account(A, [R, "eu-west-2"])
    b.timestream_table("metrics", "cpu")
    b.unavailable("timestream-write", "eu-west-2")
    root = b.build(tmp_path / "b")
    assert not list((root / "accounts").rglob("eu-west-2/timestream-write.*"))
    bundle = read_bundle(root)
    assert bundle.manifest.unavailable == (("timestream-write", "eu-west-2"),)
    result = evaluate_bundle(bundle)
    assert {c.region: c.status for c in result.coverage} == {R: "audited", "eu-west-2": "audited"}
    assert not [f for f in result.findings if f.rule_id == "BKP-090"]
    inv = load_inventory(bundle)
    cov = inv.coverage[
        (inv.coverage["region"] == "eu-west-2") & inv.coverage["operation"].str.startswith("timestream")
    ]
    assert cov["collected"].all() and set(cov["error_message"]) == {
        "timestream-write is not available in eu-west-2"
    }
    # Without the manifest's record, the same missing files are a partial region.
    b2 = BundleBuilder(A, R)
    b2.account(A, [R, "eu-west-2"])
    b2.omit("timestream-write", "ListDatabases", region="eu-west-2")
    result = evaluate_bundle(read_bundle(b2.build(tmp_path / "b2")))
    assert {c.region: c.status for c in result.coverage}["eu-west-2"] == "partial"


def test_a_version_2_bundle_says_both_types_were_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder(A, R, version=2)
    b.account(A, [R])
    b.timestream_table("metrics", "cpu")  # a version 2 collector never called these services
    b.redshift_serverless_namespace("dw")
    b.selection(b.plan("daily"), "all", resources=["*"])
    root = b.build(tmp_path / "b")
    assert not list(root.rglob("timestream-write.*")) and not list(root.rglob("redshift-serverless.*"))
    bundle = read_bundle(root)
    inv = load_inventory(bundle)
    new = {
        k for k in services.optional_keys(2) if k.startswith(("timestream-write.", "redshift-serverless."))
    }
    assert len(new) == 5 and new <= set(inv.not_collected)
    result = evaluate_bundle(bundle)
    assert {c.status for c in result.coverage} == {"audited"}
    assert not [f for f in result.findings if f.rule_id == "BKP-090"]
    assert not [r for r in result.resources if r["resource_type"] in ("Timestream", "Redshift Serverless")]
    why = {e["resource_type"]: (e["why"], e["operations"]) for e in result.summary["not_evaluated"]}
    assert why["Timestream"] == (NOT_COLLECTED, ["timestream-write.ListTables"])
    assert why["Redshift Serverless"] == (NOT_COLLECTED, ["redshift-serverless.ListNamespaces"])


def test_a_version_3_bundle_without_the_files_is_partial(tmp_path: Path) -> None:
    b = _builder()
    b.omit("redshift-serverless", "ListNamespaces")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert [c.status for c in result.coverage] == ["partial"]
    assert "redshift-serverless.ListNamespaces" in result.coverage[0].missing


def test_a_denied_timestream_listing_where_it_exists_is_bkp_090_naming_describe_endpoints(
    tmp_path: Path,
) -> None:
    """Where Timestream is available, a failure is a real collection error: partial and BKP-090;
    the advice names the endpoint-discovery action too (a denied DescribeEndpoints fails the call)."""
    b = _builder()
    b.error("timestream-write", "ListDatabases")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert [c.status for c in result.coverage] == ["partial"]
    (finding,) = [f for f in result.findings if f.rule_id == "BKP-090"]
    assert "timestream-write.ListDatabases" in finding.message
    assert "timestream:DescribeEndpoints" in finding.message and "timestream:ListDatabases" in finding.message
