"""BKP-032 (recovery point kept shorter than required): its words and details, the ARN list cut
at ``max_listed_arns``, a recovery point without ``ResourceType`` (optional in
``RecoveryPointByBackupVault``) and a tag scope (mutation-run survivors of bkp_032's
``evaluate``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.controls import Control, Controls, ControlScope, RetentionParams
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

WHERE = f"(account {DEFAULT_ACCOUNT}, {DEFAULT_REGION})"


def _found(b: BundleBuilder, tmp_path: Path, settings: RuleSettings | None = None) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-032", settings)


def test_the_shortest_retention_is_rounded_to_two_decimals_and_the_arns_cut(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    created = COLLECTED_AT - timedelta(days=2)
    b.recovery_point(
        fs,
        "EFS",
        created=created,
        CalculatedLifecycle={"DeleteAt": created + timedelta(days=10, hours=1, minutes=30)},
    )
    b.recovery_point(fs, "EFS", created=created, delete_after_days=20)
    (finding,) = _found(b, tmp_path, RuleSettings(max_listed_arns=1))
    assert finding.details["shortest_retention_days"] == 10.06
    assert finding.details["short_count"] == 2
    assert len(finding.details["recovery_point_arns"]) == 1
    assert finding.message == (
        f"EFS {fs} {WHERE} has 2 recovery point(s) kept shorter than the required 35 days "
        "(shortest: 10.06 days)."
    )


def test_a_recovery_point_without_a_type_is_of_a_resource(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    b.recovery_point(fs, None, delete_after_days=7)
    (finding,) = _found(b, tmp_path)
    assert finding.resource_type is None
    assert finding.message.startswith(f"Resource {fs} {WHERE} has 1 recovery point(s) kept shorter")


def test_a_tag_scope_judges_the_recovery_points_of_tagged_resources(tmp_path: Path) -> None:
    b = BundleBuilder()
    prod = b.efs("fs-0prod", tags={"Env": "prod"})
    dev = b.efs("fs-0dev", tags={"Env": "dev"})
    for arn in (prod, dev):
        b.recovery_point(arn, "EFS", delete_after_days=7)
    control = Control(RetentionParams(), scope=ControlScope(tag_key="Env", tag_value="prod"))
    (finding,) = _found(b, tmp_path, RuleSettings(controls=replace(Controls(), bkp_032=control)))
    assert finding.resource_arn == prod and finding.details["scope"] == "tag Env=prod"
