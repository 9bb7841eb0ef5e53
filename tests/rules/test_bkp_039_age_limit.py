"""BKP-039's allowed age is inclusive: an air-gapped recovery point exactly as old as
``max-age`` still counts; one a second older does not (mutation-run survivor of bkp_039's
``evaluate``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R, B = DEFAULT_ACCOUNT, DEFAULT_REGION, "222222222222"
LAG = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def test_a_copy_exactly_max_age_old_counts_and_one_older_does_not(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("lag", account_id=B, vault_type=LAG, locked=True, min_retention_days=7, max_retention_days=35)
    at_limit, past_limit = b.ebs_volume("vol-0limit"), b.ebs_volume("vol-0past")
    vault = f"arn:aws:backup:{R}:{B}:backup-vault:lag"
    plan = b.plan("p", [{"CopyActions": [{"DestinationBackupVaultArn": vault}]}])
    b.selection(plan, "s", resources=[at_limit, past_limit])
    b.recovery_point(at_limit, "EBS", vault="lag", account_id=B, created=COLLECTED_AT - timedelta(days=7))
    b.recovery_point(
        past_limit, "EBS", vault="lag", account_id=B, created=COLLECTED_AT - timedelta(days=7, seconds=1)
    )
    (found,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-039")
    assert found.resource_arn == past_limit
