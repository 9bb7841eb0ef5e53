"""BKP-017 says when AWS Backup did back the resource up in the job window (an on-demand job),
in words and details (mutation survivors of its ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def test_a_backup_in_the_window_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    db = b.rds_instance("db", backup_retention=7)
    job = b.job(db, "RDS")
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-017")
    assert finding.resource_arn == db
    assert f" AWS Backup did back it up in the job window: backup job {job}" in finding.message
    backed = finding.details["backed_up_in_window"]
    assert isinstance(backed, dict) and backed["id"] == job and backed["kind"] == "backup-job"
