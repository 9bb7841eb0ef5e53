"""BKP-015's words: versioning never enabled (no status: "Disabled") or suspended, and every
selection of the bucket named, ``; ``-separated (mutation survivors of its ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def _finding(b: BundleBuilder, tmp_path: Path) -> Finding:
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-015")
    return finding


def test_a_bucket_whose_versioning_was_never_enabled(tmp_path: Path) -> None:
    b = BundleBuilder()
    arn = b.s3_bucket("invoices", versioning=None, tags={"backup": "yes"})
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    b.selection(b.plan("weekly"), "tagged", list_of_tags=[("backup", "yes")])
    finding = _finding(b, tmp_path)
    assert finding.details["versioning"] == "Disabled"
    assert "is selected by plan `daily` / selection `by-arn` (" in finding.message
    assert "); plan `weekly` / selection `tagged` (" in finding.message
    assert ", but its versioning is never enabled: AWS Backup cannot back up" in finding.message


def test_a_bucket_whose_versioning_is_suspended(tmp_path: Path) -> None:
    b = BundleBuilder()
    arn = b.s3_bucket("invoices", versioning="Suspended")
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    finding = _finding(b, tmp_path)
    assert finding.details["versioning"] == "Suspended"
    assert ", but its versioning is suspended: AWS Backup cannot back up" in finding.message
