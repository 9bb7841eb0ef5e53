"""Collection of the test organization over real HTTP (see ``support.py`` for what it holds)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from auditor.collect.engine import DEADLINE_CODE, service_regions
from auditor.config import AuditConfig
from auditor.evaluate import evaluate_bundle
from auditor.evidence import Bundle, read_bundle
from auditor.model.frames import load_inventory
from auditor.sandbox import start_sandbox
from auditor.services import ORGANIZATION_OPERATIONS, REGIONAL_OPERATIONS, regional_keys, some_region_services
from auditor.services import operation as operation_of
from tests.collect.support import (
    ALPHA_PLANS,
    ALPHA_RECOVERY_POINTS,
    ALPHA_SAP_DATABASES,
    ALPHA_TABLES,
    ALPHA_VAULTS,
    ALPHA_VMS,
    ALPHA_VOLUMES,
    MANAGEMENT,
    REGIONS,
    Collected,
    Org,
    assumed,
    base_config,
    run_collect,
)


def _bundle(collected: Collected) -> Bundle:
    return read_bundle(collected.path)


def _one(bundle: Bundle, account: str, region: str, service: str, operation: str) -> dict[str, Any]:
    calls = bundle.calls(account, region, service, operation)
    assert calls is not None, f"{account}/{region}/{service}.{operation} missing"
    assert len(calls) == 1
    return dict(calls[0].response)


def test_server_pages_at_page_size_two(org: Org) -> None:
    """Precondition of the pagination tests: the sandbox really returns several pages."""
    session = assumed(org.endpoint_url, org.alpha, "eu-west-1")
    backup = session.client("backup", endpoint_url=org.endpoint_url)
    assert "NextToken" in backup.list_backup_plans(MaxResults=2)
    assert "NextToken" in backup.list_backup_vaults(MaxResults=2)
    assert "NextToken" in backup.list_recovery_points_by_backup_vault(
        BackupVaultName="alpha-vault-0", MaxResults=2
    )
    dynamodb = session.client("dynamodb", endpoint_url=org.endpoint_url)
    assert "LastEvaluatedTableName" in dynamodb.list_tables(Limit=2)
    organizations = boto3.client("organizations", endpoint_url=org.endpoint_url)
    assert "NextToken" in organizations.list_accounts(MaxResults=2)


def test_every_page_is_merged_and_tokens_dropped(collected: Collected, org: Org) -> None:
    bundle = _bundle(collected)
    plans = _one(bundle, org.alpha, "eu-west-1", "backup", "ListBackupPlans")
    assert sorted(p["BackupPlanName"] for p in plans["BackupPlansList"]) == sorted(
        f"alpha-plan-{i}" for i in range(ALPHA_PLANS)
    )
    assert set(plans) == {"BackupPlansList"}, "NextToken / ResponseMetadata must not be stored"
    vaults = _one(bundle, org.alpha, "eu-west-1", "backup", "ListBackupVaults")
    assert len(vaults["BackupVaultList"]) == ALPHA_VAULTS
    tables = _one(bundle, org.alpha, "eu-west-1", "dynamodb", "ListTables")
    assert tables == {"TableNames": [f"alpha-table-{i}" for i in range(ALPHA_TABLES)]}
    points = bundle.calls(org.alpha, "eu-west-1", "backup", "ListRecoveryPointsByBackupVault")
    assert points is not None
    by_vault = {c.params["BackupVaultName"]: c.response for c in points}
    assert set(by_vault) == {f"alpha-vault-{i}" for i in range(ALPHA_VAULTS)}
    assert len(by_vault["alpha-vault-0"]["RecoveryPoints"]) == ALPHA_RECOVERY_POINTS
    assert (
        len({p["RecoveryPointArn"] for p in by_vault["alpha-vault-0"]["RecoveryPoints"]})
        == ALPHA_RECOVERY_POINTS
    )
    listing = bundle.org_calls("organizations", "ListAccounts")
    assert listing is not None
    ids = {a["Id"] for a in listing[0].response["Accounts"]}
    assert ids == {MANAGEMENT, org.alpha, org.beta, org.denied, org.external, org.closed}


def test_small_pages_mean_more_calls_for_the_same_evidence(org: Org, tmp_path: Path) -> None:
    config = base_config(org, accounts=(org.alpha,), regions=("eu-west-1",))
    small = run_collect(config, tmp_path / "small", page_size=2)
    large = run_collect(config, tmp_path / "large")
    # plans 7 -> 4 pages, vaults 5 -> 3, recovery points 7 -> 4, tables 3 -> 2, accounts 6 -> 3
    extra = small.manifest.extra["collection"]["calls"] - large.manifest.extra["collection"]["calls"]
    assert extra >= 3 + 2 + 3 + 1 + 2
    a, b = read_bundle(small.path), read_bundle(large.path)
    for op in (
        "ListBackupPlans",
        "ListBackupVaults",
        "ListRecoveryPointsByBackupVault",
        "GetBackupSelection",
    ):
        assert a.calls(org.alpha, "eu-west-1", "backup", op) == b.calls(org.alpha, "eu-west-1", "backup", op)


def test_every_required_operation_present_for_every_audited_account_region(
    collected: Collected, org: Org
) -> None:
    bundle = _bundle(collected)
    audited = [a for a in collected.manifest.accounts if a.id != org.denied]
    assert {a.id for a in audited} == set(org.collectable)
    for account in audited:
        assert account.regions == REGIONS
        for region in account.regions:
            for key in regional_keys():
                service, operation = key.split(".")
                # Account-wide operations (S3) are stored in the account's first region only.
                here = region == account.regions[0] or not operation_of(key).account_wide
                assert bundle.has(account.id, region, service, operation) == here, (
                    f"{account.id}/{region}/{key}"
                )
    for op in ORGANIZATION_OPERATIONS:
        assert bundle.org_calls(op.service, op.name) is not None, op.key
    # Nothing failed but the denied account's role.
    assert [(e.account_id, e.service, e.operation) for e in collected.manifest.errors] == [
        (org.denied, "sts", "AssumeRole")
    ]


def test_per_item_calls_and_empty_parents(collected: Collected, org: Org) -> None:
    bundle = _bundle(collected)
    plans = bundle.calls(org.alpha, "eu-west-1", "backup", "GetBackupPlan")
    assert plans is not None and len(plans) == ALPHA_PLANS
    assert {c.params["BackupPlanId"] for c in plans} == {c.response["BackupPlanId"] for c in plans}
    selections = bundle.calls(org.alpha, "eu-west-1", "backup", "GetBackupSelection")
    assert selections is not None
    assert sorted(c.response["BackupSelection"]["SelectionName"] for c in selections) == sorted(
        f"alpha-selection-{i}" for i in range(ALPHA_PLANS)
    )
    assert all(set(c.params) == {"BackupPlanId", "SelectionId"} for c in selections)
    tags = bundle.calls(org.alpha, "eu-west-1", "dynamodb", "ListTagsOfResource")
    assert tags is not None and len(tags) == ALPHA_TABLES
    for call in tags:
        assert call.params["ResourceArn"].startswith(
            f"arn:aws:dynamodb:eu-west-1:{org.alpha}:table/alpha-table-"
        )
        assert call.response["Tags"] == [{"Key": "owner", "Value": "alpha"}]
    described = bundle.calls(org.alpha, "eu-west-1", "dynamodb", "DescribeTable")
    assert described is not None
    assert [c.response["Table"]["TableArn"] for c in described] == [c.params["ResourceArn"] for c in tags]
    # No plans, tables or vault policies in the management account's us-east-1: collected, empty.
    for service, operation in (
        ("backup", "GetBackupPlan"),
        ("backup", "ListBackupSelections"),
        ("backup", "GetBackupSelection"),
        ("dynamodb", "DescribeTable"),
        ("dynamodb", "ListTagsOfResource"),
        ("backup", "GetBackupVaultAccessPolicy"),
    ):
        assert bundle.calls(MANAGEMENT, "us-east-1", service, operation) == [], f"{service}.{operation}"
    rules = bundle.calls(org.beta, "eu-west-1", "rbin", "ListRules")
    assert rules is not None
    assert [c.params for c in rules] == [{"ResourceType": "EBS_SNAPSHOT"}, {"ResourceType": "EC2_IMAGE"}]


def test_timestream_and_serverless_are_paged_and_tagged(collected: Collected, org: Org) -> None:
    """Timestream has no botocore paginator: the engine follows NextToken itself (page size 2)."""
    bundle = _bundle(collected)
    (tables,) = bundle.calls(org.alpha, "eu-west-1", "timestream-write", "ListTables") or []
    assert tables.params == {"DatabaseName": "alpha-db"}
    assert sorted(t["TableName"] for t in tables.response["Tables"]) == [
        f"alpha-series-{i}" for i in range(ALPHA_TABLES)
    ]
    tags = bundle.calls(org.alpha, "eu-west-1", "timestream-write", "ListTagsForResource") or []
    assert sorted(c.params["ResourceARN"] for c in tags) == sorted(
        t["Arn"] for t in tables.response["Tables"]
    )
    assert all(c.response["Tags"] == [{"Key": "owner", "Value": "alpha"}] for c in tags)
    (listed,) = bundle.calls(org.alpha, "eu-west-1", "redshift-serverless", "ListNamespaces") or []
    assert sorted(n["namespaceName"] for n in listed.response["namespaces"]) == [
        f"alpha-ns-{i}" for i in range(ALPHA_TABLES)
    ]
    ns_tags = bundle.calls(org.alpha, "eu-west-1", "redshift-serverless", "ListTagsForResource") or []
    assert [c.response["tags"] for c in ns_tags] == [[{"key": "owner", "value": "alpha"}]] * ALPHA_TABLES
    # No database in the management account: collected, nothing below it.
    assert bundle.calls(MANAGEMENT, "us-east-1", "timestream-write", "ListTables") == []
    assert collected.manifest.unavailable == ()


def test_a_region_without_timestream_is_not_called_and_recorded(org: Org, tmp_path: Path) -> None:
    """eu-west-2: botocore's endpoint data has no Timestream there (moto would answer HTTP 500)."""
    assert "eu-west-2" not in service_regions("timestream-write", "aws")
    config = base_config(org, accounts=(org.beta,), regions=("eu-west-1", "eu-west-2"))
    result = run_collect(config, tmp_path / "no-timestream")
    assert result.manifest.errors == ()
    assert result.manifest.unavailable == (("timestream-write", "eu-west-2"),)
    bundle = read_bundle(result.path)
    assert bundle.has(org.beta, "eu-west-1", "timestream-write", "ListDatabases")
    assert not bundle.has(org.beta, "eu-west-2", "timestream-write", "ListDatabases")
    assert bundle.has(org.beta, "eu-west-2", "redshift-serverless", "ListNamespaces")
    statuses = {c.region: c.status for c in evaluate_bundle(bundle).coverage}
    assert statuses == {"eu-west-1": "audited", "eu-west-2": "audited"}


def test_gateway_volumes_virtual_machines_and_sap_databases_are_paged_and_tagged(
    collected: Collected, org: Org
) -> None:
    """Issue 9's listings at page size 2 (every page merged), their per-item calls, and the
    inventory they load into: each resource with the tags the sandbox gave it."""
    bundle = _bundle(collected)
    volumes = _one(bundle, org.alpha, "eu-west-1", "storagegateway", "ListVolumes")["VolumeInfos"]
    assert len(volumes) == ALPHA_VOLUMES and len({v["GatewayARN"] for v in volumes}) == 2
    gateways = _one(bundle, org.alpha, "eu-west-1", "storagegateway", "ListGateways")["Gateways"]
    assert sorted(g["GatewayName"] for g in gateways) == ["alpha-gw-0", "alpha-gw-1"]
    apps = _one(bundle, org.alpha, "eu-west-1", "ssm-sap", "ListApplications")["Applications"]
    assert sorted(a["Id"] for a in apps) == sorted(ALPHA_SAP_DATABASES)
    listed = bundle.calls(org.alpha, "eu-west-1", "ssm-sap", "ListDatabases")
    assert listed is not None
    assert {c.params["ApplicationId"]: len(c.response["Databases"]) for c in listed} == {
        app: len(dbs) for app, dbs in ALPHA_SAP_DATABASES.items()
    }
    inv = load_inventory(bundle)
    mine = inv.resources[inv.resources["account_id"] == org.alpha]
    counts = mine["resource_type"].value_counts().to_dict()
    assert counts["Storage Gateway"] == ALPHA_VOLUMES
    assert counts["VirtualMachine"] == ALPHA_VMS
    assert counts["SAP HANA on Amazon EC2"] == sum(len(d) for d in ALPHA_SAP_DATABASES.values())
    new = mine[mine["resource_type"].isin(["Storage Gateway", "VirtualMachine", "SAP HANA on Amazon EC2"])]
    assert all(t == {"owner": "alpha"} for t in new["tags"])
    # Empty elsewhere: collected, nothing listed, per-item files empty.
    assert bundle.calls(org.beta, "eu-west-1", "ssm-sap", "GetDatabase") == []
    assert bundle.calls(org.beta, "eu-west-1", "storagegateway", "ListTagsForResource") == []


def test_backup_jobs_window(collected: Collected, org: Org) -> None:
    bundle = _bundle(collected)
    calls = bundle.calls(org.alpha, "eu-west-1", "backup", "ListBackupJobs")
    assert calls is not None and len(calls) == 1
    since = datetime.fromisoformat(calls[0].params["ByCreatedAfter"])
    assert since == collected.manifest.collected_at - timedelta(days=14)
    assert [j["BackupJobId"] for j in calls[0].response["BackupJobs"]] == ["RECENT-JOB"]


def test_each_account_holds_only_its_own_resources(collected: Collected, org: Org) -> None:
    bundle = _bundle(collected)
    expected_vaults = {
        (org.alpha, "eu-west-1"): {f"alpha-vault-{i}" for i in range(ALPHA_VAULTS)},
        (org.alpha, "us-east-1"): {"alpha-east-vault-0"},
        (org.beta, "eu-west-1"): {"beta-vault-0"},
        (MANAGEMENT, "us-east-1"): {"mgmt-vault-0"},
    }
    for account in org.collectable:
        for region in REGIONS:
            vaults = _one(bundle, account, region, "backup", "ListBackupVaults")["BackupVaultList"]
            assert {v["BackupVaultName"] for v in vaults} == expected_vaults.get((account, region), set())
            for vault in vaults:
                assert f":{region}:{account}:" in vault["BackupVaultArn"]
            for call in bundle.calls(account, region, "backup", "GetBackupPlan") or []:
                assert f":{region}:{account}:" in call.response["BackupPlanArn"]
            for call in bundle.calls(account, region, "dynamodb", "DescribeTable") or []:
                assert f":{region}:{account}:" in call.response["Table"]["TableArn"]


def test_suspended_account_is_skipped_and_reported(collected: Collected, org: Org) -> None:
    assert org.closed not in {a.id for a in collected.manifest.accounts}
    assert not (collected.path / "accounts" / org.closed).exists()
    assert collected.manifest.extra["skipped_accounts"] == [
        {"id": org.closed, "name": "closed", "status": "SUSPENDED"}
    ]
    assert f"skipping account {org.closed} (closed): status SUSPENDED" in collected.stderr
    policies = read_bundle(collected.path).org_calls("organizations", "DescribeEffectivePolicy")
    assert policies is not None
    assert org.closed not in {c.params["TargetId"] for c in policies}


def test_denied_account_recorded_while_others_are_collected(collected: Collected, org: Org) -> None:
    (error,) = [e for e in collected.manifest.errors if e.account_id == org.denied]
    assert (error.region, error.service, error.operation, error.code) == (
        None,
        "sts",
        "AssumeRole",
        "AccessDenied",
    )
    assert f"arn:aws:iam::{org.denied}:role/OrganizationAccountAccessRole" in error.message
    entry = next(a for a in collected.manifest.accounts if a.id == org.denied)
    assert entry.regions == REGIONS, "the account stays in the manifest so it is reported not audited"
    assert not (collected.path / "accounts" / org.denied).exists()
    # The account whose role needs an ExternalId was collected: the run passed it.
    assert (
        collected.path / "accounts" / org.external / "eu-west-1" / "backup.ListBackupPlans.json"
    ).is_file()


def test_external_id_is_required_by_that_role(org: Org, tmp_path: Path) -> None:
    config = base_config(org, accounts=(org.external,), external_id=None, regions=("eu-west-1",))
    result = run_collect(config, tmp_path / "b")
    assert [(e.account_id, e.operation, e.code) for e in result.manifest.errors] == [
        (org.external, "AssumeRole", "AccessDenied")
    ]
    assert result.manifest.organization is None, "explicit accounts: no organization in the manifest"


def test_round_trip_through_the_reader(collected: Collected, org: Org) -> None:
    bundle = _bundle(collected)
    assert bundle.manifest.to_json() == collected.manifest.to_json()
    assert bundle.manifest.organization is not None
    assert bundle.manifest.organization.management_account_id == MANAGEMENT
    files = list(bundle.iter_files())
    audited_regions = len(org.collectable) * len(REGIONS)
    wide = [op for op in REGIONAL_OPERATIONS if op.account_wide]
    assert wide, "S3 is listed once per account"
    assert len(files) == (
        audited_regions * (len(REGIONAL_OPERATIONS) - len(wide))
        + len(org.collectable) * len(wide)
        + len(ORGANIZATION_OPERATIONS)
    )
    # Account-wide files sit in each account's first region and list the buckets of every region.
    for account in org.collectable:
        assert bundle.calls(account, REGIONS[1], "s3", "ListBuckets") is None
        listed = bundle.calls(account, REGIONS[0], "s3", "ListBuckets")
        assert listed is not None and listed[0].params == {}
        assert all("BucketRegion" in b for c in listed for b in c.response["Buckets"])
        # Every bucket named its Region: the GetBucketLocation fallback made no call (its file is
        # there, empty: collected, nothing to ask).
        assert bundle.calls(account, REGIONS[0], "s3", "GetBucketLocation") == []
    point = bundle.calls(org.alpha, "eu-west-1", "backup", "ListRecoveryPointsByBackupVault")
    assert point is not None
    created = datetime.fromisoformat(point[0].response["RecoveryPoints"][0]["CreationDate"])
    assert created.tzinfo is not None


def test_deadline_passed_records_what_was_not_reached(org: Org, tmp_path: Path) -> None:
    config = base_config(org, deadline=time.monotonic() - 1)
    result = run_collect(config, tmp_path / "late")
    manifest = result.manifest
    assert {a.id for a in manifest.accounts} == {MANAGEMENT, org.alpha, org.beta, org.denied, org.external}
    late = {
        (e.account_id, e.region, e.service, e.operation) for e in manifest.errors if e.code == DEADLINE_CODE
    }
    assert len(late) == len(manifest.errors)
    for member in (org.alpha, org.beta, org.denied, org.external):
        assert (member, None, "sts", "AssumeRole") in late
    for region in REGIONS:
        for op in REGIONAL_OPERATIONS:
            # Account-wide operations belong to the account's first region only.
            expected = region == REGIONS[0] or not op.account_wide
            assert ((MANAGEMENT, region, op.service, op.name) in late) == expected
    assert not (result.path / "accounts").exists()
    assert read_bundle(result.path).org_calls("organizations", "ListAccounts") is not None


@pytest.mark.parametrize("count", [2, 3])
def test_shards_partition_the_accounts(org: Org, tmp_path: Path, count: int) -> None:
    # Past the deadline only discovery runs: fast, and the manifest still names each shard's accounts.
    seen: list[str] = []
    for index in range(count):
        config = base_config(org, deadline=time.monotonic() - 1, shard=(index, count))
        seen += [a.id for a in run_collect(config, tmp_path / f"s{index}").manifest.accounts]
    assert sorted(seen) == sorted([MANAGEMENT, org.alpha, org.beta, org.denied, org.external])


def test_regions_discovered_when_not_given(org: Org, tmp_path: Path) -> None:
    config = base_config(org, accounts=(org.beta,), regions=None, max_concurrency=32)
    result = run_collect(config, tmp_path / "regions")
    (entry,) = result.manifest.accounts
    assert {"us-east-1", "eu-west-1", "eu-central-1"} <= set(entry.regions)
    # not opted in (moto: ap-east-1, me-south-1) or another partition (us-gov, cn)
    assert not {"ap-east-1", "me-south-1", "us-gov-west-1", "cn-north-1"} & set(entry.regions)
    assert result.manifest.errors == ()
    bundle = read_bundle(result.path)
    for region in entry.regions:
        assert bundle.has(org.beta, region, "backup", "ListBackupPlans"), region
        # A service botocore does not list in the Region is not called there (and no error), and
        # the manifest records it.
        for service, operation in (
            ("backup-gateway", "ListVirtualMachines"),
            ("ssm-sap", "ListApplications"),
        ):
            listed = region in service_regions(service, "aws")
            assert bundle.has(org.beta, region, service, operation) == listed, region
            assert ((service, region) in result.manifest.unavailable) == (not listed), region
    assert not all(r in service_regions("backup-gateway", "aws") for r in entry.regions), (
        "no Region without it"
    )


def test_malformed_region_recorded_and_others_collected(org: Org, tmp_path: Path) -> None:
    config = base_config(org, accounts=(org.beta,), regions=("eu-west-1", "Not_A_Region"))
    result = run_collect(config, tmp_path / "bad-region")
    bad = [e for e in result.manifest.errors if e.region == "Not_A_Region"]
    # Not the first region: its account-wide operations (S3) are called in eu-west-1. Services AWS
    # offers in some Regions only are not called where botocore's endpoint data lacks the Region.
    assert {(e.service, e.operation) for e in bad} == {
        (op.service, op.name)
        for op in REGIONAL_OPERATIONS
        if not op.account_wide and op.service not in some_region_services()
    }
    assert {(s, "Not_A_Region") for s in some_region_services()} <= set(result.manifest.unavailable)
    assert {e.code for e in bad} == {"InvalidRegionError"}
    assert len(bad) == len(result.manifest.errors)
    bundle = read_bundle(result.path)
    for key in regional_keys():
        service, operation = key.split(".")
        assert bundle.has(org.beta, "eu-west-1", service, operation), key


def _warm_up(url: str, region: str) -> None:
    """One call of each regional service (moto loads a service's backend on its first call)."""
    session = boto3.Session(region_name=region)
    session.client("ec2", endpoint_url=url).describe_regions()
    session.client("backup", endpoint_url=url).list_backup_plans()
    session.client("rds", endpoint_url=url).describe_db_instances()
    session.client("dynamodb", endpoint_url=url).list_tables()
    session.client("efs", endpoint_url=url).describe_file_systems()
    session.client("fsx", endpoint_url=url).describe_file_systems()
    session.client("rbin", endpoint_url=url).list_rules(ResourceType="EBS_SNAPSHOT")
    # issue 9: the sandbox's own Storage Gateway, AWS Backup gateway and Systems Manager for SAP
    session.client("storagegateway", endpoint_url=url).list_gateways()
    session.client("backup-gateway", endpoint_url=url).list_virtual_machines()
    session.client("ssm-sap", endpoint_url=url).list_applications()


def test_deadline_mid_run_leaves_every_required_operation_collected_or_recorded(
    aws_env: None, tmp_path: Path
) -> None:
    # The caller's own account in a sandbox of its own with 20 ms per request, one call at a
    # time over every enabled region: discovery takes ~0.1 s, the whole run ~10 s, and the
    # deadline at 3 s falls inside.
    with start_sandbox(latency_ms=20) as slow:
        # A fresh sandbox process answers each service's first call slowly (moto loads the
        # service); the deadline cancels calls in flight, so warm them up before the clock starts.
        for region in ("us-east-1", "eu-west-1"):
            _warm_up(slow.endpoint_url, region)
        config = AuditConfig(
            endpoint_url=slow.endpoint_url,
            accounts=(MANAGEMENT,),
            max_concurrency=1,
            per_account_region_concurrency=1,
            max_attempts=1,
            quiet=True,
            deadline=time.monotonic() + 3.0,
        )
        result = run_collect(config, tmp_path / "mid")
    (entry,) = result.manifest.accounts
    assert len(entry.regions) > 10
    regional = [e for e in result.manifest.errors if e.region is not None]
    assert regional and {e.code for e in regional} == {DEADLINE_CODE}
    failed = {(e.region, e.service, e.operation) for e in regional}
    bundle = read_bundle(result.path)
    reached = 0
    for region in entry.regions:
        expected = [
            op
            for op in REGIONAL_OPERATIONS
            if (region == entry.regions[0] or not op.account_wide)
            # A service AWS does not offer in the region is not called there, and recorded so.
            and (op.service, region) not in result.manifest.unavailable
        ]
        missing = [op for op in expected if not bundle.has(MANAGEMENT, region, op.service, op.name)]
        for op in missing:
            assert (region, op.service, op.name) in failed, (
                f"{region} {op.key}: neither collected nor recorded"
            )
        reached += len(missing) < len(expected)
    assert 0 < reached < len(entry.regions)
