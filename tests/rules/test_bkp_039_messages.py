"""BKP-039's words: every destination vault and unread account-Region, and a recovery point without
a creation date, which is no newest date (mutation-run survivors of bkp_039)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
B, C, D = "222222222222", "333333333333", "444444444444"
LAG = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
WHERE = f"(account {A}, {R})"


def _vault(account_id: str, name: str) -> str:
    return f"arn:aws:backup:{R}:{account_id}:backup-vault:{name}"


def _findings(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-039")


def _copying(b: BundleBuilder, resource: str, *destinations: str) -> None:
    plan = b.plan("p", [{"CopyActions": [{"DestinationBackupVaultArn": d} for d in destinations]}])
    b.selection(plan, "s", resources=[resource])


def test_unknown_names_every_vault_and_unread_account_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0far")
    b.assume_role_denied(C, [R])
    b.assume_role_denied(D, [R])
    _copying(b, vol, _vault(C, "lag"), _vault(D, "lag"))
    (found,) = _findings(b, tmp_path)
    assert found.message == (
        f"EBS {vol} {WHERE}: UNKNOWN, not compliant: no recovery point of it newer than 7 days was seen "
        f"in a logically air-gapped vault, and its plan copies it to {_vault(C, 'lag')}, {_vault(D, 'lag')}, "
        f"in {C}/{R}, {D}/{R}, which this audit could not read."
    )


def test_a_recovery_point_without_creation_date_gives_no_newest_date(tmp_path: Path) -> None:
    """``CreationDate`` is an optional member of ``ListRecoveryPointsByBackupVault``'s entries: a
    point without it proves no recent copy and has no date to show."""
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("lag", account_id=B, vault_type=LAG, locked=True, min_retention_days=7, max_retention_days=35)
    vol = b.ebs_volume("vol-0data")
    _copying(b, vol, _vault(B, "lag"))
    b.recovery_point(vol, "EBS", vault="lag", account_id=B, CreationDate=None)
    (found,) = _findings(b, tmp_path)
    assert found.details["newest_air_gapped_recovery_point"] is None
    assert found.message == (
        f"EBS {vol} {WHERE}: no recovery point of it newer than 7 days is in a logically air-gapped vault."
    )
