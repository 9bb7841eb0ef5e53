"""Words of the unsupported-resource findings (BKP-007, BKP-008; ``rules._unsupported``): every
selection that picks the resource is named, ``; ``-separated, and a resource no selection picks
gets no selection sentence (survivors of ``unsupported_findings``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def _finding(b: BundleBuilder, tmp_path: Path, rule_id: str) -> Finding:
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)
    return finding


def test_every_selection_that_picks_an_rds_custom_instance_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    arn = b.rds_instance("erp", engine="custom-sqlserver-ee", tags={"backup": "yes"})
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    b.selection(b.plan("weekly"), "tagged", list_of_tags=[("backup", "yes")])
    finding = _finding(b, tmp_path, "BKP-007")
    assert (
        f"{arn} (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) is an RDS Custom instance "
        "(engine custom-sqlserver-ee), which AWS Backup does not support. It is selected by "
        "plan `daily` / selection `by-arn` (by its exact ARN); plan `weekly` / selection `tagged`"
    ) in finding.message
    assert [(s["plan_name"], s["selection_name"]) for s in finding.details["selections"]] == [
        ("daily", "by-arn"),
        ("weekly", "tagged"),
    ]


def test_an_instance_on_an_outpost_no_selection_picks_gets_no_selection_sentence(tmp_path: Path) -> None:
    b = BundleBuilder()
    outpost = f"arn:aws:outposts:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:outpost/op-0123456789abcdef0"
    arn = b.rds_instance("shop", outpost_arn=outpost)
    finding = _finding(b, tmp_path, "BKP-008")
    assert finding.resource_arn == arn and finding.details["selections"] == []
    assert "selected by" not in finding.message and "None" not in finding.message
    assert "which AWS Backup does not support. Its RDS automated backups are on" in finding.message


def test_an_instance_whose_listing_gave_no_engine_nor_retention_is_named_without_them(tmp_path: Path) -> None:
    """``Engine`` and ``BackupRetentionPeriod`` are optional in ``DescribeDBInstances``' shape: an
    instance listed without them has no engine in its words and no retention in its details."""
    b = BundleBuilder()
    outpost = f"arn:aws:outposts:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:outpost/op-0123456789abcdef0"
    arn = b.rds_instance("shop", outpost_arn=outpost, engine=None, backup_retention=None)
    finding = _finding(b, tmp_path, "BKP-008")
    assert finding.resource_arn == arn
    assert f"{DEFAULT_REGION}) is an RDS instance on AWS Outposts, which AWS Backup does not support." in (
        finding.message
    )
    assert "engine" not in finding.message
    assert finding.details["engine"] is None and finding.details["backup_retention_days"] is None
