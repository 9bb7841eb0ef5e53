"""BKP-020's findings: one per resource and account-Region that lists its jobs, each selection
of jobs named in its own finding, and a job without ``ResourceType`` (optional in
``ListBackupJobs``' ``BackupJob``) called a "resource" (survivors of its ``evaluate``); BKP-001
naming every skipped selection, ``; ``-separated."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

OTHER = "222222222222"


def _findings(b: BundleBuilder, tmp_path: Path, rule_id: str) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)


def test_bkp020_one_finding_per_resource(tmp_path: Path) -> None:
    b = BundleBuilder()
    one, two = b.ebs_volume("vol-0a"), b.ebs_volume("vol-0b")
    b.job(one, "EBS", state="EXPIRED")
    b.job(two, "EBS", state="EXPIRED")
    b.job(two, "EBS", state="EXPIRED")
    found = [(f.resource_arn, f.details["expired_count"]) for f in _findings(b, tmp_path, "BKP-020")]
    assert sorted(found) == [(one, 1), (two, 2)]
    for finding in _findings(b, tmp_path / "again", "BKP-020"):
        assert finding.message.endswith(
            ": no status message). Lengthen the backup rule's start and completion windows."
        )


def test_bkp020_jobs_of_one_arn_listed_in_two_account_regions_are_two_findings(tmp_path: Path) -> None:
    """The finding belongs to the account-Region whose ``ListBackupJobs`` listed the jobs (an
    organization-wide listing can name a resource from another account's listing)."""
    b = BundleBuilder()
    b.account(OTHER, [DEFAULT_REGION, "us-east-1"])
    vol = f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:volume/vol-0a"
    b.job(vol, "EBS", state="EXPIRED")
    b.job(vol, "EBS", state="EXPIRED", account_id=OTHER)
    b.job(vol, "EBS", state="EXPIRED", account_id=OTHER, region="us-east-1")
    found = sorted(
        (f.account_id, f.region, f.details["expired_count"]) for f in _findings(b, tmp_path, "BKP-020")
    )
    assert found == [
        (DEFAULT_ACCOUNT, DEFAULT_REGION, 1),
        (OTHER, DEFAULT_REGION, 1),
        (OTHER, "us-east-1", 1),
    ]


def test_bkp020_a_job_without_a_resource_type_names_a_resource(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.job(vol, None, state="EXPIRED")
    (finding,) = _findings(b, tmp_path, "BKP-020")
    assert finding.message.startswith(f"1 backup job(s) of resource {vol} (account {DEFAULT_ACCOUNT}")
    assert finding.resource_type is None


def test_bkp001_every_skipped_selection_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    b.efs("fs-0a", tags={"backup": "yes", "tier": "gold"})
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "yes")])
    b.selection(b.plan("weekly"), "gold", list_of_tags=[("tier", "gold")])
    (finding,) = _findings(b, tmp_path, "BKP-001")
    assert "is selected by plan `daily` / selection `tagged` (" in finding.message
    assert "); plan `weekly` / selection `gold` (" in finding.message
