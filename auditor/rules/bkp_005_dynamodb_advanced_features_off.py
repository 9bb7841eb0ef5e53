"""BKP-005: DynamoDB tables in an account-Region without full AWS Backup management."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import REGION_SETTINGS_OP, flag, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, limited
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html"


@register
class DynamoDbAdvancedFeaturesOff(Rule):
    """Advanced DynamoDB backup (full AWS Backup management) is off.

    What it does
        Reports each account-Region that holds DynamoDB tables while the Region settings'
        ``ResourceTypeManagementPreference`` for ``DynamoDB`` is not enabled (off or not reported),
        that is, AWS Backup's advanced DynamoDB backup features are not turned on.

    Why it matters
        Without advanced features, DynamoDB backups made by AWS Backup cannot be copied to another
        Region or account, cannot move to cold storage and do not carry AWS Backup tags for cost
        allocation and permissions. AWS recommends existing customers turn them on; warm storage
        pricing does not change.

    Example
        An account that adopted AWS Backup before November 2021 and never enabled advanced
        features. Fail fixture: one table with the DynamoDB management preference off. Pass
        fixture: the same with it on.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
    """

    metadata = RuleMetadata(
        id="BKP-005",
        title="DynamoDB tables without AWS Backup advanced features",
        severity=Severity.LOW,
        rationale=(
            "Without full AWS Backup management, DynamoDB backups cannot be copied across Regions or "
            "accounts, tiered to cold storage, or tagged for cost allocation."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the Region and choose Settings.",
                "Under Advanced features for Amazon DynamoDB backups choose Enable.",
            ),
            cli="aws backup update-region-settings --region <REGION> "
            "--resource-type-management-preference DynamoDB=true",
        ),
        doc_url=DOC,
    )
    requires = (REGION_SETTINGS_OP, "dynamodb.ListTables")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        resources = ctx.inventory.resources
        tables = ctx.only_collected(resources[resources["resource_type"] == "DynamoDB"], self.requires)
        if tables.empty:
            return
        mgmt = ctx.inventory.management
        on = mgmt[(mgmt["resource_type"] == "DynamoDB") & flag(mgmt["enabled"])]
        enabled = set(zip(on["account_id"], on["region"], strict=True))
        reported = mgmt[mgmt["resource_type"] == "DynamoDB"]
        known = set(zip(reported["account_id"], reported["region"], strict=True))
        limit = ctx.settings.max_listed_arns
        for (account_id, region), group in tables.groupby(["account_id", "region"], sort=True):
            if (account_id, region) in enabled:
                continue
            state = "off" if (account_id, region) in known else "not reported by DescribeRegionSettings"
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                resource_type="DynamoDB",
                message=(
                    f"{len(group)} DynamoDB table(s) in {where(account_id, region)}, where AWS Backup's "
                    f"advanced DynamoDB backup features are {state}. Enable them in AWS Backup > Settings "
                    "for that Region (cross-Region/account copy, cold storage, cost allocation tags)."
                ),
                details={
                    "management_preference": state,
                    "table_count": len(group),
                    "table_arns": limited(group["arn"].astype(str), limit),
                },
            )
