"""Compliance controls BKP-030 ...: parameters, scopes and edge cases from AWS's semantics."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from auditor.controls import (
    Control,
    Controls,
    ControlScope,
    Duration,
    ManualDeletionParams,
    PlanFrequencyParams,
    RecoveryPointAgeParams,
    RetentionParams,
)
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from auditor.rules.bkp_033_vault_allows_manual_deletion import denied_actions
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def _findings(b: BundleBuilder, tmp_path: Path, rule_id: str, **controls: Control[Any]) -> list[Finding]:
    settings = RuleSettings(controls=replace(Controls(), **controls))
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id, settings)


def _arns(findings: list[Finding]) -> list[str | None]:
    """Subjects in order; a finding without a resource ARN sorts first."""
    return sorted((f.resource_arn for f in findings), key=lambda arn: (arn is not None, arn or ""))


# -- BKP-031 ---------------------------------------------------------------------------------


def _plain_points(b: BundleBuilder) -> tuple[str, str]:
    prod = b.ebs_volume("vol-0prod", tags={"Env": "prod"})
    dev = b.ebs_volume("vol-0dev", tags={"Env": "dev"})
    b.recovery_point(prod, "EBS", is_encrypted=False)
    b.recovery_point(dev, "EBS", is_encrypted=False)
    return prod, dev


def test_bkp031_scope_by_tag_and_disabled(tmp_path: Path) -> None:
    b = BundleBuilder()
    prod, dev = _plain_points(b)
    assert _arns(_findings(b, tmp_path / "all", "BKP-031")) == sorted([prod, dev])
    by_tag = Control(Controls().bkp_031.params, scope=ControlScope(tag_key="Env", tag_value="prod"))
    found = _findings(b, tmp_path / "tag", "BKP-031", bkp_031=by_tag)
    assert _arns(found) == [prod]
    assert found[0].details["scope"] == "tag Env=prod"
    off = Control(Controls().bkp_031.params, enabled=False)
    assert _findings(b, tmp_path / "off", "BKP-031", bkp_031=off) == []


def test_bkp031_scope_by_type_and_gone_resource_out_of_tag_scope(tmp_path: Path) -> None:
    b = BundleBuilder()
    gone = "arn:aws:elasticfilesystem:eu-west-1:111111111111:file-system/fs-0gone"
    vol = b.ebs_volume("vol-0x", tags={"Env": "prod"})
    b.recovery_point(gone, "EFS", is_encrypted=False)
    b.recovery_point(vol, "EBS", is_encrypted=False)
    efs_only = Control(Controls().bkp_031.params, scope=ControlScope(resource_types=("EFS",)))
    assert _arns(_findings(b, tmp_path / "type", "BKP-031", bkp_031=efs_only)) == [gone]
    any_env = Control(Controls().bkp_031.params, scope=ControlScope(tag_key="Env"))
    assert _arns(_findings(b, tmp_path / "tag", "BKP-031", bkp_031=any_env)) == [vol]


def test_bkp031_not_judged_where_recovery_points_were_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    _plain_points(b)
    b.error("backup", "ListRecoveryPointsByBackupVault")
    assert _findings(b, tmp_path, "BKP-031") == []


# -- BKP-032 ---------------------------------------------------------------------------------


def test_bkp032_parameter_and_never_expiring(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.recovery_point(vol, "EBS", delete_after_days=35)
    b.recovery_point(vol, "EBS", delete_after_days=None, created=COLLECTED_AT - timedelta(days=900))
    assert _findings(b, tmp_path / "default", "BKP-032") == []
    ninety = Control(RetentionParams(90))
    found = _findings(b, tmp_path / "ninety", "BKP-032", bkp_032=ninety)
    assert _arns(found) == [vol]
    assert found[0].details["short_count"] == 1
    assert found[0].details["shortest_retention_days"] == 35.0
    assert "required 90 days (shortest: 35 days)" in found[0].message


def test_bkp032_retention_is_delete_at_minus_creation_not_lifecycle_days(tmp_path: Path) -> None:
    """CalculatedLifecycle.DeleteAt decides, in fractions of a day: 34.5 days is short of 35."""
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0b")
    created = COLLECTED_AT - timedelta(days=2)
    b.recovery_point(
        vol,
        "EBS",
        delete_after_days=40,
        created=created,
        CalculatedLifecycle={"DeleteAt": created + timedelta(days=34, hours=12)},
    )
    found = _findings(b, tmp_path, "BKP-032")
    assert _arns(found) == [vol]
    assert found[0].details["shortest_retention_days"] == 34.5


# -- BKP-030 ---------------------------------------------------------------------------------


def _plan_arn(plan_id: str) -> str:
    return f"arn:aws:backup:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:backup-plan:{plan_id}"


def test_bkp030_hours_versus_days(tmp_path: Path) -> None:
    """A 12-hourly rule meets 12 hours; a daily one does not, and meets 1 day."""
    b = BundleBuilder()
    twice = b.plan("twice-a-day", [{"ScheduleExpression": "cron(0 5,17 * * ? *)"}])
    daily = b.plan("daily", [{"ScheduleExpression": "cron(0 5 * * ? *)"}])
    assert _findings(b, tmp_path / "default", "BKP-030") == []
    twelve = Control(PlanFrequencyParams(frequency=Duration(12, "hours")))
    found = _findings(b, tmp_path / "twelve", "BKP-030", bkp_030=twelve)
    assert _arns(found) == [_plan_arn(daily)]
    assert found[0].details["rules"][0]["longest_interval_hours"] == 24.0
    assert "at least every 12 hours" in found[0].message
    assert twice != daily


def test_bkp030_never_expiring_and_retention_parameter(tmp_path: Path) -> None:
    b = BundleBuilder()
    forever = b.plan("forever", [{"DeleteAfterDays": None}])
    short = b.plan("short", [{"DeleteAfterDays": 89}])
    ninety = Control(PlanFrequencyParams(retention_days=90))
    found = _findings(b, tmp_path, "BKP-030", bkp_030=ninety)
    assert _arns(found) == [_plan_arn(short)]
    assert found[0].details["rules"][0]["delete_after_days"] == 89.0
    assert forever not in str(found)


def test_bkp030_continuous_rule_reading_is_in_the_details(tmp_path: Path) -> None:
    """Continuous backup meets the frequency (a reading) but not a retention above its 35 days."""
    b = BundleBuilder()
    plan = b.plan("pitr", [{"ScheduleExpression": "cron(0 5 ? * SUN *)", "EnableContinuousBackup": True}])
    assert _findings(b, tmp_path / "default", "BKP-030") == []
    longer = Control(PlanFrequencyParams(retention_days=36))
    (found,) = _findings(b, tmp_path / "longer", "BKP-030", bkp_030=longer)
    assert found.resource_arn == _plan_arn(plan)
    rule = found.details["rules"][0]
    assert rule["continuous_backup"] and rule["frequency_ok"] and not rule["retention_ok"]
    assert "reading" in rule["reading"] and "semantics-review" in rule["reading"]


def test_bkp030_unreadable_schedule_scope_and_plan_without_rules(tmp_path: Path) -> None:
    b = BundleBuilder()
    bad = b.plan("bad", [{"ScheduleExpression": "cron(0 5 * * * *)"}])
    empty = b.plan("empty", [])
    (first, second) = sorted(_findings(b, tmp_path / "all", "BKP-030"), key=lambda f: f.details["plan_name"])
    assert first.resource_arn == _plan_arn(bad)
    assert "schedule not readable: exactly one of day-of-month" in first.details["rules"][0]["reading"]
    assert second.resource_arn == _plan_arn(empty) and "the plan has no rules" in second.message
    only_bad = Control(PlanFrequencyParams(), scope=ControlScope(resource_arns=(_plan_arn(bad),)))
    assert _arns(_findings(b, tmp_path / "scoped", "BKP-030", bkp_030=only_bad)) == [_plan_arn(bad)]


# -- BKP-035 ---------------------------------------------------------------------------------


def test_bkp035_hours_versus_days_and_scope_by_type(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    table = b.dynamodb_table("t")
    b.selection(b.plan("daily"), "all", resources=[fs, table])
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - timedelta(hours=20))
    b.recovery_point(table, "DynamoDB", created=COLLECTED_AT - timedelta(hours=30))
    assert _arns(_findings(b, tmp_path / "day", "BKP-035")) == [table]
    twelve = Control(RecoveryPointAgeParams(Duration(12, "hours")))
    found = _findings(b, tmp_path / "twelve", "BKP-035", bkp_035=twelve)
    assert _arns(found) == sorted([fs, table])
    assert {f.details["age_hours"] for f in found} == {20.0, 30.0}
    two_days = Control(RecoveryPointAgeParams(Duration(2, "days")))
    assert _findings(b, tmp_path / "two", "BKP-035", bkp_035=two_days) == []
    efs_only = Control(
        RecoveryPointAgeParams(Duration(12, "hours")), scope=ControlScope(resource_types=("EFS",))
    )
    assert _arns(_findings(b, tmp_path / "efs", "BKP-035", bkp_035=efs_only)) == [fs]


def test_bkp035_volume_counts_its_instances_recovery_points(tmp_path: Path) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    b.selection(b.plan("daily"), "by-arn", resources=[instance])
    b.recovery_point(instance, "EC2", created=COLLECTED_AT - timedelta(hours=6))
    assert _findings(b, tmp_path / "fresh", "BKP-035") == []
    b2 = BundleBuilder()
    instance = b2.ec2_instance("i-0app")
    volume = b2.ebs_volume("vol-0data", attached_to="i-0app")
    b2.selection(b2.plan("daily"), "by-arn", resources=[instance])
    b2.recovery_point(instance, "EC2", created=COLLECTED_AT - timedelta(days=2))
    assert _arns(_findings(b2, tmp_path / "stale", "BKP-035")) == sorted([instance, volume])


def test_bkp035_unprotected_and_not_collected_are_not_judged(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0loose")  # in no plan: BKP-002's business, not this control's
    fs = b.efs("fs-0kept")
    b.selection(b.plan("daily"), "one", resources=[fs])
    assert _arns(_findings(b, tmp_path / "all", "BKP-035")) == [fs]
    b.error("backup", "ListRecoveryPointsByBackupVault")
    assert _findings(b, tmp_path / "missing", "BKP-035") == []


# -- BKP-033 ---------------------------------------------------------------------------------

ALL_THREE = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
]
ADMIN = "arn:aws:iam::111111111111:role/BackupAdmin"


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_bkp033_policy_reading() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": ALL_THREE, "Resource": "*"}
    assert denied_actions(_policy(deny), ()) == frozenset(ALL_THREE)
    assert denied_actions(_policy({**deny, "Action": "backup:*"}), ()) == frozenset(ALL_THREE)
    assert denied_actions(_policy({**deny, "Effect": "Allow"}), ()) == frozenset()
    some = {**deny, "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}
    assert denied_actions(_policy(some), ()) == frozenset()  # not every principal
    assert denied_actions(None, ()) == frozenset()
    assert denied_actions("not json", ()) == frozenset()
    exempting = {**deny, "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [ADMIN]}}}
    assert denied_actions(_policy(exempting), ()) == frozenset()  # exempts someone not allowed
    assert denied_actions(_policy(exempting), (ADMIN,)) == frozenset(ALL_THREE)
    other = {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert denied_actions(_policy(other), (ADMIN,)) == frozenset()  # a conditional deny does not count


def test_bkp033_exempt_principals_parameter_and_empty_vaults(tmp_path: Path) -> None:
    b = BundleBuilder()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": ALL_THREE,
                "Resource": "*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": ADMIN}},
            }
        ],
    }
    vault = b.vault("kept", policy=policy)
    b.vault("empty")
    fs = b.efs("fs-0a")
    b.recovery_point(fs, "EFS", vault="kept")
    (found,) = _findings(b, tmp_path / "default", "BKP-033")
    assert found.resource_arn == vault and found.details["not_denied"] == ALL_THREE
    exempt = Control(ManualDeletionParams((ADMIN,)))
    assert _findings(b, tmp_path / "exempt", "BKP-033", bkp_033=exempt) == []
