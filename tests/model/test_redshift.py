"""Redshift provisioned clusters: loaded from the optional ``redshift.DescribeClusters``."""

from __future__ import annotations

import math
from pathlib import Path

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.resolver import resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def test_clusters_are_redshift_resources_with_their_tags(tmp_path: Path) -> None:
    b = BundleBuilder()
    main = b.redshift_cluster("dw-main", tags={"backup": "daily"}, snapshot_retention_days=7)
    gone = b.redshift_cluster("dw-old", status="deleting")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    res = inv.resources.set_index("arn")
    assert main == f"arn:aws:redshift:{R}:{A}:cluster:dw-main"
    assert main in res.index and gone not in res.index
    row = res.loc[main]
    assert (row["resource_type"], row["service"], row["name"]) == ("Redshift", "redshift", "dw-main")
    assert row["tags"] == {"backup": "daily"}
    assert row["backup_retention_days"] == 7.0


def test_a_bundle_without_redshift_files_has_no_clusters_and_no_coverage_gap(tmp_path: Path) -> None:
    """A version 1 bundle (its collector never called Redshift): no clusters, nothing partial."""
    b = BundleBuilder(version=1)
    b.dynamodb_table("orders")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    assert "Redshift" not in set(inv.resources["resource_type"])
    assert not inv.coverage["operation"].str.startswith("redshift.").any()
    assert bool(inv.coverage["collected"].all())


def test_selection_and_opt_in_apply_to_clusters(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Redshift", False)
    tagged = b.redshift_cluster("dw-main", tags={"backup": "daily"})
    by_type = b.redshift_cluster("dw-typed")
    plan = b.plan("daily")
    b.selection(plan, "tagged", list_of_tags=[("backup", "daily")])
    b.selection(plan, "clusters", resources=["arn:aws:redshift:*:*:cluster:dw-t*"])
    path = b.build(tmp_path / "bundle")
    p = resolve(load_inventory(read_bundle(path)))
    verdicts = dict(zip(p.verdicts["arn"], p.verdicts["protected"], strict=True))
    assert verdicts == {tagged: False, by_type: True}
    result = evaluate_bundle(read_bundle(path))
    assert {(f.rule_id, f.resource_arn) for f in result.findings if f.rule_id in ("BKP-001", "BKP-002")} == {
        ("BKP-001", tagged)
    }
    assert not math.isnan(float(load_inventory(read_bundle(path)).resources["backup_retention_days"].iloc[0]))
