"""BKP-002 pointing an FSx for ONTAP volume whose tags sit on its file system to BKP-006, and
BKP-021's words for a job without ``StatusMessage`` nor ``ResourceType`` (both optional in
``ListBackupJobs``' ``BackupJob``): mutation survivors of their ``evaluate``."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def _findings(b: BundleBuilder, tmp_path: Path, rule_id: str) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)


def test_bkp002_an_ontap_volume_tagged_only_on_its_file_system_sees_bkp006(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-0ontap", kind="ONTAP", tags={"backup": "daily"})
    vol = b.fsx_volume("fs-0ontap", "fsvol-0data", tags=None)
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    by_arn = {f.resource_arn: f for f in _findings(b, tmp_path, "BKP-002")}
    assert by_arn[vol].details["see_also"] == "BKP-006"


def test_bkp002_an_unprotected_volume_without_that_mistake_has_no_see_also(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    (finding,) = _findings(b, tmp_path, "BKP-002")
    assert finding.resource_arn == vol and "see_also" not in finding.details


def test_bkp021_a_job_without_status_message_nor_resource_type(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    job = b.job(vol, None, state="FAILED")
    (finding,) = _findings(b, tmp_path, "BKP-021")
    assert finding.message.startswith(
        f"The latest backup job of resource {vol} (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) is FAILED "
        f"(job {job}: no status message). Fix the cause"
    )


def test_bkp002_names_every_own_backup_operation_not_collected(tmp_path: Path) -> None:
    """A version 2 bundle never read a table's own backups (two operations): both named."""
    b = BundleBuilder(version=2)
    table = b.dynamodb_table("orders")
    by_arn = {f.resource_arn: f for f in _findings(b, tmp_path, "BKP-002")}
    assert (
        " Whether its own service backs it up outside AWS Backup was not read "
        "(dynamodb.DescribeContinuousBackups, dynamodb.ListBackups not collected)."
    ) in by_arn[table].message
