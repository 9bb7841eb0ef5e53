"""BKP-037's words for each cause: the allowed accounts, every destination vault and unread
account-Region, the failed job's status (mutation-run survivors of bkp_037)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.controls import Control, Controls, CrossAccountParams
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
B, C, D = "222222222222", "333333333333", "444444444444"
WHERE = f"(account {A}, {R})"


def _vault(account_id: str, name: str) -> str:
    return f"arn:aws:backup:{R}:{account_id}:backup-vault:{name}"


def _findings(b: BundleBuilder, tmp_path: Path, accounts: tuple[str, ...] = ()) -> list[Finding]:
    settings = RuleSettings(controls=replace(Controls(), bkp_037=Control(CrossAccountParams(accounts))))
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-037", settings)


def _copying(b: BundleBuilder, resource: str, *destinations: str) -> None:
    plan = b.plan("p", [{"CopyActions": [{"DestinationBackupVaultArn": d} for d in destinations]}])
    b.selection(plan, "s", resources=[resource])


def test_no_copy_names_every_allowed_account(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0data")
    b.selection(b.plan("local"), "s", resources=[vol])
    (found,) = _findings(b, tmp_path, (B, C))
    assert found.message == (
        f"EBS {vol} {WHERE}: no recovery point of it exists in one of the accounts {B}, {C}, and no "
        "plan rule protecting it copies it there."
    )


def test_a_copy_that_never_arrived_names_every_destination_vault(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("dr", account_id=B)
    b.vault("dr2", account_id=B)
    vol = b.ebs_volume("vol-0data")
    _copying(b, vol, _vault(B, "dr"), _vault(B, "dr2"))
    (found,) = _findings(b, tmp_path)
    assert found.message == (
        f"EBS {vol} {WHERE}: its plan copies it to {_vault(B, 'dr')}, {_vault(B, 'dr2')}, but no "
        "completed recovery point of it is in that vault: the copy never arrived."
    )


def test_a_failed_copy_job_names_its_status(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("dr", account_id=B)
    fs = b.efs("fs-0data")
    _copying(b, fs, _vault(B, "dr"))
    b.copy_job(
        fs,
        "EFS",
        _vault(B, "dr"),
        state="FAILED",
        status_message="Access denied to the key",
        job_id="job-9",
        created=COLLECTED_AT - timedelta(hours=2),
    )
    (found,) = _findings(b, tmp_path)
    assert found.message == (
        f"EFS {fs} {WHERE}: its latest copy job to another account FAILED (job job-9: Access denied to "
        "the key)."
    )


def test_unknown_names_every_vault_and_unread_account_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0far")
    b.assume_role_denied(C, [R])
    b.assume_role_denied(D, [R])
    _copying(b, vol, _vault(C, "lag"), _vault(D, "lag"))
    (found,) = _findings(b, tmp_path)
    assert found.message == (
        f"EBS {vol} {WHERE}: UNKNOWN, not compliant: its plan copies it to {_vault(C, 'lag')}, "
        f"{_vault(D, 'lag')}, in {C}/{R}, {D}/{R}, which this audit could not read, and no copy was "
        "seen elsewhere."
    )


def test_cross_account_backup_off_names_the_management_account(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.global_settings({"isCrossAccountBackupEnabled": "false"})
    (found,) = _findings(b, tmp_path)
    assert found.message == (
        f"Cross-account backup is turned off for the organization (management account {A}: AWS Backup "
        "global setting isCrossAccountBackupEnabled is false): copy jobs to other accounts fail until it "
        "is turned on."
    )
    assert found.details == {
        "result": "non-compliant",
        "cause": "cross-account backup disabled",
        "setting": "isCrossAccountBackupEnabled",
    }


def test_cross_account_backup_off_without_a_management_account_names_the_calling_account(
    tmp_path: Path,
) -> None:
    """``MasterAccountId`` is optional in ``DescribeOrganization``'s answer: without it the manifest
    names no management account, and the setting is the calling account's."""
    b = BundleBuilder(organization=("o-exampleorg1", ""))
    b.global_settings({"isCrossAccountBackupEnabled": "false"})
    (found,) = _findings(b, tmp_path)
    assert found.message.startswith(
        "Cross-account backup is turned off for the organization (calling account: AWS Backup global "
        "setting isCrossAccountBackupEnabled is false)"
    )


def test_a_copy_seen_counts_for_its_resource_among_unprotected_ones(tmp_path: Path) -> None:
    """Unprotected resources listed before and between the protected ones: each protected resource
    is judged on its own copies."""
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("dr", account_id=B)
    b.efs("fs-0aaa-unprotected")
    copied = b.efs("fs-0bbb")
    b.efs("fs-0ccc-unprotected")
    not_copied = b.efs("fs-0ddd")
    _copying(b, copied, _vault(B, "dr"))
    b.selection(b.plan("local"), "s", resources=[not_copied])
    b.recovery_point(copied, "EFS", vault="dr", account_id=B)
    found = _findings(b, tmp_path)
    assert [(f.resource_arn, f.details["cause"]) for f in found] == [
        (not_copied, "no copy to another account")
    ]
