"""BKP-012 edges (mutation survivors): the subject is the vault's ARN as ListBackupVaults gives it,
else one built from the recovery point's account, Region and vault name; recovery points without
a ``ResourceType`` (optional in ``RecoveryPointByBackupVault``) are of "unknown type"."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import Call, read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

CN = "cn-north-1"


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-012")


def test_the_listed_vault_arn_is_the_subject(tmp_path: Path) -> None:
    """In the China partition a vault's ARN starts ``arn:aws-cn:``: the listed ARN is used as it
    is, not one rebuilt in the ``aws`` partition."""
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [CN])
    vol = b.ebs_volume("vol-0a", region=CN)
    b.recovery_point(vol, "EBS", status="EXPIRED", vault="archive", region=CN)
    listed = f"arn:aws-cn:backup:{CN}:{DEFAULT_ACCOUNT}:backup-vault:archive"
    b._ar(DEFAULT_ACCOUNT, CN).vaults[-1]["BackupVaultArn"] = listed
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == listed


def test_a_vault_not_listed_gets_an_arn_from_account_region_and_name(tmp_path: Path) -> None:
    """Recovery points of a vault ListBackupVaults does not list (a vault gone between the calls)
    still name their vault by an ARN."""
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.recovery_point(vol, "EBS", status="EXPIRED", vault="gone")
    b.raw_calls("backup", "ListBackupVaults", [Call({}, {"BackupVaultList": []})])
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == f"arn:aws:backup:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:backup-vault:gone"
    assert finding.message.startswith(
        f"Backup vault gone (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) holds 1 "
    )


def test_recovery_points_without_a_type_are_of_unknown_type(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.recovery_point(vol, None, status="EXPIRED", size_bytes=2_000_000_000)
    (finding,) = _found(b, tmp_path)
    assert "holds 1 recovery point(s) in status EXPIRED (unknown type, 2.0 GB): " in finding.message
    assert finding.details["resource_types"] == []
