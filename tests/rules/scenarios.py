"""One pass/fail scenario per rule, keyed by rule id: the rule fixtures, built at test time.

A scenario is a function ``(builder, fail) -> subjects``. It adds to a
:class:`~tests.builders.BundleBuilder` only what the rule looks at; the builder writes every other
required operation as an empty listing, so the bundle is fully collected and the rule's verdict
comes from the lines below and nothing else. ``fail=True`` builds the bundle the rule must report,
``fail=False`` the one it must stay silent on; the returned subjects are what the rule must report
on the fail bundle (``account_id``, ``region``, ``resource_arn`` plus any finding member or
``details`` entries to check). The docstring says what makes the scenario pass or fail; it is
copied into ``fixtures/rules/<ID>/expected.json``.

No bundle is committed: ``tests/rules/test_fixtures.py`` builds and evaluates them in a temporary
folder, and only their findings are committed (``fixtures/rules/<ID>/``, see
``tests/rules/rule_fixtures.py``). ``make fixtures`` writes the bundles to
``fixtures/rules/_bundles/`` for people who want to look at them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.builders import (
    COLLECTED_AT,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    BundleBuilder,
    plan_version_of,
    rule_id_of,
)

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
Subject = dict[str, Any]
Scenario = Callable[[BundleBuilder, bool], list[Subject]]

SCENARIOS: dict[str, Scenario] = {}
"""Rule id -> its scenario, in id order once the module is loaded."""


def scenario(rule_id: str) -> Callable[[Scenario], Scenario]:
    """Register the decorated function as the pass/fail scenario of ``rule_id``."""

    def add(fn: Scenario) -> Scenario:
        if rule_id in SCENARIOS:
            raise ValueError(f"{rule_id}: two scenarios ({SCENARIOS[rule_id].__name__}, {fn.__name__})")
        if not (fn.__doc__ or "").strip():
            raise ValueError(f"{rule_id}: scenario {fn.__name__} has no docstring")
        SCENARIOS[rule_id] = fn
        return fn

    return add


def _subject(arn: str | None = None, **extra: Any) -> Subject:
    return {"account_id": A, "region": R, "resource_arn": arn, **extra}


@scenario("BKP-001")
def bkp_001(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Aurora cluster selected by exact ARN; Aurora opt-in off (fail) / on (pass)."""
    b.opt_in("Aurora", not fail)
    arn = b.rds_cluster("orders", engine="aurora-mysql")
    b.selection(b.plan("daily"), "orders-by-arn", resources=[arn])
    return [_subject(arn, resource_type="Aurora")]


@scenario("BKP-002")
def bkp_002(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Two EFS file systems and an EC2 instance with an attached EBS data volume that no selection
    names; the only selection names one file system (fail) / both file systems and the instance
    (pass: the volume is backed up with its instance)."""
    kept = b.efs("fs-0kept")
    lost = b.efs("fs-0lost")
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0appdata", attached_to="i-0app")
    b.selection(b.plan("daily"), "by-arn", resources=[kept] if fail else [kept, lost, instance])
    return [
        _subject(lost, resource_type="EFS"),
        _subject(instance, resource_type="EC2"),
        _subject(volume, resource_type="EBS"),
    ]


@scenario("BKP-017")
def bkp_017(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An RDS instance with automated backups kept 7 days, a DynamoDB table with point-in-time
    recovery and an EBS volume tagged ``dlm=daily`` that an ENABLED Data Lifecycle Manager policy
    targets; a selection names none of them (fail: each backed up only by its own service) / all
    three by ARN (pass)."""
    db = b.rds_instance("orders-db", backup_retention=7)
    table = b.dynamodb_table("orders", pitr=True)
    volume = b.ebs_volume("vol-0scratch", tags={"dlm": "daily"})
    b.dlm_policy("policy-0daily", target_tags={"dlm": "daily"})
    other = b.efs("fs-0other")
    b.selection(b.plan("daily"), "by-arn", resources=[other] if fail else [other, db, table, volume])
    return [
        _subject(db, resource_type="RDS"),
        _subject(table, resource_type="DynamoDB"),
        _subject(volume, resource_type="EBS"),
    ]


@scenario("BKP-003")
def bkp_003(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Aurora opt-in off while RDS, Neptune and DocumentDB are on (fail) / all on (pass)."""
    b.opt_in("Aurora", not fail)
    return [
        _subject(
            None, details={"opt_in": {"RDS": True, "Aurora": False, "Neptune": True, "DocumentDB": True}}
        )
    ]


@scenario("BKP-004")
def bkp_004(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An EFS file system selected by ARN; EFS opt-in off (fail) / on (pass)."""
    b.opt_in("EFS", not fail)
    arn = b.efs("fs-0data")
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    return [_subject(None, resource_type="EFS", details={"resource_count": 1})]


@scenario("BKP-005")
def bkp_005(b: BundleBuilder, fail: bool) -> list[Subject]:
    """A DynamoDB table; DynamoDB management preference off (fail) / on (pass)."""
    b.management("DynamoDB", not fail)
    arn = b.dynamodb_table("orders")
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    return [_subject(None, resource_type="DynamoDB", details={"table_count": 1})]


@scenario("BKP-006")
def bkp_006(b: BundleBuilder, fail: bool) -> list[Subject]:
    """ONTAP file system tagged backup=daily; its volume untagged (fail) / tagged (pass)."""
    b.fsx_file_system("fs-0ontap", kind="ONTAP", tags={"backup": "daily"})
    vol = b.fsx_volume("fs-0ontap", "fsvol-0data", tags=None if fail else {"backup": "daily"})
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    return [_subject(vol, resource_type="FSx")]


@scenario("BKP-007")
def bkp_007(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An RDS Custom for SQL Server instance (fail) / an ordinary MySQL instance (pass), by ARN."""
    arn = b.rds_instance("erp", engine="custom-sqlserver-ee" if fail else "mysql")
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    return [_subject(arn, resource_type="RDS", details={"unsupported": "rds-custom"})]


@scenario("BKP-008")
def bkp_008(b: BundleBuilder, fail: bool) -> list[Subject]:
    """A MySQL instance on an Outpost (fail) / in Region subnets (pass), selected by ARN."""
    outpost = f"arn:aws:outposts:{R}:{A}:outpost/op-0123456789abcdef0" if fail else None
    arn = b.rds_instance("shop", outpost_arn=outpost)
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    return [_subject(arn, resource_type="RDS", details={"unsupported": "outposts"})]


@scenario("BKP-015")
def bkp_015(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An S3 bucket selected by ARN; versioning never enabled (fail) / enabled (pass)."""
    arn = b.s3_bucket("invoices", versioning=None if fail else "Enabled", noncurrent_days=30)
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    return [_subject(arn, resource_type="S3", details={"versioning": "Disabled"})]


@scenario("BKP-016")
def bkp_016(b: BundleBuilder, fail: bool) -> list[Subject]:
    """A versioned S3 bucket selected by tag; no lifecycle configuration (fail) / an enabled rule
    expiring noncurrent versions after 30 days (pass)."""
    arn = b.s3_bucket("media", tags={"backup": "daily"}, noncurrent_days=None if fail else 30)
    b.selection(b.plan("daily"), "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    return [_subject(arn, resource_type="S3")]


@scenario("BKP-010")
def bkp_010(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Two 100 GB Aurora recovery points of cluster `orders`; the cluster is gone (fail) / exists (pass)."""
    source = f"arn:aws:rds:{R}:{A}:cluster:orders"
    if not fail:
        assert b.rds_cluster("orders", engine="aurora-postgresql") == source
        b.selection(b.plan("daily", [{"DeleteAfterDays": 3}]), "by-arn", resources=[source])
    for days in (1, 2):
        b.recovery_point(
            source, "Aurora", size_bytes=100 * 10**9, created=COLLECTED_AT - timedelta(days=days)
        )
    return [
        _subject(
            source,
            resource_type="Aurora",
            details={
                "recovery_point_count": 2,
                "backup_size_bytes": 200e9,
                "estimated_monthly_cost_usd": 4.2,
            },
        )
    ]


@scenario("BKP-011")
def bkp_011(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Aurora cluster with 7-day automated retention; plan keeps 35 days (fail) / 3 days (pass)."""
    arn = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=7)
    plan = b.plan("daily", [{"DeleteAfterDays": 35 if fail else 3}])
    b.selection(plan, "by-arn", resources=[arn])
    return [_subject(arn, resource_type="Aurora", details={"automated_retention_days": 7.0})]


@scenario("BKP-012")
def bkp_012(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An EBS volume's recovery point in status EXPIRED (fail) / COMPLETED (pass)."""
    vol = b.ebs_volume("vol-0data")
    b.selection(b.plan("daily"), "by-arn", resources=[vol])
    b.recovery_point(vol, "EBS", status="EXPIRED" if fail else "COMPLETED")
    vault = b.vault("Default")
    return [_subject(vault, details={"recovery_point_count": 1})]


@scenario("BKP-013")
def bkp_013(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An EBS_SNAPSHOT Recycle Bin rule; the Region's vault holds EBS (fail) / only EFS (pass) recovery points."""
    rule_id = b.rbin_rule("EBS_SNAPSHOT", retention_days=365, identifier="rbin0000001")
    if fail:
        source = b.ebs_volume("vol-0data")
        b.recovery_point(source, "EBS")
    else:
        source = b.efs("fs-0data")
        b.recovery_point(source, "EFS")
    b.selection(b.plan("daily"), "by-arn", resources=[source])
    return [_subject(f"arn:aws:rbin:{R}:{A}:rule/{rule_id}", details={"recovery_points": {"EBS": 1}})]


@scenario("BKP-014")
def bkp_014(b: BundleBuilder, fail: bool) -> list[Subject]:
    """A recovery point of EBS volume vol-0gone; the volume is gone (fail) / exists (pass, which
    also holds a recovery point of a DB instance that is a member of an existing Multi-AZ DB
    cluster: not a resource of its own, yet not gone)."""
    source = f"arn:aws:ec2:{R}:{A}:volume/vol-0gone"
    if not fail:
        assert b.ebs_volume("vol-0gone") == source
        cluster = b.rds_cluster("ledger", engine="postgres", member_instances=1)
        b.selection(b.plan("daily"), "by-arn", resources=[source, cluster])
        b.recovery_point(f"arn:aws:rds:{R}:{A}:db:ledger-instance-1", "RDS", size_bytes=20 * 10**9)
    b.recovery_point(source, "EBS", size_bytes=8 * 10**9)
    return [_subject(source, resource_type="EBS", details={"recovery_point_count": 1})]


@scenario("BKP-020")
def bkp_020(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An Aurora backup job three days ago: EXPIRED (fail) / COMPLETED (pass)."""
    arn = b.rds_cluster("orders", engine="aurora-mysql")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[arn])
    b.job(
        arn,
        "Aurora",
        state="EXPIRED" if fail else "COMPLETED",
        status_message="Backup job expired before completion." if fail else None,
        created=COLLECTED_AT - timedelta(days=3),
        plan_id=plan,
    )
    return [_subject(arn, resource_type="Aurora", details={"expired_count": 1})]


@scenario("BKP-021")
def bkp_021(b: BundleBuilder, fail: bool) -> list[Subject]:
    """EBS jobs: only a FAILED one (fail) / a FAILED one then a COMPLETED one (pass)."""
    vol = b.ebs_volume("vol-0data")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[vol])
    b.job(
        vol,
        "EBS",
        state="FAILED",
        status_message="Insufficient privileges to perform this action.",
        created=COLLECTED_AT - timedelta(days=3),
        plan_id=plan,
    )
    if not fail:
        b.job(vol, "EBS", state="COMPLETED", created=COLLECTED_AT - timedelta(days=2), plan_id=plan)
    return [_subject(vol, resource_type="EBS", details={"state": "FAILED", "failed_or_aborted_in_window": 1})]


@scenario("BKP-023")
def bkp_023(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Restore jobs of an EBS volume started by a restore testing plan: only a FAILED one (fail) / a
    FAILED one then a COMPLETED one (pass); beside it an RDS instance whose latest restore job was
    ABORTED (never a failure) and a FAILED restore job from 20 days ago (outside the window)."""
    vol = b.ebs_volume("vol-0data")
    db = b.rds_instance("orders")
    b.restore_job(
        vol,
        "EBS",
        status="FAILED",
        status_message="Access denied: ec2:CreateVolume",
        created=COLLECTED_AT - timedelta(days=3),
        testing_plan="daily-tests",
    )
    if not fail:
        b.restore_job(vol, "EBS", created=COLLECTED_AT - timedelta(days=2), testing_plan="daily-tests")
    b.restore_job(db, "RDS", status="FAILED", created=COLLECTED_AT - timedelta(days=20))
    b.restore_job(db, "RDS", status="ABORTED", created=COLLECTED_AT - timedelta(days=1))
    return [_subject(vol, resource_type="EBS", details={"status": "FAILED", "failed_in_window": 1})]


@scenario("BKP-030")
def bkp_030(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Fail: a plan backing up on weekdays only (3 days apart over weekends) keeping 35 days, and a
    plan whose hourly rule keeps 7 days and whose monthly rule keeps forever (neither rule meets
    both). Pass: the first plan's rule every day, and the second plan's hourly rule continuous
    and kept 35 days."""
    weekdays = b.plan(
        "weekdays", [{"ScheduleExpression": "cron(0 5 ? * MON-FRI *)" if fail else "cron(0 5 * * ? *)"}]
    )
    split = b.plan(
        "split",
        [
            b.rule(
                "hourly",
                ScheduleExpression="rate(1 hour)",
                DeleteAfterDays=7 if fail else 35,
                EnableContinuousBackup=not fail,
            ),
            b.rule("monthly", ScheduleExpression="cron(0 3 1 * ? *)", DeleteAfterDays=None),
        ],
    )
    return [
        _subject(
            f"arn:aws:backup:{R}:{A}:backup-plan:{split}",
            details={"plan_name": "split", "required_frequency_hours": 24, "required_retention_days": 35},
        ),
        _subject(f"arn:aws:backup:{R}:{A}:backup-plan:{weekdays}", details={"plan_name": "weekdays"}),
    ]


@scenario("BKP-031")
def bkp_031(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An EBS volume's recovery point with IsEncrypted false (fail) / true (pass); an EFS file
    system's encrypted recovery point beside it."""
    vol = b.ebs_volume("vol-0plain")
    fs = b.efs("fs-0data")
    b.selection(b.plan("daily"), "by-arn", resources=[vol, fs])
    b.recovery_point(vol, "EBS", is_encrypted=not fail)
    b.recovery_point(fs, "EFS")
    return [_subject(vol, resource_type="EBS", details={"unencrypted_count": 1})]


@scenario("BKP-032")
def bkp_032(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An EBS volume with a recovery point kept 7 days (fail) / 35 days (pass, exactly the
    required retention) and one kept forever (no DeleteAt: passes)."""
    vol = b.ebs_volume("vol-0data")
    b.selection(b.plan("daily"), "by-arn", resources=[vol])
    b.recovery_point(vol, "EBS", delete_after_days=7 if fail else 35)
    b.recovery_point(vol, "EBS", delete_after_days=None, created=COLLECTED_AT - timedelta(days=400))
    return [
        _subject(
            vol,
            resource_type="EBS",
            details={"required_retention_days": 35, "shortest_retention_days": 7.0, "short_count": 1},
        )
    ]


def _deny_policy(*actions: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(actions),
        "Resource": "*",
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@scenario("BKP-033")
def bkp_033(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Vault `locked-down` holding a recovery point, whose policy denies DeleteRecoveryPoint and
    UpdateRecoveryPointLifecycle to every principal but not PutBackupVaultAccessPolicy (fail) /
    all three through `backup:*Recovery*` and PutBackupVaultAccessPolicy (pass); an empty vault
    without a policy beside it (nothing to protect: never reported)."""
    actions = (
        ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")
        if fail
        else ("backup:*Recovery*", "backup:PutBackupVaultAccessPolicy")
    )
    vault = b.vault("locked-down", policy=_deny_policy(*actions))
    b.vault("empty")
    fs = b.efs("fs-0data")
    b.selection(b.plan("daily", [{"TargetBackupVaultName": "locked-down"}]), "one", resources=[fs])
    b.recovery_point(fs, "EFS", vault="locked-down", created=COLLECTED_AT - timedelta(hours=6))
    return [
        _subject(vault, details={"not_denied": ["backup:PutBackupVaultAccessPolicy"], "has_policy": True})
    ]


@scenario("BKP-034")
def bkp_034(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Two EFS file systems, each selected by its own plan: `locked` targets vault `immutable`
    (locked, 7 to 365 days); `open` targets vault `plain`, which is not locked (fail) / locked
    without retention bounds (pass); a third, unprotected file system is never judged."""
    locked_fs = b.efs("fs-0locked")
    open_fs = b.efs("fs-0open")
    b.efs("fs-0unselected")
    b.vault("immutable", locked=True, min_retention_days=7, max_retention_days=365)
    b.vault("plain", locked=not fail)
    b.selection(b.plan("locked", [{"TargetBackupVaultName": "immutable"}]), "one", resources=[locked_fs])
    b.selection(b.plan("open", [{"TargetBackupVaultName": "plain"}]), "one", resources=[open_fs])
    return [_subject(open_fs, resource_type="EFS")]


@scenario("BKP-035")
def bkp_035(b: BundleBuilder, fail: bool) -> list[Subject]:
    """An EFS file system in a plan created 100 days ago whose newest completed recovery point is
    3 days old (fail) / 12 hours old (pass; beside it a FAILED one from an hour ago); a DynamoDB
    table with no recovery point, selected by that plan (fail) / by a plan created an hour ago
    (pass: it has not had its chance yet)."""
    fs = b.efs("fs-0data")
    table = b.dynamodb_table("orders")
    old = b.plan("daily")
    b.selection(old, "files", resources=[fs])
    if fail:
        b.selection(old, "tables", resources=[table])
    else:
        b.selection(b.plan("new", created=COLLECTED_AT - timedelta(hours=1)), "tables", resources=[table])
        b.recovery_point(fs, "EFS", status="FAILED", created=COLLECTED_AT - timedelta(hours=1))
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - (timedelta(days=3) if fail else timedelta(hours=12)))
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - timedelta(days=5))
    return [
        _subject(fs, resource_type="EFS", details={"max_age_hours": 24, "age_hours": 72.0}),
        _subject(
            table,
            resource_type="DynamoDB",
            details={"newest_recovery_point": None, "oldest_protecting_plan": "daily"},
        ),
    ]


@scenario("BKP-038")
def bkp_038(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Two EBS volumes protected by a plan, and a restore testing selection of EBS volumes with
    StringEquals aws:ResourceTag/tier=gold: `vol-0gold` is gold; `vol-0silver` is tagged silver
    (fail) / gold (pass). A DynamoDB table is covered by a selection listing its ARN. An unprotected
    volume is never judged."""
    gold = b.ebs_volume("vol-0gold", tags={"tier": "gold"})
    other = b.ebs_volume("vol-0silver", tags={"tier": "silver" if fail else "gold"})
    table = b.dynamodb_table("orders")
    b.ebs_volume("vol-0loose")
    b.selection(b.plan("daily"), "picked", resources=[gold, other, table])
    b.restore_testing_selection(
        "weekly-tests", "gold-volumes", "EBS", conditions=[("StringEquals", "aws:ResourceTag/tier", "gold")]
    )
    b.restore_testing_selection("weekly-tests", "orders", "DynamoDB", arns=[table])
    return [
        _subject(other, resource_type="EBS", details={"why": "not covered", "restore_testing_selections": []})
    ]


@scenario("BKP-090")
def bkp_090(b: BundleBuilder, fail: bool) -> list[Subject]:
    """ListBackupJobs denied in the account-Region (fail) / everything collected (pass)."""
    arn = b.efs("fs-0data")
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    if fail:
        b.error("backup", "ListBackupJobs")
    return [
        _subject(
            None,
            details={"level": "operations", "cause": "permission", "operations": ["backup.ListBackupJobs"]},
        )
    ]


# -- organization backup policies (BKP-040 ... BKP-043) -----------------------------------------

_ROLE = "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole"


def _org_policy(regions: list[str], **rule: Any) -> dict[str, Any]:
    """An effective backup policy (values as strings, as AWS returns them) with plan
    ``org-baseline``: rule ``daily`` (05:00 every day into ``org-vault``, kept 35 days, start
    window 60 minutes), ``rule`` entries added, and tag selection ``baseline``
    (``org-backup=baseline``)."""
    return {
        "plans": {
            "org-baseline": {
                "regions": regions,
                "rules": {
                    "daily": {
                        "schedule_expression": "cron(0 5 ? * * *)",
                        "target_backup_vault_name": "org-vault",
                        "start_backup_window_minutes": "60",
                        "lifecycle": {"delete_after_days": "35"},
                        **rule,
                    }
                },
                "selections": {
                    "tags": {
                        "baseline": {
                            "iam_role_arn": _ROLE,
                            "tag_key": "org-backup",
                            "tag_value": ["baseline"],
                        }
                    }
                },
            }
        }
    }


def _deploy_baseline(b: BundleBuilder, rule: dict[str, Any], role: str | None = None) -> str:
    """Plan `org-baseline` with ``rule`` and selection `baseline` (tag org-backup=baseline)."""
    pid = b.plan("org-baseline", [rule])
    b.selection(pid, "baseline", list_of_tags=[("org-backup", "baseline")], iam_role_arn=role)
    return pid


@scenario("BKP-040")
def bkp_040(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Effective policy plan `org-baseline` for eu-west-1 and us-east-1 (us-east-1 not audited: not
    judged); eu-west-1 has only plan `local-daily` (fail) / also `org-baseline` (pass)."""
    b.effective_policy(A, _org_policy([R, "us-east-1"]))
    b.vault("org-vault")
    b.plan("local-daily")
    if not fail:
        _deploy_baseline(b, b.rule(TargetBackupVaultName="org-vault"))
    return [_subject(None, details={"policy_plan": "org-baseline"})]


@scenario("BKP-041")
def bkp_041(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Policy plan `org-baseline` with a copy to `arn:aws:backup:us-east-1:$account:backup-vault:
    org-copy`; the deployed plan runs at 03:00 into `Default`, keeps 40 days, copies nowhere and
    its selection uses another role (fail) / is as the policy says, written with the equivalent
    `cron(0 5 * * ? *)` and the copy's `$account` substituted (pass)."""
    copy = "arn:aws:backup:us-east-1:$account:backup-vault:org-copy"
    b.effective_policy(
        A,
        _org_policy(
            [R],
            copy_actions={copy: {"target_backup_vault_arn": copy, "lifecycle": {"delete_after_days": "35"}}},
        ),
    )
    copies = [
        {"DestinationBackupVaultArn": copy.replace("$account", A), "Lifecycle": {"DeleteAfterDays": 35}}
    ]
    rule = (
        b.rule(ScheduleExpression="cron(0 3 ? * * *)", DeleteAfterDays=40)
        if fail
        else b.rule(
            ScheduleExpression="cron(0 5 * * ? *)", TargetBackupVaultName="org-vault", CopyActions=copies
        )
    )
    b.vault("org-vault")
    pid = _deploy_baseline(b, rule, f"arn:aws:iam::{A}:role/other-role" if fail else None)
    return [_subject(f"arn:aws:backup:{R}:{A}:backup-plan:{pid}", details={"policy_plan": "org-baseline"})]


@scenario("BKP-042")
def bkp_042(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Policy plan `org-baseline` for eu-west-1 targets vault `org-vault` and copies to
    `org-copy` in us-east-1 of the same account (audited) and to a vault of another account (not
    judged); neither vault exists (fail) / both do (pass)."""
    own = "arn:aws:backup:us-east-1:$account:backup-vault:org-copy"
    other = "arn:aws:backup:us-east-1:222222222222:backup-vault:central"
    b.effective_policy(
        A,
        _org_policy(
            [R],
            copy_actions={own: {"target_backup_vault_arn": own}, other: {"target_backup_vault_arn": other}},
        ),
    )
    b.vault("Default", region="us-east-1")
    copies = [{"DestinationBackupVaultArn": arn.replace("$account", A)} for arn in (own, other)]
    _deploy_baseline(b, b.rule(TargetBackupVaultName="org-vault", CopyActions=copies))
    if not fail:
        b.vault("org-vault")
        b.vault("org-copy", region="us-east-1")
    return [
        _subject(f"arn:aws:backup:{R}:{A}:backup-vault:org-vault", details={"vault_name": "org-vault"}),
        {
            "account_id": A,
            "region": "us-east-1",
            "resource_arn": f"arn:aws:backup:us-east-1:{A}:backup-vault:org-copy",
            "details": {"vault_name": "org-copy"},
        },
    ]


@scenario("BKP-043")
def bkp_043(b: BundleBuilder, fail: bool) -> list[Subject]:
    """AWS Organizations lists account 111111111111 in ListAccountsWithInvalidEffectivePolicy with
    one validation error (fail) / lists no account (pass)."""
    if fail:
        b.invalid_policy(
            A,
            {
                "ErrorCode": "ELEMENTS_TOO_MANY",
                "ErrorMessage": "The policy has more rules than a backup plan allows.",
                "PathToError": "plans.org-baseline.rules",
                "ContributingPolicies": ["p-examplepol1"],
            },
        )
    return [{"account_id": A, "region": None, "resource_arn": None}]


# -- copies and air-gapped vaults (BKP-022/036/037/039) ------------------------------------------

BACKUP_ACCOUNT = "222222222222"
"""An audited account holding the organization's copy vaults."""
OTHER_REGION = "eu-central-1"
"""A Region other than the builder's default one."""
UNREAD_ACCOUNT = "333333333333"
"""An account of the organization whose audit role could not be assumed (not audited)."""


def _copy_to(account_id: str, region: str, vault: str) -> dict[str, Any]:
    return {"DestinationBackupVaultArn": f"arn:aws:backup:{region}:{account_id}:backup-vault:{vault}"}


@scenario("BKP-022")
def bkp_022(b: BundleBuilder, fail: bool) -> list[Subject]:
    """EBS copy jobs to another Region: only a FAILED one (fail) / a FAILED one then a COMPLETED
    one (pass)."""
    vol = b.ebs_volume("vol-0data")
    dest = _copy_to(A, OTHER_REGION, "dr")["DestinationBackupVaultArn"]
    b.copy_job(
        vol,
        "EBS",
        dest,
        state="FAILED",
        status_message="Access denied to the destination vault.",
        created=COLLECTED_AT - timedelta(days=3),
    )
    if not fail:
        b.copy_job(vol, "EBS", dest, created=COLLECTED_AT - timedelta(days=2))
    return [
        _subject(
            vol,
            resource_type="EBS",
            details={"state": "FAILED", "failed_in_window": 1, "destination_vault_arn": dest},
        )
    ]


@scenario("BKP-036")
def bkp_036(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Two protected DynamoDB tables. orders: its plan rule has no copy action (fail) / copies to a
    vault in eu-central-1 (pass). events: its plan copies to eu-central-1 and its latest copy job there
    FAILED after a completed one (fail) / completed after a failed one (pass)."""
    orders = b.dynamodb_table("orders")
    events = b.dynamodb_table("events")
    copy = [] if fail else [_copy_to(A, OTHER_REGION, "dr")]
    b.selection(b.plan("daily", [{"CopyActions": copy}]), "orders", resources=[orders])
    dr = b.plan("dr", [{"CopyActions": [_copy_to(A, OTHER_REGION, "dr")]}])
    b.selection(dr, "events", resources=[events])
    dest = _copy_to(A, OTHER_REGION, "dr")["DestinationBackupVaultArn"]
    states = ("COMPLETED", "FAILED") if fail else ("FAILED", "COMPLETED")
    for age, state in zip((3, 2), states, strict=True):
        b.copy_job(
            events, "DynamoDB", dest, state=state, created=COLLECTED_AT - timedelta(days=age), plan_id=dr
        )
    return [
        _subject(events, resource_type="DynamoDB", details={"cause": "latest cross-Region copy job failed"}),
        _subject(orders, resource_type="DynamoDB", details={"cause": "no cross-Region copy action"}),
    ]


@scenario("BKP-037")
def bkp_037(b: BundleBuilder, fail: bool) -> list[Subject]:
    """EFS file systems and copies to the backup account 222222222222 (audited) or 333333333333
    (audit role denied). arrived: its plan copies to the backup account, where no recovery point
    of it is (fail: the copy never arrived) / where its copy is (pass). manual: no copy action and
    no copy (fail) / a copy in the backup account without any copy action (pass: evidence counts).
    unread: its plan copies to the unread account (fail: unknown) / a copy is also in the backup
    account (pass). retried: copied to the backup account, but its latest copy job there FAILED
    (fail) / COMPLETED (pass). Cross-account backup off (fail) / on (pass) in the organization."""
    b.account(BACKUP_ACCOUNT, [R])
    b.vault("dr", account_id=BACKUP_ACCOUNT)
    b.assume_role_denied(UNREAD_ACCOUNT, [R])
    to_backup = _copy_to(BACKUP_ACCOUNT, R, "dr")
    arrived, manual, unread, retried = (b.efs(f"fs-0{n}") for n in ("arrived", "manual", "unread", "retried"))
    b.selection(b.plan("to-backup", [{"CopyActions": [to_backup]}]), "copied", resources=[arrived, retried])
    b.selection(b.plan("local"), "local", resources=[manual])
    b.selection(
        b.plan("to-unread", [{"CopyActions": [_copy_to(UNREAD_ACCOUNT, R, "dr")]}]), "u", resources=[unread]
    )
    copies = [retried] if fail else [arrived, manual, unread, retried]
    for arn in copies:
        b.recovery_point(arn, "EFS", vault="dr", account_id=BACKUP_ACCOUNT)
    for age, state in zip((3, 2), ("COMPLETED", "FAILED") if fail else ("FAILED", "COMPLETED"), strict=True):
        b.copy_job(
            retried,
            "EFS",
            to_backup["DestinationBackupVaultArn"],
            state=state,
            created=COLLECTED_AT - timedelta(days=age),
        )
    b.global_settings({"isCrossAccountBackupEnabled": "false" if fail else "true", "isMpaEnabled": "false"})
    return [
        _subject(None, region=None, details={"cause": "cross-account backup disabled"}),
        _subject(
            arrived, resource_type="EFS", details={"result": "non-compliant", "cause": "copy never arrived"}
        ),
        _subject(
            manual,
            resource_type="EFS",
            details={"result": "non-compliant", "cause": "no copy to another account"},
        ),
        _subject(
            retried,
            resource_type="EFS",
            details={"result": "non-compliant", "cause": "latest cross-account copy job failed"},
        ),
        _subject(
            unread,
            resource_type="EFS",
            details={"result": "unknown", "destinations_not_audited": [f"{UNREAD_ACCOUNT}/{R}"]},
        ),
    ]


@scenario("BKP-039")
def bkp_039(b: BundleBuilder, fail: bool) -> list[Subject]:
    """EBS volumes and a logically air-gapped vault in the backup account. stale: its newest
    recovery point there is 10 days old (fail) / 1 day old (pass). standard: copied a day ago to a
    standard vault only (fail) / also to an air-gapped vault of its own account (pass). unread:
    its plan copies to an account whose audit role was denied and no air-gapped copy is seen
    (fail: unknown) / one is in the backup account's air-gapped vault (pass)."""
    lag = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
    b.account(BACKUP_ACCOUNT, [R])
    b.vault(
        "lag",
        account_id=BACKUP_ACCOUNT,
        vault_type=lag,
        locked=True,
        min_retention_days=7,
        max_retention_days=35,
    )
    b.vault("dr", account_id=BACKUP_ACCOUNT)
    b.assume_role_denied(UNREAD_ACCOUNT, [R])
    stale, standard, unread = (b.ebs_volume(f"vol-0{n}") for n in ("stale", "standard", "unread"))
    b.selection(
        b.plan("to-backup", [{"CopyActions": [_copy_to(BACKUP_ACCOUNT, R, "lag")]}]),
        "s",
        resources=[stale, standard],
    )
    b.selection(
        b.plan("to-unread", [{"CopyActions": [_copy_to(UNREAD_ACCOUNT, R, "lag")]}]), "u", resources=[unread]
    )
    day = timedelta(days=1)
    b.recovery_point(
        stale,
        "EBS",
        vault="lag",
        account_id=BACKUP_ACCOUNT,
        created=COLLECTED_AT - (10 * day if fail else day),
    )
    b.recovery_point(standard, "EBS", vault="dr", account_id=BACKUP_ACCOUNT, created=COLLECTED_AT - day)
    if not fail:
        b.vault("own-lag", vault_type=lag, locked=True, min_retention_days=7, max_retention_days=35)
        b.recovery_point(standard, "EBS", vault="own-lag", created=COLLECTED_AT - day)
        b.recovery_point(unread, "EBS", vault="lag", account_id=BACKUP_ACCOUNT, created=COLLECTED_AT - day)
    return [
        _subject(stale, resource_type="EBS", details={"result": "non-compliant", "max_age_hours": 168}),
        _subject(
            standard,
            resource_type="EBS",
            details={"result": "non-compliant", "newest_air_gapped_recovery_point": None},
        ),
        _subject(
            unread,
            resource_type="EBS",
            details={"result": "unknown", "destinations_not_audited": [f"{UNREAD_ACCOUNT}/{R}"]},
        ),
    ]


# -- prediction vs evidence (BKP-091) ----------------------------------------------------------


@scenario("BKP-091")
def bkp_091(b: BundleBuilder, fail: bool) -> list[Subject]:
    """Three EBS volumes (created 30 days before collection) and plan ``daily`` whose rule ran a
    day before collection: jobs of the plan's rule for ``vol-0a`` and ``vol-0b``. Its only
    selection names ``vol-0a`` and ``vol-0c`` (fail: ``vol-0b`` was backed up though not
    predicted, ``vol-0c`` predicted but skipped) / all three, and ``vol-0c`` has its job (pass)."""
    a = b.ebs_volume("vol-0a")
    bee = b.ebs_volume("vol-0b")
    c = b.ebs_volume("vol-0c")
    plan = b.plan("daily")
    rule = rule_id_of(plan)
    b.selection(plan, "by-arn", resources=[a, c] if fail else [a, bee, c])
    run = COLLECTED_AT - timedelta(days=1)
    version = plan_version_of(plan)
    for arn in (a, bee) if fail else (a, bee, c):
        b.job(arn, "EBS", created=run, plan_id=plan, plan_version=version, rule_id=rule)
    return [
        _subject(
            bee, resource_type="EBS", details={"disagreement": "backed-up-not-predicted", "reading": None}
        ),
        _subject(
            c, resource_type="EBS", details={"disagreement": "predicted-not-backed-up", "reading": None}
        ),
    ]
