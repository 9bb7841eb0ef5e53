"""BKP-033 on ListBackupVaults entries without their optional members (``BackupVaultListMember``
requires none): a vault without ``NumberOfRecoveryPoints`` is not known to hold any, so it is not
judged; one without ``BackupVaultArn`` is named by an ARN built from its account, Region and name
(mutation-run survivors of bkp_033's ``evaluate``). A ``resource-arns`` scope (the only scope
BKP-033 takes) judges the vaults with those ARNs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.controls import Control, Controls, ControlScope, ManualDeletionParams
from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def test_vaults_without_a_count_or_an_arn(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    b.recovery_point(fs, "EFS", vault="uncounted")
    b.recovery_point(fs, "EFS", vault="unnamed")
    listed = {v["BackupVaultName"]: v for v in b._ar(A, R).vaults}
    del listed["uncounted"]["NumberOfRecoveryPoints"]
    del listed["unnamed"]["BackupVaultArn"]
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-033")
    assert finding.resource_arn == f"arn:aws:backup:{R}:{A}:backup-vault:unnamed"
    assert finding.details["vault_name"] == "unnamed" and finding.details["recovery_points"] == 1


def test_a_resource_arns_scope_judges_those_vaults(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    b.recovery_point(fs, "EFS", vault="prod")
    b.recovery_point(fs, "EFS", vault="dev")
    prod = f"arn:aws:backup:{R}:{A}:backup-vault:prod"
    control = Control(ManualDeletionParams(), scope=ControlScope(resource_arns=(prod,)))
    settings = RuleSettings(controls=replace(Controls(), bkp_033=control))
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-033", settings)
    assert finding.resource_arn == prod
    assert finding.details["scope"] == "1 resource ARN(s)"
