"""load_inventory: frames, resource identity, coverage and bad-input errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from auditor.errors import BundleError
from auditor.evidence import Call, read_bundle
from auditor.model.frames import (
    CLUSTER_MEMBER_COLUMNS,
    RESOURCE_COLUMNS,
    Inventory,
    load_inventory,
)
from auditor.services import regional_keys
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def load(b: BundleBuilder, tmp_path: Path) -> Inventory:
    return load_inventory(read_bundle(b.build(tmp_path / "bundle")))


def resource(inv: Inventory, arn: str) -> pd.Series:
    rows = inv.resources[inv.resources["arn"] == arn]
    assert len(rows) == 1, f"{arn}: {len(rows)} rows"
    return rows.iloc[0]


def test_resource_types_and_identity(tmp_path: Path) -> None:
    b = BundleBuilder()
    aurora = b.rds_cluster("aur", engine="aurora-postgresql", member_instances=2, tags={"k": "v"})
    neptune = b.rds_cluster("nep", engine="neptune")
    docdb = b.rds_cluster("doc", engine="docdb")
    multi_az = b.rds_cluster("maz", engine="mysql")
    db = b.rds_instance("db1", engine="postgres", tags={"env": "prod"}, backup_retention=14)
    table = b.dynamodb_table("orders", tags={"team": "a"})
    efs = b.efs("fs-0123", tags={"Name": "shared"})
    fsx_win = b.fsx_file_system("fs-win", kind="WINDOWS", tags={"t": "w"})
    ec2 = b.ec2_instance("i-0abc", tags={"Name": "web"})
    ebs = b.ebs_volume("vol-0abc")
    inv = load(b, tmp_path)
    got = dict(zip(inv.resources["arn"], inv.resources["resource_type"], strict=True))
    assert got == {
        aurora: "Aurora",
        neptune: "Neptune",
        docdb: "DocumentDB",
        multi_az: "RDS",
        db: "RDS",
        table: "DynamoDB",
        efs: "EFS",
        fsx_win: "FSx",
        ec2: "EC2",
        ebs: "EBS",
    }
    assert list(inv.resources.columns) == list(RESOURCE_COLUMNS)
    assert ec2 == f"arn:aws:ec2:{R}:{A}:instance/i-0abc"
    assert resource(inv, db)["tags"] == {"env": "prod"}
    assert resource(inv, db)["backup_retention_days"] == 14.0
    assert resource(inv, aurora)["tags"] == {"k": "v"}
    assert resource(inv, table)["tags"] == {"team": "a"}
    assert resource(inv, efs)["name"] == "shared"
    assert resource(inv, fsx_win)["fsx_kind"] == "WINDOWS"
    assert resource(inv, ec2)["name"] == "web"
    assert pd.isna(resource(inv, table)["backup_retention_days"])


def test_cluster_member_instances_are_not_resources(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.rds_cluster("aur", member_instances=3)
    b.rds_cluster("maz", engine="postgres", member_instances=2)
    inv = load(b, tmp_path)
    assert sorted(inv.resources["arn"]) == [
        f"arn:aws:rds:{R}:{A}:cluster:aur",
        f"arn:aws:rds:{R}:{A}:cluster:maz",
    ]
    # ... but their ARNs are kept, each with its cluster (recovery points and explain name them).
    assert list(inv.cluster_members.columns) == list(CLUSTER_MEMBER_COLUMNS)
    members = sorted(zip(inv.cluster_members["arn"], inv.cluster_members["cluster_arn"], strict=True))
    assert members == [
        (f"arn:aws:rds:{R}:{A}:db:aur-instance-{i}", f"arn:aws:rds:{R}:{A}:cluster:aur") for i in (1, 2, 3)
    ] + [(f"arn:aws:rds:{R}:{A}:db:maz-instance-{i}", f"arn:aws:rds:{R}:{A}:cluster:maz") for i in (1, 2)]
    assert set(inv.cluster_members["account_id"]) == {A} and set(inv.cluster_members["region"]) == {R}


def test_cluster_member_of_an_unlisted_cluster_gets_the_cluster_arn_built(tmp_path: Path) -> None:
    b = BundleBuilder(region="cn-north-1")
    b.rds_instance("orphan-member", engine="aurora-mysql", cluster="gone")
    inv = load(b, tmp_path)
    assert inv.resources.empty
    assert inv.cluster_members["cluster_arn"].tolist() == [f"arn:aws-cn:rds:cn-north-1:{A}:cluster:gone"]


def test_ebs_volumes_carry_the_instances_they_are_attached_to(tmp_path: Path) -> None:
    b = BundleBuilder(region="us-gov-west-1")
    inst = b.ec2_instance("i-0web")
    attached = b.ebs_volume("vol-0att", attached_to="i-0web")
    attaching = b.ebs_volume("vol-0new", attached_to="i-0web", attachment_state="attaching")
    detaching = b.ebs_volume("vol-0old", attached_to="i-0web", attachment_state="detaching")
    shared = b.ebs_volume("vol-0shared", attached_to=["i-0a", "i-0b"])
    loose = b.ebs_volume("vol-0loose")
    inv = load(b, tmp_path)
    web = f"arn:aws-us-gov:ec2:us-gov-west-1:{A}:instance/i-0web"

    def of(arn: str) -> tuple[str, ...]:
        return tuple(resource(inv, arn.replace("arn:aws:", "arn:aws-us-gov:"))["attached_instances"])

    assert of(attached) == (web,) and of(attaching) == (web,)
    assert of(detaching) == () and of(loose) == ()
    assert of(shared) == tuple(f"arn:aws-us-gov:ec2:us-gov-west-1:{A}:instance/i-0{x}" for x in "ab")
    assert of(inst) == ()  # only volumes are attached to something


def test_rds_custom_and_outposts_detected(tmp_path: Path) -> None:
    b = BundleBuilder()
    custom = b.rds_instance("c1", engine="custom-sqlserver-ee")
    oracle = b.rds_instance("c2", engine="custom-oracle-ee")
    outpost = b.rds_instance("o1", outpost_arn=f"arn:aws:outposts:{R}:{A}:outpost/op-0123")
    plain = b.rds_instance("p1")
    inv = load(b, tmp_path)
    assert resource(inv, custom)["rds_custom"] and resource(inv, oracle)["rds_custom"]
    assert not resource(inv, custom)["on_outposts"]
    assert resource(inv, outpost)["on_outposts"] and not resource(inv, outpost)["rds_custom"]
    assert not resource(inv, plain)["rds_custom"] and not resource(inv, plain)["on_outposts"]


def test_ontap_volumes_carry_their_file_system(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.fsx_file_system("fs-ontap", kind="ONTAP", tags={"backup": "daily"})
    vol = b.fsx_volume("fs-ontap", "fsvol-1", tags={"app": "x"})
    inv = load(b, tmp_path)
    row = resource(inv, vol)
    assert row["parent_arn"] == fs
    assert row["parent_tags"] == {"backup": "daily"}
    assert row["tags"] == {"app": "x"}
    assert row["fsx_kind"] == "ONTAP" and row["resource_type"] == "FSx"
    # AWS Backup backs up an ONTAP file system's volumes; the file system is not a resource.
    assert fs not in set(inv.resources["arn"])


def test_selections_plans_and_settings(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    b.management("DynamoDB", False)
    pid = b.plan("daily", rules=[{"DeleteAfterDays": None, "CompletionWindowMinutes": 600}])
    sid = b.selection(
        pid,
        "mixed",
        resources=["arn:aws:ec2:*:*:instance/*"],
        not_resources=["arn:aws:ec2:*:*:instance/i-skip"],
        list_of_tags=[("backup", "yes")],
        conditions=[("StringLike", "aws:ResourceTag/env", "prod*")],
    )
    inv = load(b, tmp_path)
    sel = inv.selections.iloc[0]
    assert (sel["plan_id"], sel["plan_name"], sel["selection_id"], sel["selection_name"]) == (
        pid,
        "daily",
        sid,
        "mixed",
    )
    assert sel["resources"] == ("arn:aws:ec2:*:*:instance/*",)
    assert sel["not_resources"] == ("arn:aws:ec2:*:*:instance/i-skip",)
    assert sel["list_of_tags"] == (("STRINGEQUALS", "backup", "yes"),)
    assert sel["conditions"] == (("StringLike", "aws:ResourceTag/env", "prod*"),)
    rule = inv.plan_rules.iloc[0]
    assert pd.isna(rule["delete_after_days"]) and rule["completion_window_minutes"] == 600.0
    opt = inv.opt_in.set_index("resource_type")["enabled"]
    assert not opt["Aurora"] and opt["RDS"]
    mgmt = inv.management.set_index("resource_type")["enabled"]
    assert not mgmt["DynamoDB"]


def test_recovery_points_jobs_vaults_rbin_typed(tmp_path: Path) -> None:
    b = BundleBuilder()
    arn = b.rds_cluster("aur")
    pid = b.plan("daily")
    b.vault("locked", locked=True, min_retention_days=7, policy={"Version": "2012-10-17", "Statement": []})
    b.recovery_point(arn, "Aurora", vault="locked", plan_id=pid, status="EXPIRED", size_bytes=5)
    b.job(arn, "Aurora", state="FAILED", status_message="boom", plan_id=pid)
    b.rbin_rule("EC2_IMAGE", retention_days=30, lock_state="locked")
    inv = load(b, tmp_path)
    rp = inv.recovery_points.iloc[0]
    assert rp["status"] == "EXPIRED" and rp["plan_id"] == pid and rp["backup_size_bytes"] == 5.0
    assert str(inv.recovery_points["creation_date"].dtype) == "datetime64[ns, UTC]"
    assert rp["creation_date"] < pd.Timestamp(b.collected_at)
    job = inv.jobs.iloc[0]
    assert (job["state"], job["status_message"], job["plan_id"]) == ("FAILED", "boom", pid)
    vault = inv.vaults.set_index("vault_name").loc["locked"]
    assert vault["locked"] and vault["min_retention_days"] == 7.0 and vault["recovery_points"] == 1.0
    assert json.loads(str(vault["access_policy"]))["Version"] == "2012-10-17"
    rule = inv.rbin_rules.iloc[0]
    assert (rule["resource_type"], rule["retention_days"], rule["lock_state"]) == (
        "EC2_IMAGE",
        30.0,
        "locked",
    )


def test_effective_policies(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {"p": {"regions": {"@@assign": [R]}}}})
    inv = load(b, tmp_path)
    assert inv.effective_policies.iloc[0]["policy"]["plans"]["p"]["regions"]["@@assign"] == [R]


def test_gzip_files_are_read(tmp_path: Path) -> None:
    b = BundleBuilder(compress=True)
    arn = b.dynamodb_table("t", tags={"a": "b"})
    inv = load(b, tmp_path)
    assert resource(inv, arn)["tags"] == {"a": "b"}
    assert inv.coverage["collected"].all()


def test_empty_frames_keep_their_columns(tmp_path: Path) -> None:
    inv = load(BundleBuilder(), tmp_path)
    assert inv.resources.empty and list(inv.resources.columns) == list(RESOURCE_COLUMNS)
    assert inv.jobs.empty and "creation_date" in inv.jobs.columns


# -- coverage ------------------------------------------------------------------------------


def test_fully_collected_account_region_has_every_required_operation(tmp_path: Path) -> None:
    inv = load(BundleBuilder(), tmp_path)
    assert sorted(inv.coverage["operation"]) == sorted(regional_keys())
    assert inv.coverage["collected"].all()


def test_missing_file_is_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.omit("backup", "ListBackupPlans")
    inv = load(b, tmp_path)
    assert inv.missing_operations(A, R) == ("backup.ListBackupPlans",)


def test_error_in_manifest_marks_operation_not_collected_even_with_file(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.error("rds", "DescribeDBInstances", code="Throttling", message="Rate exceeded", keep_file=True)
    inv = load(b, tmp_path)
    row = inv.coverage[inv.coverage["operation"] == "rds.DescribeDBInstances"].iloc[0]
    assert not row["collected"] and row["error_code"] == "Throttling"
    assert "Rate exceeded" in row["error_message"]


def test_account_wide_error_applies_to_every_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(A, [R, "us-east-1"])
    b.error("backup", "DescribeRegionSettings", account_wide=True)
    inv = load(b, tmp_path)
    for region in (R, "us-east-1"):
        assert inv.missing_operations(A, region) == ("backup.DescribeRegionSettings",)


def test_assume_role_denied_account_is_not_audited_at_all(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.dynamodb_table("ok")
    b.assume_role_denied("222222222222", [R, "us-east-1"], keep_files=True)
    b.dynamodb_table("leftover", account_id="222222222222")
    inv = load(b, tmp_path)
    cov = inv.coverage
    denied = cov[cov["account_id"] == "222222222222"]
    assert len(denied) == 2 * len(regional_keys())
    assert not denied["collected"].any() and set(denied["error_code"]) == {"AccessDenied"}
    assert cov[cov["account_id"] == A]["collected"].all()


def test_per_item_file_may_be_absent_when_parent_listing_is_empty(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.omit("backup", "GetBackupSelection")
    b.omit("backup", "ListBackupSelections")
    b.omit("dynamodb", "DescribeTable")
    inv = load(b, tmp_path)
    assert inv.missing_operations(A, R) == ()


def test_per_item_file_absent_with_listed_parent_is_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    pid = b.plan("daily")
    b.selection(pid, "all", resources=["*"])
    b.omit("backup", "GetBackupSelection")
    inv = load(b, tmp_path)
    assert inv.missing_operations(A, R) == ("backup.GetBackupSelection",)


# -- bad input -----------------------------------------------------------------------------


def _bad_bundle(tmp_path: Path, service: str, operation: str, response: object) -> Path:
    b = BundleBuilder()
    b.raw_calls(service, operation, [Call({}, response)])  # type: ignore[arg-type]  # malformed on purpose
    return b.build(tmp_path / "bundle")


@pytest.mark.parametrize(
    ("service", "operation", "response", "fragment"),
    [
        ("backup", "GetBackupSelection", {"BackupPlanId": "p", "SelectionId": "s", "BackupSelection": {"Resources": "arn:aws:ec2:*"}}, "member 'BackupSelection.Resources' must be a list, found str"),
        ("backup", "GetBackupSelection", {"BackupPlanId": "p", "SelectionId": "s", "BackupSelection": {"Resources": [1]}}, "BackupSelection.Resources[0]' must be a string"),
        ("backup", "GetBackupSelection", {"BackupPlanId": "p", "SelectionId": "s", "BackupSelection": {"Conditions": {"StringEquals": [{"ConditionKey": 3, "ConditionValue": "x"}]}}}, "ConditionKey' must be a string, found int"),
        ("backup", "GetBackupSelection", {"BackupPlanId": "p", "SelectionId": "s", "BackupSelection": {"Conditions": {"StringMatches": []}}}, "Conditions.StringMatches' is not one of"),
        ("rds", "DescribeDBInstances", {"DBInstances": {"DBInstanceArn": "x"}}, "member 'DBInstances' must be a list, found dict"),
        ("rds", "DescribeDBInstances", {"DBInstances": ["db-1"]}, "'DBInstances[0]' must be an object, found str"),
        ("rds", "DescribeDBInstances", {"DBInstances": [{"Engine": "mysql"}]}, "member 'DBInstances[0].DBInstanceArn' must be a string, found null"),
        ("rds", "DescribeDBClusters", {"DBClusters": [{"DBClusterArn": "a", "TagList": {"k": "v"}}]}, "DBClusters[0].TagList' must be a list"),
        ("ec2", "DescribeInstances", {"Reservations": [{"Instances": [{"InstanceId": "i-1", "Tags": [{"Key": "a", "Value": 2}]}]}]}, "Key/Value is not a string"),
        ("ec2", "DescribeVolumes", {"Volumes": [{"VolumeId": "vol-1", "Attachments": {"InstanceId": "i-1"}}]}, "member 'Volumes[0].Attachments' must be a list, found dict"),
        ("ec2", "DescribeVolumes", {"Volumes": [{"VolumeId": "vol-1", "Attachments": [{"InstanceId": 7, "State": "attached"}]}]}, "member 'Volumes[0].Attachments[0].InstanceId' must be a string, found int"),
        ("backup", "DescribeRegionSettings", {"ResourceTypeOptInPreference": {"EC2": "yes"}}, "ResourceTypeOptInPreference.EC2' must be a boolean"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "CreationDate": "yesterday"}]}, "creation_date: not an ISO 8601 timestamp"),
        ("backup", "GetBackupPlan", {"BackupPlanId": "p", "BackupPlan": {"Rules": [{"RuleName": "r", "Lifecycle": {"DeleteAfterDays": "35"}}]}}, "Lifecycle.DeleteAfterDays' must be a number, found str"),
        # the bulk loaders' fast paths hand a malformed item to the member-by-member reading
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": ["rp"]}, "'RecoveryPoints[0]' must be an object, found str"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"Status": "COMPLETED"}]}, "member 'RecoveryPoints[0].RecoveryPointArn' must be a string, found null"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "IsEncrypted": "yes"}]}, "member 'RecoveryPoints[0].IsEncrypted' must be a boolean, found str"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "BackupSizeInBytes": True}]}, "member 'RecoveryPoints[0].BackupSizeInBytes' must be a number, found bool"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "CreatedBy": []}]}, "member 'RecoveryPoints[0].CreatedBy' must be an object, found list"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "CreatedBy": {"BackupRuleId": 1}}]}, "member 'RecoveryPoints[0].CreatedBy.BackupRuleId' must be a string, found int"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "Lifecycle": {"DeleteAfterDays": "7"}}]}, "member 'RecoveryPoints[0].Lifecycle.DeleteAfterDays' must be a number, found str"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "CalculatedLifecycle": {"DeleteAt": 5}}]}, "member 'RecoveryPoints[0].CalculatedLifecycle.DeleteAt' must be a string, found int"),
        ("backup", "ListRecoveryPointsByBackupVault", {"RecoveryPoints": [{"RecoveryPointArn": "rp", "ResourceArn": ["x"]}]}, "member 'RecoveryPoints[0].ResourceArn' must be a string, found list"),
        ("backup", "ListBackupJobs", {"BackupJobs": [{"State": "FAILED"}]}, "member 'BackupJobs[0].BackupJobId' must be a string, found null"),
        ("backup", "ListBackupJobs", {"BackupJobs": [{"BackupJobId": "j", "CreatedBy": {"BackupPlanVersion": 2}}]}, "member 'BackupJobs[0].CreatedBy.BackupPlanVersion' must be a string, found int"),
        ("backup", "ListBackupJobs", {"BackupJobs": [{"BackupJobId": "j", "CreatedBy": "plan"}]}, "member 'BackupJobs[0].CreatedBy' must be an object, found str"),
        ("backup", "ListCopyJobs", {"CopyJobs": [{"CopyJobId": "c", "DestinationBackupVaultArn": 3}]}, "member 'CopyJobs[0].DestinationBackupVaultArn' must be a string, found int"),
        ("backup", "ListCopyJobs", {"CopyJobs": [{"CopyJobId": "c", "CreatedBy": {"BackupPlanId": 3}}]}, "member 'CopyJobs[0].CreatedBy.BackupPlanId' must be a string, found int"),
        ("backup", "ListCopyJobs", {"CopyJobs": [{"ResourceArn": "r"}]}, "member 'CopyJobs[0].CopyJobId' must be a string, found null"),
        ("backup", "ListProtectedResources", {"Results": [{"ResourceType": "EBS"}]}, "member 'Results[0].ResourceArn' must be a string, found null"),
        ("backup", "ListProtectedResources", {"Results": [{"ResourceArn": "r", "LastBackupVaultArn": 1}]}, "member 'Results[0].LastBackupVaultArn' must be a string, found int"),
        ("backup", "ListProtectedResources", {"Results": [7]}, "'Results[0]' must be an object, found int"),
    ],
)  # fmt: skip
def test_bad_member_raises_bundle_error_naming_file(
    tmp_path: Path, service: str, operation: str, response: object, fragment: str
) -> None:
    path = _bad_bundle(tmp_path, service, operation, response)
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(path))
    assert info.value.path.name == f"{service}.{operation}.json"
    assert fragment in info.value.problem
    assert info.value.exit_code == 2


def test_malformed_json_names_file(tmp_path: Path) -> None:
    path = BundleBuilder().build(tmp_path / "bundle")
    target = path / "accounts" / A / R / "rds.DescribeDBClusters.json"
    target.write_text('[{"params": {}, "response": {"DBClusters": [')
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(path))
    assert info.value.path == target and "malformed JSON" in info.value.problem


def test_corrupt_gzip_names_file(tmp_path: Path) -> None:
    path = BundleBuilder(compress=True).build(tmp_path / "bundle")
    target = path / "accounts" / A / R / "ec2.DescribeVolumes.json.gz"
    target.write_bytes(gzip.compress(b"[")[:-4])
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(path))
    assert info.value.path == target


def test_unknown_members_and_files_are_ignored(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.raw_calls("rds", "DescribeDBClusters", [Call({}, {"DBClusters": [], "SomethingNew": {"x": 1}})])
    b.raw_calls("s3", "ListBuckets", [Call({}, {"Buckets": []})])
    inv = load(b, tmp_path)
    assert inv.coverage["collected"].all()


def test_listed_selection_without_its_get_call_is_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    pid = b.plan("daily")
    b.selection(pid, "first", resources=["*"])
    second = b.selection(pid, "second", resources=["*"])
    path = b.build(tmp_path / "bundle")
    f = path / "accounts" / A / R / "backup.GetBackupSelection.json"
    calls = json.loads(f.read_text())
    f.write_text(json.dumps([c for c in calls if c["params"]["SelectionId"] != second]))
    inv = load_inventory(read_bundle(path))
    assert inv.missing_operations(A, R) == ("backup.GetBackupSelection",)
    row = inv.coverage[inv.coverage["operation"] == "backup.GetBackupSelection"].iloc[0]
    assert f"e.g. {second} of plan {pid}" in row["error_message"]
    assert list(inv.selections["selection_name"]) == ["first"]


def test_listed_plan_without_its_selection_listing_is_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.plan("first")
    second = b.plan("second")
    path = b.build(tmp_path / "bundle")
    f = path / "accounts" / A / R / "backup.ListBackupSelections.json"
    calls = json.loads(f.read_text())
    f.write_text(json.dumps([c for c in calls if c["params"]["BackupPlanId"] != second]))
    inv = load_inventory(read_bundle(path))
    assert inv.missing_operations(A, R) == ("backup.ListBackupSelections",)
