"""BKP-017 against BKP-002: which own-service backups count, and nothing inferred from evidence
that was not collected (each test asserts one sentence of the rules' documentation)."""

from __future__ import annotations

from pathlib import Path

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.model.results import EvaluationResult
from auditor.protection.explain import explain, render_text
from auditor.protection.resolver import resolve
from tests.builders import BundleBuilder


def _run(b: BundleBuilder, tmp_path: Path) -> EvaluationResult:
    return evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))


def _rules(result: EvaluationResult, arn: str) -> list[str]:
    return sorted(
        f.rule_id for f in result.findings if f.resource_arn == arn and f.rule_id in ("BKP-002", "BKP-017")
    )


def test_retention_zero_is_no_backup_and_positive_retention_is_one(tmp_path: Path) -> None:
    b = BundleBuilder()
    off = b.rds_instance("off", backup_retention=0)
    on = b.rds_instance("on", backup_retention=1)
    redshift_on = b.redshift_cluster("dw", snapshot_retention_days=1)
    fsx_on = b.fsx_file_system("fs-0win", kind="WINDOWS", automatic_backup_retention_days=7)
    fsx_off = b.fsx_file_system("fs-0lus", kind="LUSTRE", automatic_backup_retention_days=0)
    ontap = b.fsx_file_system("fs-0ontap", kind="ONTAP", automatic_backup_retention_days=30)
    ontap_volume = b.fsx_volume("fs-0ontap", "fsvol-0a")
    result = _run(b, tmp_path)
    assert _rules(result, off) == ["BKP-002"]
    assert _rules(result, on) == ["BKP-017"]
    assert _rules(result, redshift_on) == ["BKP-017"]
    assert _rules(result, fsx_on) == ["BKP-017"]
    assert _rules(result, fsx_off) == ["BKP-002"]
    assert _rules(result, ontap_volume) == ["BKP-017"]  # its file system's automatic backups
    assert ontap not in {f.resource_arn for f in result.findings if f.rule_id in ("BKP-002", "BKP-017")}
    (finding,) = [f for f in result.findings if f.resource_arn == fsx_on and f.rule_id == "BKP-017"]
    assert (
        finding.details["own_backup"]
        == "FSx automatic daily backups kept 7 days (AutomaticBackupRetentionDays)"
    )


def test_dynamodb_pitr_or_on_demand_backups_count_and_a_plain_table_does_not(tmp_path: Path) -> None:
    b = BundleBuilder()
    pitr = b.dynamodb_table("pitr", pitr=True)
    ondemand = b.dynamodb_table("ondemand", user_backups=2)
    plain = b.dynamodb_table("plain")
    result = _run(b, tmp_path)
    assert _rules(result, pitr) == ["BKP-017"]
    assert _rules(result, ondemand) == ["BKP-017"]
    assert _rules(result, plain) == ["BKP-002"]
    (finding,) = [f for f in result.findings if f.resource_arn == ondemand]
    assert finding.details["own_backup"] == "2 DynamoDB on-demand backup(s)"


def test_a_version_2_bundle_never_downgrades_bkp002_on_signals_it_did_not_collect(tmp_path: Path) -> None:
    b = BundleBuilder(version=2)
    table = b.dynamodb_table("orders", pitr=True)  # not written: a version 2 collector never asked
    volume = b.ebs_volume("vol-0a", tags={"dlm": "daily"})
    b.dlm_policy("policy-0a", target_tags={"dlm": "daily"})
    db = b.rds_instance("db", backup_retention=7)  # in DescribeDBInstances, which every bundle has
    result = _run(b, tmp_path)
    assert _rules(result, table) == ["BKP-002"]
    assert _rules(result, volume) == ["BKP-002"]
    assert _rules(result, db) == ["BKP-017"]
    (finding,) = [f for f in result.findings if f.resource_arn == table]
    assert finding.details["own_backup_not_collected"] == [
        "dynamodb.DescribeContinuousBackups",
        "dynamodb.ListBackups",
    ]
    assert "was not read" in finding.message
    assert not [f for f in result.findings if f.rule_id == "BKP-090"]
    inv = load_inventory(read_bundle(tmp_path / "bundle"))
    text = render_text(explain(inv, resolve(inv), volume))
    assert "own backup not read: dlm.GetLifecyclePolicies, dlm.GetLifecyclePolicy not collected" in text


def test_a_failed_signal_call_keeps_bkp002_and_names_the_operation(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.error("dynamodb", "ListBackups")
    result = _run(b, tmp_path)
    (finding,) = [f for f in result.findings if f.resource_arn == table and f.rule_id == "BKP-002"]
    assert finding.details["own_backup_not_collected"] == ["dynamodb.ListBackups"]


def test_dlm_instance_default_and_disabled_policies(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0web", tags={"snap": "yes"})
    b.ec2_instance("i-0db")
    via_instance = b.ebs_volume("vol-0web", attached_to="i-0web")
    b.dlm_policy("policy-0inst", resource_type="INSTANCE", target_tags={"snap": "yes"})
    disabled_target = b.ebs_volume("vol-0off", tags={"old": "dlm"})
    b.dlm_policy("policy-0off", target_tags={"old": "dlm"}, state="DISABLED")
    result = _run(b, tmp_path)
    assert _rules(result, via_instance) == ["BKP-017"]
    assert _rules(result, disabled_target) == ["BKP-002"]

    d = BundleBuilder()
    d.ec2_instance("i-0db")
    detached = d.ebs_volume("vol-0free")
    attached = d.ebs_volume("vol-0root", attached_to="i-0db")
    io = d.ebs_volume("vol-0io")
    d._ar(None, None).ebs_volumes[-1]["VolumeType"] = "io2"
    d.dlm_policy(
        "policy-0default",
        default=True,
        exclusions={"ExcludeBootVolumes": True, "ExcludeVolumeTypes": ["io2"]},
    )
    result = _run(d, tmp_path / "default")
    assert _rules(result, detached) == ["BKP-017"]
    # A boot volume is excluded and the bundle cannot tell one: no signal claimed.
    assert _rules(result, attached) == ["BKP-002"]
    assert _rules(result, io) == ["BKP-002"]


def test_explain_names_the_own_service_backup(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders", pitr=True)
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    e = explain(inv, resolve(inv), table)
    assert e.own_backup == "DynamoDB point-in-time recovery enabled, 35 days"
    assert (
        "own backup DynamoDB point-in-time recovery enabled, 35 days: made outside AWS Backup"
        in render_text(e)
    )
