"""BKP-011: Aurora cluster backed up by a plan rule whose retention is not shorter than its
automated backup retention (vault snapshots billed)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import PLAN_OP, SELECTION_OPS, flag, group_records, records, to_float, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class AuroraVaultRetentionNotShorter(Rule):
    """Aurora vault snapshots billed: plan retention not shorter than automated retention.

    What it does
        For every Aurora cluster that a selection effectively protects, compares the retention of
        each rule of that selection's plan (``Lifecycle.DeleteAfterDays``; none means kept forever)
        with the cluster's automated backup retention (``BackupRetentionPeriod``). Reports the
        cluster when one or more plan rules keep snapshots at least as long as the automated
        backups. Clusters whose automated retention is unknown are not judged.

    Why it matters
        AWS does not charge for Aurora snapshots in a backup vault only while the cluster's
        automated backup retention is longer than the snapshots' retention. A plan keeping
        snapshots 35 days for a cluster with 7-day automated retention pays for every snapshot.

    Example
        Plan ``monthly`` keeps recovery points 365 days; the cluster keeps automated backups 7
        days. Fail fixture: exactly that. Pass fixture: the plan rule keeps them 3 days.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html
    """

    metadata = RuleMetadata(
        id="BKP-011",
        title="Aurora vault snapshots billed: plan retention not shorter than automated retention",
        severity=Severity.MEDIUM,
        rationale=(
            "Aurora snapshots in a vault are free only while the cluster's automated backup retention "
            "is longer than theirs; otherwise they are billed as backup storage."
        ),
        remediation=Remediation(
            console=(
                "Decide whether the long retention is needed; if it is, the cost is expected.",
                "Otherwise open the Amazon RDS console, choose the cluster, Modify, and raise the "
                "backup retention period above the plan's retention (at most 35 days), or",
                "open the AWS Backup plan, edit the rule and shorten its retention below the cluster's.",
            ),
            cli="aws rds modify-db-cluster --db-cluster-identifier <CLUSTER_ID> "
            "--backup-retention-period <DAYS> --apply-immediately",
        ),
        doc_url=DOC,
    )
    requires = (*SELECTION_OPS, PLAN_OP, "rds.DescribeDBClusters")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        resources = ctx.inventory.resources
        clusters = resources[
            (resources["resource_type"] == "Aurora") & resources["backup_retention_days"].notna()
        ][["arn", "backup_retention_days"]]
        matches = ctx.protection.matches
        effective = ctx.only_collected(
            matches[flag(matches["effective"]) & matches["arn"].isin(clusters["arn"])], self.requires
        )
        if effective.empty:
            return
        keys = ["account_id", "region", "plan_id"]
        rules = ctx.inventory.plan_rules
        pairs = (
            effective[["arn", *keys, "selection_name"]]
            .merge(rules[[*keys, "plan_name", "rule_name", "delete_after_days"]], on=keys, how="inner")
            .merge(clusters, on="arn", how="inner")
        )
        dad = pairs["delete_after_days"].astype("float64")
        bad = pairs[dad.isna() | (dad >= pairs["backup_retention_days"].astype("float64"))]
        bad = bad.drop_duplicates(["arn", "plan_id", "rule_name"]).sort_values(
            ["arn", "plan_name", "rule_name"]
        )
        rows = records(
            bad,
            [
                "arn",
                "account_id",
                "region",
                "plan_id",
                "plan_name",
                "rule_name",
                "delete_after_days",
                "backup_retention_days",
            ],
        )
        for arn, group in group_records(rows, "arn").items():
            first = group[0]
            retention = to_float(first["backup_retention_days"])
            plan_rules = [
                {
                    "plan_id": str(r["plan_id"]),
                    "plan_name": str(r["plan_name"]),
                    "rule_name": str(r["rule_name"]),
                    "delete_after_days": None
                    if math.isnan(to_float(r["delete_after_days"]))
                    else to_float(r["delete_after_days"]),
                }
                for r in group
            ]
            rule_texts = [
                f"plan `{r['plan_name']}` rule `{r['rule_name']}` keeps "
                + ("forever" if r["delete_after_days"] is None else f"{r['delete_after_days']:g} days")
                for r in plan_rules
            ]
            yield self.finding(
                account_id=str(first["account_id"]),
                region=str(first["region"]),
                resource_arn=str(arn),
                resource_type="Aurora",
                message=(
                    f"Aurora cluster {arn} ({where(first['account_id'], first['region'])}) keeps automated "
                    f"backups {retention:g} days, but {'; '.join(rule_texts)}: those vault snapshots are "
                    "billed. Shorten the plan retention below the cluster's, or raise the cluster's "
                    "automated retention, if the cost is not intended."
                ),
                details={"automated_retention_days": retention, "plan_rules": plan_rules},
            )
