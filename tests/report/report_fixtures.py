"""A realistic ``EvaluationResult`` for report tests, built directly (no bundle, no evaluator).

Four accounts across two regions: two fully audited, one with a region whose backup plans could
not be listed (partial), one whose AssumeRole was denied (not audited). Findings of every severity,
cost findings, plans with selections that protect and selections blocked by opt-in, and user-controlled
strings that try to break out of HTML (``<script>alert(1)</script>`` as a tag value, an ``<img>`` in a
name, a formula in a tag for CSV).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from auditor.model.results import Coverage, EvaluationResult, Finding, SelectionRef, Severity
from auditor.rules import rules

XSS_TAG = "<script>alert(1)</script>"
XSS_NAME = '"><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://evil.example","x")'
ORG = {"id": "o-a1b2c3d4e5", "management_account_id": "999999999999"}
PAY, ANA, STG, LEG = "111111111111", "222222222222", "333333333333", "444444444444"
EU, US = "eu-west-1", "us-east-1"
AS_OF = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)

CRITICAL_RULE = "BKP-930"
"""Not a registered rule: no catalogue rule is critical, and the reports must render every severity."""


def arn(kind: str, account: str, region: str, name: str) -> str:
    return {
        "RDS": f"arn:aws:rds:{region}:{account}:db:{name}",
        "Aurora": f"arn:aws:rds:{region}:{account}:cluster:{name}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{name}",
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/{name}",
        "EC2": f"arn:aws:ec2:{region}:{account}:instance/{name}",
    }[kind]


DAILY = SelectionRef("plan-daily-pay", "daily-35d", "sel-tagged", "tagged-backup-true")
WEEKLY = SelectionRef("plan-weekly-ana", "weekly-90d", "sel-all-rds", "all-rds")


def resource(
    kind: str,
    account: str,
    region: str,
    name: str,
    protected: bool | None,
    reason: str,
    selections: tuple[SelectionRef, ...] = (),
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "arn": arn(kind, account, region, name),
        "account_id": account,
        "region": region,
        "resource_type": kind,
        "name": name,
        "protected": protected,
        "reason": reason,
        "selections": [s.to_json() for s in selections],
        "tags": dict(tags or {}),
    }


def finding(
    rule_id: str,
    account: str | None,
    region: str | None,
    message: str,
    *,
    arn_: str | None = None,
    rtype: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Finding:
    if rule_id == CRITICAL_RULE:
        sev, title, text = (
            Severity.CRITICAL,
            "Backup vault policy lets any principal delete recovery points",
            (
                "Remove the statement allowing backup:DeleteRecoveryPoint to Principal * from the vault access policy."
            ),
        )
        url = "https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html"
    else:
        meta = rules.get(rule_id).metadata
        sev, title, text, url = meta.severity, meta.title, meta.remediation.text(), meta.doc_url
    return Finding(
        rule_id=rule_id,
        severity=sev,
        account_id=account,
        region=region,
        resource_arn=arn_,
        resource_type=rtype,
        title=title,
        message=message,
        remediation=text,
        doc_url=url,
        details=dict(details or {}),
    )


def build_resources() -> list[dict[str, Any]]:
    sel = (DAILY,)
    return [
        resource(
            "RDS",
            PAY,
            EU,
            "payments-db",
            True,
            "protected by daily-35d / tagged-backup-true",
            sel,
            {"backup": "true", "owner": XSS_TAG},
        ),
        resource(
            "DynamoDB",
            PAY,
            EU,
            "ledger",
            True,
            "protected by daily-35d / tagged-backup-true",
            sel,
            {"backup": "true"},
        ),
        resource(
            "EBS",
            PAY,
            EU,
            "vol-0a1b2c3d4e5f60001",
            True,
            "protected by daily-35d / tagged-backup-true",
            sel,
            {"backup": "true"},
        ),
        resource(
            "EFS",
            PAY,
            EU,
            "fs-0123456789abcdef0",
            False,
            "no selection of eu-west-1 selects it: add tag backup=true or its ARN",
            (),
            {"team": FORMULA},
        ),
        resource(
            "Aurora",
            PAY,
            EU,
            "payments-aurora",
            False,
            "selected by daily-35d / tagged-backup-true only through tags, and the Aurora opt-in is off in eu-west-1",
            (),
            {"backup": "true"},
        ),
        resource(
            "RDS",
            PAY,
            US,
            "payments-dr",
            True,
            "protected by daily-35d / tagged-backup-true",
            sel,
            {"backup": "true"},
        ),
        resource(
            "EC2",
            PAY,
            US,
            "i-0fedcba9876543210",
            False,
            "no selection of us-east-1 selects it",
            (),
            {"Name": XSS_NAME},
        ),
        resource("RDS", ANA, EU, "warehouse", True, "protected by weekly-90d / all-rds", (WEEKLY,)),
        resource("RDS", ANA, EU, "reporting-custom", False, "RDS Custom: AWS Backup cannot protect it"),
        resource("DynamoDB", ANA, EU, "events", False, "no selection of eu-west-1 selects it"),
        resource("Aurora", ANA, US, "analytics-aurora", True, "protected by weekly-90d / all-rds", (WEEKLY,)),
        resource(
            "EBS", ANA, US, "vol-0a1b2c3d4e5f60002", True, "protected by weekly-90d / all-rds", (WEEKLY,)
        ),
        resource(
            "EBS", ANA, US, "vol-0a1b2c3d4e5f60003", True, "protected by weekly-90d / all-rds", (WEEKLY,)
        ),
        resource("RDS", STG, EU, "staging-db", False, "no selection of eu-west-1 selects it"),
        resource(
            "EFS",
            STG,
            EU,
            "fs-0aaaabbbbccccdddd",
            True,
            "protected by nightly / everything",
            (SelectionRef("plan-nightly-stg", "nightly", "sel-star", "everything"),),
        ),
        resource(
            "RDS",
            STG,
            US,
            "staging-db-us",
            None,
            "not audited: backup.ListBackupPlans could not be read in us-east-1",
        ),
        resource(
            "DynamoDB",
            STG,
            US,
            "staging-sessions",
            None,
            "not audited: backup.ListBackupPlans could not be read in us-east-1",
        ),
    ]


def build_findings(resources: list[dict[str, Any]]) -> list[Finding]:
    by_name = {r["name"]: r for r in resources}

    def on(rule: str, name: str, message: str, details: Mapping[str, Any] | None = None) -> Finding:
        r = by_name[name]
        return finding(
            rule,
            r["account_id"],
            r["region"],
            message,
            arn_=r["arn"],
            rtype=r["resource_type"],
            details=details,
        )

    deleted = f"arn:aws:rds:{EU}:{PAY}:cluster:old-payments-aurora"
    return [
        on(
            "BKP-001",
            "payments-aurora",
            by_name["payments-aurora"]["reason"],
            {"plan_name": "daily-35d", "selection_name": "tagged-backup-true"},
        ),
        on(
            "BKP-002",
            "fs-0123456789abcdef0",
            "No backup selection in eu-west-1 selects this EFS file system.",
        ),
        on("BKP-002", "i-0fedcba9876543210", f"No selection selects instance {XSS_NAME}."),
        on("BKP-002", "events", "No backup selection in eu-west-1 selects this DynamoDB table."),
        on("BKP-002", "staging-db", "No backup selection in eu-west-1 selects this RDS instance."),
        on(
            "BKP-007", "reporting-custom", "RDS Custom for SQL Server instance: AWS Backup cannot protect it."
        ),
        finding(
            "BKP-003",
            PAY,
            EU,
            "Opt-in: RDS on, Aurora off, Neptune on, DocumentDB on.",
            details={"opt_in": {"RDS": True, "Aurora": False, "Neptune": True, "DocumentDB": True}},
        ),
        finding(
            "BKP-004",
            PAY,
            EU,
            "Aurora opt-in is off while 1 Aurora cluster exists in eu-west-1.",
            rtype="Aurora",
            details={"resource_count": 1},
        ),
        finding(
            "BKP-010",
            PAY,
            EU,
            "14 recovery points (412.0 GiB) of deleted cluster old-payments-aurora.",
            rtype="Aurora",
            details={
                "source_arn": deleted,
                "recovery_points": 14,
                "bytes": 442381631488,
                "estimated_monthly_cost_usd": 8.65,
            },
        ),
        on(
            "BKP-011",
            "analytics-aurora",
            "Plan weekly-90d keeps snapshots 90 days; the cluster's automated retention is 7 days.",
            {
                "plan_name": "weekly-90d",
                "delete_after_days": 90,
                "backup_retention_days": 7,
                "estimated_monthly_cost_usd": 23.4,
            },
        ),
        finding(
            "BKP-012",
            ANA,
            US,
            "3 recovery points in vault Default are EXPIRED and still billed.",
            details={"vault_name": "Default", "recovery_points": 3, "estimated_monthly_cost_usd": 1.2},
        ),
        finding(
            "BKP-014",
            ANA,
            EU,
            "2 recovery points of deleted volume vol-0deadbeef.",
            rtype="EBS",
            details={"source_arn": f"arn:aws:ec2:{EU}:{ANA}:volume/vol-0deadbeef", "recovery_points": 2},
        ),
        on(
            "BKP-021",
            "warehouse",
            "Latest backup job FAILED: Insufficient privileges to perform the backup.",
            {"job_id": "job-5f2c", "state": "FAILED"},
        ),
        finding(
            CRITICAL_RULE,
            STG,
            EU,
            "Vault staging-vault allows backup:DeleteRecoveryPoint to Principal *.",
            details={"vault_name": "staging-vault"},
        ),
        finding(
            "BKP-090",
            STG,
            US,
            "backup.ListBackupPlans: AccessDeniedException: not authorized",
            details={"operation": "backup.ListBackupPlans"},
        ),
        finding(
            "BKP-090",
            LEG,
            None,
            "sts.AssumeRole: AccessDenied: not authorized to assume OrganizationAccountAccessRole",
            details={"operation": "sts.AssumeRole"},
        ),
    ]


def build_plans(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {r["name"]: r["arn"] for r in resources}
    return [
        {
            "account_id": PAY,
            "region": EU,
            "plan_id": "plan-daily-pay",
            "plan_name": "daily-35d",
            "plan_arn": f"arn:aws:backup:{EU}:{PAY}:backup-plan:plan-daily-pay",
            "rules": [
                {
                    "rule_name": "daily",
                    "schedule": "cron(0 5 ? * * *)",
                    "target_vault": "Default",
                    "delete_after_days": 35,
                    "move_to_cold_after_days": None,
                    "copy_actions": [
                        {
                            "destination_vault_arn": f"arn:aws:backup:{US}:{PAY}:backup-vault:dr",
                            "delete_after_days": 35,
                        }
                    ],
                },
            ],
            "selections": [
                {
                    "selection_id": "sel-tagged",
                    "selection_name": "tagged-backup-true",
                    "protected_arns": [
                        by_name["payments-db"],
                        by_name["ledger"],
                        by_name["vol-0a1b2c3d4e5f60001"],
                    ],
                    "blocked_arns": [by_name["payments-aurora"]],
                },
            ],
        },
        {
            "account_id": PAY,
            "region": US,
            "plan_id": "plan-daily-pay-us",
            "plan_name": "daily-35d",
            "plan_arn": f"arn:aws:backup:{US}:{PAY}:backup-plan:plan-daily-pay-us",
            "rules": [
                {
                    "rule_name": "daily",
                    "schedule": "cron(0 5 ? * * *)",
                    "target_vault": "dr",
                    "delete_after_days": 35,
                    "move_to_cold_after_days": None,
                    "copy_actions": [],
                }
            ],
            "selections": [
                {
                    "selection_id": "sel-tagged-us",
                    "selection_name": "tagged-backup-true",
                    "protected_arns": [by_name["payments-dr"]],
                    "blocked_arns": [],
                }
            ],
        },
        {
            "account_id": ANA,
            "region": EU,
            "plan_id": "plan-weekly-ana",
            "plan_name": "weekly-90d",
            "plan_arn": f"arn:aws:backup:{EU}:{ANA}:backup-plan:plan-weekly-ana",
            "rules": [
                {
                    "rule_name": "weekly",
                    "schedule": "cron(0 3 ? * SUN *)",
                    "target_vault": "analytics",
                    "delete_after_days": 90,
                    "move_to_cold_after_days": 30,
                    "copy_actions": [],
                },
                {
                    "rule_name": "yearly-keep",
                    "schedule": "cron(0 3 1 1 ? *)",
                    "target_vault": "analytics",
                    "delete_after_days": None,
                    "move_to_cold_after_days": None,
                    "copy_actions": [],
                },
            ],
            "selections": [
                {
                    "selection_id": "sel-all-rds",
                    "selection_name": "all-rds",
                    "protected_arns": [by_name["warehouse"]],
                    "blocked_arns": [],
                }
            ],
        },
        {
            "account_id": STG,
            "region": EU,
            "plan_id": "plan-nightly-stg",
            "plan_name": "nightly",
            "plan_arn": f"arn:aws:backup:{EU}:{STG}:backup-plan:plan-nightly-stg",
            "rules": [
                {
                    "rule_name": "nightly",
                    "schedule": "cron(0 1 * * ? *)",
                    "target_vault": "staging-vault",
                    "delete_after_days": 7,
                    "move_to_cold_after_days": None,
                    "copy_actions": [],
                }
            ],
            "selections": [
                {
                    "selection_id": "sel-star",
                    "selection_name": "everything",
                    "protected_arns": [by_name["fs-0aaaabbbbccccdddd"]],
                    "blocked_arns": [],
                }
            ],
        },
    ]


def build_coverage() -> list[Coverage]:
    return [
        Coverage(PAY, EU, "audited"),
        Coverage(PAY, US, "audited"),
        Coverage(ANA, EU, "audited"),
        Coverage(ANA, US, "audited"),
        Coverage(STG, EU, "audited"),
        Coverage(
            STG,
            US,
            "partial",
            ("backup.ListBackupPlans", "backup.GetBackupPlan"),
            ("backup.ListBackupPlans: AccessDeniedException: not authorized",),
        ),
        Coverage(
            LEG,
            None,
            "not_audited",
            ("sts.AssumeRole",),
            ("sts.AssumeRole: AccessDenied: not authorized to assume OrganizationAccountAccessRole",),
        ),
    ]


def build_result() -> EvaluationResult:
    resources = build_resources()
    return EvaluationResult(
        as_of=AS_OF,
        collected_at=AS_OF,
        tool_version="0.1.0",
        organization=ORG,
        accounts=(
            {"id": PAY, "name": "prod-payments", "status": "ACTIVE", "regions": [EU, US]},
            {"id": ANA, "name": "prod-analytics", "status": "ACTIVE", "regions": [EU, US]},
            {"id": STG, "name": "staging", "status": "ACTIVE", "regions": [EU, US]},
            {"id": LEG, "name": "legacy-sandbox", "status": "ACTIVE", "regions": [EU, US]},
        ),
        coverage=tuple(build_coverage()),
        findings=tuple(build_findings(resources)),
        resources=tuple(resources),
        plans=tuple(build_plans(resources)),
        summary={},
        errors=(
            {
                "account_id": STG,
                "region": US,
                "service": "backup",
                "operation": "ListBackupPlans",
                "code": "AccessDeniedException",
                "message": "not authorized",
            },
            {
                "account_id": LEG,
                "region": None,
                "service": "sts",
                "operation": "AssumeRole",
                "code": "AccessDenied",
                "message": "not authorized to assume OrganizationAccountAccessRole",
            },
        ),
    )


def build_large_result(n_resources: int = 10_000) -> EvaluationResult:
    """Many accounts and resources, to check the HTML report stays usable at scale."""
    base = build_result()
    kinds = ("RDS", "DynamoDB", "EBS", "EC2", "EFS", "Aurora")
    accounts = [f"{500000000000 + i:012d}" for i in range(40)]
    regions = (EU, US, "ap-southeast-2")
    resources: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for i in range(n_resources):
        acct, reg, kind = accounts[i % len(accounts)], regions[(i // 7) % 3], kinds[i % len(kinds)]
        prot = i % 5 != 0
        r = resource(
            kind,
            acct,
            reg,
            f"res-{i:05d}",
            prot,
            "protected by daily-35d / tagged-backup-true" if prot else "no selection selects it",
            (DAILY,) if prot else (),
            {"idx": str(i)},
        )
        resources.append(r)
        if not prot:
            findings.append(
                finding("BKP-002", acct, reg, "No backup selection selects it.", arn_=r["arn"], rtype=kind)
            )
    return EvaluationResult(
        as_of=base.as_of,
        collected_at=base.collected_at,
        tool_version=base.tool_version,
        organization=base.organization,
        accounts=tuple(
            {"id": a, "name": f"acct-{a[-3:]}", "status": "ACTIVE", "regions": list(regions)}
            for a in accounts
        ),
        coverage=tuple(Coverage(a, r, "audited") for a in accounts for r in regions),
        findings=tuple(findings),
        resources=tuple(resources),
        plans=(),
        summary={},
        errors=(),
    )


def build_organization_result(n_accounts: int = 1000, units: int = 12) -> EvaluationResult:
    """``n_accounts`` accounts spread over ``units`` organizational units (two levels deep, with
    one unit whose accounts could not be read), two resources each: the heatmap's OU roll-ups."""
    base = build_result()
    accounts = [f"{600000000000 + i:012d}" for i in range(n_accounts)]
    path = {a: f"Root/Workloads/Unit-{i % units:02d}" for i, a in enumerate(accounts)}
    denied = {a for a in accounts if path[a].endswith("Unit-00")}
    resources: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for i, a in enumerate(accounts):
        if a in denied:
            continue
        for j, prot in enumerate((True, i % 3 != 0)):
            r = resource("DynamoDB", a, EU, f"t-{i}-{j}", prot, "ok" if prot else "no selection", (), {})
            resources.append(r)
            if not prot:
                findings.append(finding("BKP-002", a, EU, "No backup selection selects it.", arn_=r["arn"]))
    return EvaluationResult(
        as_of=base.as_of,
        collected_at=base.collected_at,
        tool_version=base.tool_version,
        organization=base.organization,
        accounts=tuple(
            {
                "id": a,
                "name": f"acct-{a[-4:]}",
                "status": "ACTIVE",
                "regions": [EU],
                "ou_path": path[a],
                "ou_id": f"ou-test-{path[a][-2:]}",
                "ou_ids": ["r-test", "ou-test-work", f"ou-test-{path[a][-2:]}"],
            }
            for a in accounts
        ),
        coverage=tuple(
            Coverage(a, None, "not_audited", reasons=("sts.AssumeRole: AccessDenied",))
            if a in denied
            else Coverage(a, EU, "audited")
            for a in accounts
        ),
        findings=tuple(findings),
        resources=tuple(resources),
        plans=(),
        summary={},
        errors=(),
    )
