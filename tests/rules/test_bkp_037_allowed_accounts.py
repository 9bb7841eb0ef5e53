"""BKP-037 with ``destination-accounts``: only copy jobs to those accounts decide (mutation-run
survivor of bkp_037's ``evaluate``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.controls import Control, Controls, CrossAccountParams
from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import COLLECTED_AT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

R, B, D = DEFAULT_REGION, "222222222222", "444444444444"
DAY = timedelta(days=1)


def test_a_failed_job_to_an_account_not_allowed_does_not_decide(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("dr", account_id=B)
    fs = b.efs("fs-0data")
    to_b, to_d = (f"arn:aws:backup:{R}:{a}:backup-vault:dr" for a in (B, D))
    plan = b.plan("dr", [{"CopyActions": [{"DestinationBackupVaultArn": d} for d in (to_b, to_d)]}])
    b.selection(plan, "s", resources=[fs])
    b.recovery_point(fs, "EFS", vault="dr", account_id=B, created=COLLECTED_AT - 2 * DAY)
    b.copy_job(fs, "EFS", to_b, state="COMPLETED", created=COLLECTED_AT - 2 * DAY)
    b.copy_job(fs, "EFS", to_d, state="FAILED", created=COLLECTED_AT - DAY)
    only_b = Control(CrossAccountParams((B,)))
    settings = RuleSettings(controls=replace(Controls(), bkp_037=only_b))
    assert rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-037", settings) == []
