"""The seeded demo organization, over real HTTP: accounts, regions, planted gaps, denied account."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from auditor.sandbox import Sandbox
from auditor.sandbox.org import EVIDENCE_DENIED
from auditor.sandbox.seed import SeededOrg
from tests.sandbox.helpers import RecordingClient, client_as

PUBLIC_RULES = {
    "BKP-001", "BKP-002", "BKP-003", "BKP-004", "BKP-005", "BKP-006", "BKP-007", "BKP-008",
    "BKP-010", "BKP-011", "BKP-012", "BKP-013", "BKP-014", "BKP-015", "BKP-016", "BKP-017", "BKP-020", "BKP-021",
    "BKP-030", "BKP-031", "BKP-032", "BKP-033", "BKP-035", "BKP-090",
    "BKP-040", "BKP-041", "BKP-042", "BKP-043",  # organization backup policies
    "BKP-022", "BKP-036", "BKP-037", "BKP-039",  # copies and air-gapped vaults
    "BKP-023", "BKP-034", "BKP-038",  # restore jobs, vault lock, restore testing
    "BKP-091",  # prediction vs evidence
}  # fmt: skip


def test_organization_has_the_declared_accounts(seeded_org: SeededOrg) -> None:
    org = RecordingClient(seeded_org.endpoint_url, "organizations")
    assert org.check("DescribeOrganization")["Organization"]["Id"] == seeded_org.organization_id
    pages = org.client.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2})
    accounts = {a["Id"]: a["Status"] for page in pages for a in page["Accounts"]}
    assert set(accounts) == {seeded_org.management_account_id, *seeded_org.member_account_ids}
    assert len(seeded_org.member_account_ids) >= 4
    assert accounts[seeded_org.suspended_account_id] == "SUSPENDED"
    assert [i for i, status in accounts.items() if status != "ACTIVE"] == [seeded_org.suspended_account_id]
    assert seeded_org.denied_account_id in seeded_org.active_account_ids
    assert seeded_org.denied_account_id not in seeded_org.auditable_account_ids
    assert seeded_org.audit_role_name == "OrganizationAccountAccessRole"
    assert set(seeded_org.regions) >= {"us-east-1", "eu-west-1"}


def test_every_auditable_account_has_state_in_every_region(seeded_org: SeededOrg) -> None:
    for account_id in seeded_org.auditable_account_ids:
        for region in seeded_org.regions:
            backup = client_as(seeded_org, account_id, "backup", region)
            vaults = backup.check("ListBackupVaults")["BackupVaultList"]
            assert vaults, f"{account_id} {region} has no vault"
            for vault in vaults:
                assert vault["BackupVaultArn"].split(":")[4] == account_id  # per-account isolation


def test_denied_account_assume_role_is_access_denied(seeded_org: SeededOrg) -> None:
    sts = RecordingClient(seeded_org.endpoint_url, "sts")
    with pytest.raises(ClientError) as denied:
        sts.client.assume_role(
            RoleArn=seeded_org.role_arn(seeded_org.denied_account_id), RoleSessionName="audit"
        )
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    member = next(a for a in seeded_org.auditable_account_ids if a != seeded_org.management_account_id)
    assert sts.check("AssumeRole", RoleArn=seeded_org.role_arn(member), RoleSessionName="audit")[
        "Credentials"
    ]


def test_every_public_rule_has_a_planted_gap(seeded_org: SeededOrg) -> None:
    assert {gap.rule_id for gap in seeded_org.expected} == PUBLIC_RULES
    known = {r.arn for r in seeded_org.resources}
    for gap in seeded_org.expected:
        assert (
            gap.account_id in seeded_org.member_account_ids
            or gap.account_id == seeded_org.management_account_id
        )
        subject = gap.resource_arn
        # a resource, or a vault / plan / recycle-bin rule of the gap's own account and region
        assert subject is None or subject in known or subject.split(":")[3:5] == [gap.region, gap.account_id]
        assert gap.region is None or gap.region in seeded_org.regions
    # BKP-090: the account whose audit role cannot be assumed, and each account-Region the demo
    # reads partially (org.EVIDENCE_DENIED, answered AccessDenied through SeededOrg.faults)
    bkp090 = sorted((g.account_id, g.region or "") for g in seeded_org.expected if g.rule_id == "BKP-090")
    partial = [(seeded_org.account_id(key), region) for key, region, _, _ in EVIDENCE_DENIED]
    assert bkp090 == sorted([(seeded_org.denied_account_id, ""), *partial])
    assert [(r.kind, r.service, r.operation, r.account, r.region) for r in seeded_org.faults.rules] == [
        ("denied", service, operation, seeded_org.account_id(key), region)
        for key, region, service, operation in EVIDENCE_DENIED
    ]
    clean = set(seeded_org.clean_arns)
    assert clean and not clean & {g.resource_arn for g in seeded_org.expected}


def test_opt_in_gaps_are_in_the_region_settings(seeded_org: SeededOrg) -> None:
    analytics = seeded_org.account_id("analytics")
    settings = client_as(seeded_org, analytics, "backup").check("DescribeRegionSettings")
    assert settings["ResourceTypeOptInPreference"]["Aurora"] is False
    assert settings["ResourceTypeOptInPreference"]["RDS"] is True
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is False
    prod = client_as(seeded_org, seeded_org.account_id("prod"), "backup").check("DescribeRegionSettings")
    assert prod["ResourceTypeOptInPreference"]["Aurora"] is True


def test_selections_carry_exclusions_conditions_and_wildcards(seeded_org: SeededOrg) -> None:
    backup = client_as(seeded_org, seeded_org.account_id("prod"), "backup")
    plans = {
        p["BackupPlanName"]: p["BackupPlanId"] for p in backup.check("ListBackupPlans")["BackupPlansList"]
    }
    [entry] = backup.check("ListBackupSelections", BackupPlanId=plans["prod-volumes"])["BackupSelectionsList"]
    selection = backup.check(
        "GetBackupSelection", BackupPlanId=plans["prod-volumes"], SelectionId=entry["SelectionId"]
    )
    body = selection["BackupSelection"]
    assert body["Resources"] == ["arn:aws:ec2:*:*:volume/*"]
    assert body["NotResources"] == [seeded_org.arn("prod", "us-east-1", "vol-temp")]
    assert set(body["Conditions"]) == {"StringEquals", "StringLike", "StringNotEquals"}


def test_jobs_and_recovery_points_are_relative_to_now(seeded_org: SeededOrg) -> None:
    prod = seeded_org.account_id("prod")
    window = datetime.now(tz=UTC) - timedelta(days=14)
    eu = client_as(seeded_org, prod, "backup", "eu-west-1")
    states = [j["State"] for j in eu.check("ListBackupJobs", ByCreatedAfter=window)["BackupJobs"]]
    assert {"EXPIRED", "FAILED", "ABORTED", "COMPLETED"} <= set(states)
    us = client_as(seeded_org, prod, "backup")
    recent = us.check("ListBackupJobs", ByCreatedAfter=window)["BackupJobs"]
    assert "FAILED" not in {j["State"] for j in recent}  # the 20-day-old failure is outside the window
    assert "FAILED" in {j["State"] for j in us.check("ListBackupJobs")["BackupJobs"]}
    points = us.check("ListRecoveryPointsByBackupVault", BackupVaultName="prod-vault")["RecoveryPoints"]
    expired = [p for p in points if p["Status"] == "EXPIRED"]
    assert [p["ResourceArn"] for p in expired] == [seeded_org.arn("prod", "us-east-1", "vol-archive")]
    assert expired[0]["CreationDate"] < datetime.now(tz=UTC) - timedelta(days=39)
    rules = client_as(seeded_org, prod, "rbin").check("ListRules", ResourceType="EBS_SNAPSHOT")["Rules"]
    assert len(rules) == 1
    policy = us.check("GetBackupVaultAccessPolicy", BackupVaultName="prod-vault")["Policy"]
    assert json.loads(policy)["Statement"][0]["Effect"] == "Deny"


def test_unsupported_and_orphaned_resources(seeded_org: SeededOrg) -> None:
    dev = seeded_org.account_id("dev")
    rds = client_as(seeded_org, dev, "rds")
    instances = {i["DBInstanceIdentifier"]: i for i in rds.check("DescribeDBInstances")["DBInstances"]}
    assert instances["sql-custom"]["Engine"].startswith("custom-sqlserver")
    assert instances["edge-mysql"]["DBSubnetGroup"]["Subnets"][0]["SubnetOutpost"]["Arn"].startswith(
        "arn:aws:outposts:"
    )
    clusters = {c["DBClusterIdentifier"] for c in rds.check("DescribeDBClusters")["DBClusters"]}
    assert "gone-aurora" not in clusters
    backup = client_as(seeded_org, dev, "backup")
    points = backup.check("ListRecoveryPointsByBackupVault", BackupVaultName="dev-vault")["RecoveryPoints"]
    gone = seeded_org.arn("dev", "us-east-1", "gone-aurora")
    assert [p["ResourceType"] for p in points if p["ResourceArn"] == gone] == ["Aurora", "Aurora"]
    volumes = client_as(seeded_org, dev, "fsx").check("DescribeVolumes")["Volumes"]
    untagged = next(v for v in volumes if v["ResourceARN"] == seeded_org.arn("dev", "us-east-1", "vol-home"))
    assert "Tags" not in untagged
    file_systems = client_as(seeded_org, dev, "fsx").client.describe_file_systems()["FileSystems"]
    assert {"Key": "backup", "Value": "daily"} in file_systems[0]["Tags"]
    analytics = seeded_org.account_id("analytics")
    eu = client_as(seeded_org, analytics, "rds", "eu-west-1").check("DescribeDBClusters")["DBClusters"]
    assert {c["Engine"] for c in eu} == {"docdb", "neptune"}


def test_effective_backup_policy_applies_to_members(seeded_org: SeededOrg) -> None:
    org = RecordingClient(seeded_org.endpoint_url, "organizations")
    policies = org.check("ListPolicies", Filter="BACKUP_POLICY")["Policies"]
    assert [p["Name"] for p in policies] == ["org-backup-baseline", "dev-incomplete"]
    effective = org.check(
        "DescribeEffectivePolicy", PolicyType="BACKUP_POLICY", TargetId=seeded_org.account_id("prod")
    )["EffectivePolicy"]
    content = json.loads(effective["PolicyContent"])
    assert content["plans"]["org-baseline"]["regions"] == ["us-east-1", "eu-west-1"]
    assert "@@assign" not in effective["PolicyContent"]
    invalid = org.check("ListAccountsWithInvalidEffectivePolicy", PolicyType="BACKUP_POLICY")["Accounts"]
    assert [a["Id"] for a in invalid] == [seeded_org.account_id("dev")]
    # Attached to management and prod only: an account without it has no effective policy.
    with pytest.raises(org.client.exceptions.EffectivePolicyNotFoundException):
        org.client.describe_effective_policy(
            PolicyType="BACKUP_POLICY", TargetId=seeded_org.account_id("analytics")
        )


def test_summary_names_every_account(seeded_org: SeededOrg, sandbox: Sandbox) -> None:
    text = seeded_org.summary()
    assert sandbox.endpoint_url in text
    for account in seeded_org.accounts:
        assert account.account_id in text
