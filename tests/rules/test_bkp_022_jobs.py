"""BKP-022's reading of copy jobs: a copy job that names no resource (``ResourceArn`` is optional in
``ListCopyJobs``' ``CopyJob``) belongs to no resource, so its failure reports nothing; the failed
latest job of a resource is still reported (survivor of ``rules._copies.copy_jobs_in_window``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

DEST = f"arn:aws:backup:{DEFAULT_REGION}:222222222222:backup-vault:dr"


def test_a_failed_copy_job_without_a_resource_arn_reports_nothing(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0failed")
    b.copy_job(vol, "EBS", DEST, state="FAILED", created=COLLECTED_AT - timedelta(days=1))
    b.copy_job(None, "EBS", DEST, state="FAILED", created=COLLECTED_AT - timedelta(days=1))
    findings = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-022", RuleSettings())
    assert [(f.account_id, f.resource_arn) for f in findings] == [(DEFAULT_ACCOUNT, vol)]


def test_a_failed_copy_job_without_type_destination_nor_status_message(tmp_path: Path) -> None:
    """``ResourceType``, ``DestinationBackupVaultArn`` and ``StatusMessage`` are optional in the
    ``CopyJob`` shape: the words say "resource", "its destination" and "no status message"."""
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    job = b.copy_job(vol, None, None, state="FAILED", created=COLLECTED_AT - timedelta(days=1))
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-022", RuleSettings())
    assert finding.message.startswith(
        f"The latest copy job of resource {vol} (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) to its "
        f"destination FAILED (job {job}: no status message). Fix the cause"
    )
