"""The evidence bundle behind the report golden files, built at test time (``conftest.py``).

Not committed: ``python -m tests.report.report_bundle [DIR]`` (``make fixtures``) writes it to DIR,
by default the git-ignored ``fixtures/report/_bundle/``, for people who want to look at it
(deterministic: same input, same files).
Four accounts in two Regions: gaps for most rules, a Region whose plans could not be listed, an
account whose role could not be assumed, and user-controlled strings that try to break out of HTML
(``<script>alert(1)</script>`` as a tag value, an ``<img>`` in an EC2 Name tag) or into a formula.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from tests.builders import COLLECTED_AT, BundleBuilder

BUNDLE = Path(__file__).resolve().parents[2] / "fixtures" / "report" / "_bundle"
"""Where ``python -m tests.report.report_bundle`` writes the bundle when given no folder."""
XSS_TAG = "<script>alert(1)</script>"
XSS_NAME = '"><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://evil.example","x")'
PAY, ANA, STG, LEG = "111111111111", "222222222222", "333333333333", "444444444444"
EU, US = "eu-west-1", "us-east-1"
TAGGED = [("StringEquals", "aws:ResourceTag/backup", "true")]


def build(path: Path = BUNDLE) -> Path:
    b = BundleBuilder(PAY, EU, organization=("o-a1b2c3d4e5", "999999999999"))
    b.account(PAY, [EU, US], name="prod-payments")
    b.account(ANA, [EU, US], name="prod-analytics")
    b.account(STG, [EU, US], name="staging")
    b.assume_role_denied(LEG, [EU, US])
    b.account(LEG, [EU, US], name="legacy-sandbox")

    # prod-payments, eu-west-1: tag-based plan; Aurora opted out; a deleted Aurora cluster's snapshots
    b.opt_in("Aurora", False)
    b.vault("Default")
    dr_vault = f"arn:aws:backup:{US}:{PAY}:backup-vault:dr"
    daily = b.plan(
        "daily-35d",
        [b.rule(CopyActions=[{"DestinationBackupVaultArn": dr_vault, "Lifecycle": {"DeleteAfterDays": 35}}])],
    )
    b.selection(daily, "tagged-backup-true", resources=["*"], conditions=TAGGED)
    db = b.rds_instance("payments-db", tags={"backup": "true", "owner": XSS_TAG})
    b.dynamodb_table("ledger", tags={"backup": "true"})
    b.ebs_volume("vol-0a1b2c3d4e5f60001", tags={"backup": "true"})
    b.efs("fs-0123456789abcdef0", tags={"team": FORMULA})
    b.rds_cluster("payments-aurora", tags={"backup": "true"})
    old = f"arn:aws:rds:{EU}:{PAY}:cluster:old-payments-aurora"
    for i in range(3):
        b.recovery_point(
            old,
            "Aurora",
            size_bytes=150 * 1024**3,
            created=COLLECTED_AT - timedelta(days=40 + i),
            delete_after_days=None,
        )
    b.job(
        db,
        "RDS",
        state="FAILED",
        status_message="Insufficient privileges to perform the backup",
        plan_id=daily,
    )

    # prod-payments, us-east-1: same plan; an EC2 instance left out; a Recycle Bin rule over backups
    b.vault("dr", region=US)
    daily_us = b.plan("daily-35d", [b.rule(TargetBackupVaultName="dr")], region=US)
    b.selection(daily_us, "tagged-backup-true", resources=["*"], conditions=TAGGED, region=US)
    b.rds_instance("payments-dr", tags={"backup": "true"}, region=US)
    b.ec2_instance("i-0fedcba9876543210", tags={"Name": XSS_NAME}, region=US)
    vol = b.ebs_volume("vol-0a1b2c3d4e5f60009", tags={"backup": "true"}, region=US)
    b.recovery_point(vol, "EBS", vault="dr", region=US, plan_id=daily_us)
    b.rbin_rule("EBS_SNAPSHOT", retention_days=30, region=US)

    # prod-analytics, eu-west-1: ARN-pattern plan for RDS; RDS Custom; DynamoDB advanced features off
    b.vault("analytics", account_id=ANA)
    weekly = b.plan(
        "weekly-90d",
        [
            b.rule(
                RuleName="weekly",
                TargetBackupVaultName="analytics",
                ScheduleExpression="cron(0 3 ? * SUN *)",
                DeleteAfterDays=90,
                MoveToColdStorageAfterDays=30,
            )
        ],
        account_id=ANA,
    )
    b.selection(weekly, "all-rds", resources=[f"arn:aws:rds:{EU}:{ANA}:db:*"], account_id=ANA)
    b.rds_instance("warehouse", account_id=ANA)
    b.rds_instance("reporting-custom", engine="custom-sqlserver-ee", account_id=ANA)
    b.dynamodb_table("events", account_id=ANA)
    b.management("DynamoDB", False, account_id=ANA)
    b.recovery_point(
        f"arn:aws:rds:{EU}:{ANA}:db:warehouse", "RDS", vault="analytics", status="EXPIRED", account_id=ANA
    )
    b.recovery_point(
        f"arn:aws:ec2:{EU}:{ANA}:volume/vol-0deadbeef0000000", "EBS", vault="analytics", account_id=ANA
    )

    # prod-analytics, us-east-1: Aurora kept 90 days by the plan while RDS keeps 7 (billed); an expired job
    b.vault("Default", account_id=ANA, region=US)
    keep = b.plan("aurora-90d", [b.rule(DeleteAfterDays=90)], account_id=ANA, region=US)
    b.selection(
        keep,
        "aurora",
        resources=[f"arn:aws:rds:{US}:{ANA}:cluster:analytics-aurora"],
        account_id=ANA,
        region=US,
    )
    aurora = b.rds_cluster("analytics-aurora", backup_retention=7, account_id=ANA, region=US)
    b.job(aurora, "Aurora", state="EXPIRED", plan_id=keep, account_id=ANA, region=US)

    # staging: everything plan in eu-west-1; Outposts RDS; an ONTAP volume tagged on its file system
    b.vault("staging-vault", account_id=STG)
    nightly = b.plan(
        "nightly",
        [b.rule(RuleName="nightly", TargetBackupVaultName="staging-vault", DeleteAfterDays=7)],
        account_id=STG,
    )
    b.selection(nightly, "everything", resources=["*"], account_id=STG)
    b.selection(
        nightly,
        "fsx-tagged",
        resources=["arn:aws:fsx:*"],
        conditions=[("StringEquals", "aws:ResourceTag/backup", "true")],
        account_id=STG,
    )
    b.efs("fs-0aaaabbbbccccdddd", account_id=STG)
    b.rds_instance(
        "edge-db", outpost_arn=f"arn:aws:outposts:{EU}:{STG}:outpost/op-0123456789abcdef0", account_id=STG
    )
    b.fsx_file_system("fs-0ontap00000000001", kind="ONTAP", tags={"backup": "true"}, account_id=STG)
    b.fsx_volume("fs-0ontap00000000001", "fsvol-0000000000000001", name="shared", account_id=STG)
    # staging, us-east-1: the plans could not be listed -> not audited for protection
    b.rds_instance("staging-db-us", account_id=STG, region=US)
    b.dynamodb_table("staging-sessions", account_id=STG, region=US)
    b.error("backup", "ListBackupPlans", account_id=STG, region=US)
    return b.build(path, force=True)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else BUNDLE))
