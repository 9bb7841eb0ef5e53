"""BKP-032: a resource's recovery points are kept shorter than required (Audit Manager control)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import RECOVERY_POINTS_OPS, maybe_str, where
from auditor.rules._controls import days_text, in_scope, points_by_resource, scope_details
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, limited
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"
DAY_SECONDS = 86400.0


@register
class RecoveryPointRetentionShort(Rule):
    """Recovery points of a resource are kept shorter than the required retention.

    What it does
        Reports each resource with recovery points whose retention, the time from their
        ``CreationDate`` to the ``CalculatedLifecycle.DeleteAt`` AWS Backup computed, is shorter
        than the required number of days (default 35, AWS Backup Audit Manager's default for
        "Minimum retention established for recovery point",
        ``BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK``). A recovery point without a
        ``DeleteAt`` is kept until someone deletes it and passes. Parameters in
        ``backup-auditor.toml``::

            [controls.BKP-032]
            retention-days = 90          # whole days, >= 1
            resource-types = ["RDS"]     # scope, as Audit Manager's (or tag-key / resource-arns)

    Why it matters
        Auditors check the retention that recovery points really have, not only what a plan
        says: a lifecycle changed by hand or a copy with its own lifecycle can keep less than the
        policy requires.

    Example
        A plan rule keeping daily EBS snapshots 7 days under a 35-day retention policy. Fail
        fixture: one recovery point deleted 7 days after creation, another kept forever. Pass
        fixture: the first kept 35 days.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/config/latest/developerguide/backup-recovery-point-minimum-retention-check.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CalculatedLifecycle.html
    """

    metadata = RuleMetadata(
        id="BKP-032",
        title="Recovery points are kept shorter than the required retention",
        severity=Severity.MEDIUM,
        rationale=(
            "Recovery points deleted before the required retention leave no restore point for "
            "the period auditors and regulations ask for."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup plans and edit the rule that created "
                "the recovery points: set Retention period to at least the required days.",
                "For existing recovery points, choose Backup vaults, the recovery point, Edit, and "
                "extend its retention.",
            ),
            cli="aws backup update-recovery-point-lifecycle --backup-vault-name <VAULT_NAME> "
            "--recovery-point-arn <RECOVERY_POINT_ARN> --lifecycle DeleteAfterDays=<DAYS>",
        ),
        doc_url=DOC,
        controls=(
            "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
            "backup-recovery-point-minimum-retention-check",
        ),
    )
    requires = RECOVERY_POINTS_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_032
        if not control.enabled:
            return
        required = control.params.retention_days
        rps = ctx.inventory.recovery_points
        kept = (rps["calculated_delete_at"] - rps["creation_date"]).dt.total_seconds() / DAY_SECONDS
        short = rps.assign(retention_days=kept)[kept.lt(required).fillna(False).astype(bool)]
        short = ctx.only_collected(short[short["resource_arn"].notna()], self.requires)
        short = in_scope(ctx, control, short)
        if short.empty:
            return
        limit = ctx.settings.max_listed_arns
        for (account_id, region, arn), group in points_by_resource(
            short, ["recovery_point_arn", "retention_days"]
        ):
            rtype = maybe_str(group[0]["resource_type"])
            shortest = min(float(r["retention_days"]) for r in group)
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                resource_arn=str(arn),
                resource_type=rtype,
                message=(
                    f"{rtype or 'Resource'} {arn} ({where(account_id, region)}) has {len(group)} "
                    f"recovery point(s) kept shorter than the required {days_text(required)} "
                    f"(shortest: {days_text(shortest)})."
                ),
                details={
                    "required_retention_days": required,
                    "shortest_retention_days": round(shortest, 2),
                    "short_count": len(group),
                    "recovery_point_arns": limited((str(r["recovery_point_arn"]) for r in group), limit),
                    **scope_details(control),
                },
            )
