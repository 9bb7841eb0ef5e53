"""BKP-013: an EC2 Recycle Bin retention rule in a Region holding AWS Backup EBS/EC2 backups."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import RECOVERY_POINTS_OPS, maybe_str, to_float, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"

# Recycle Bin resource type -> AWS Backup recovery point types whose deleted artefacts it keeps.
_KEPT = {"EBS_SNAPSHOT": ("EBS", "EC2"), "EC2_IMAGE": ("EC2",)}


@register
class RecycleBinRetainsBackups(Rule):
    """Recycle Bin keeps (and bills) deleted AWS Backup snapshots and AMIs.

    What it does
        Reports each EC2 Recycle Bin retention rule (resource type ``EBS_SNAPSHOT`` or
        ``EC2_IMAGE``) in an account-Region whose backup vaults hold AWS Backup recovery points
        made of those artefacts: EBS recovery points are EBS snapshots, EC2 recovery points are
        AMIs with EBS snapshots. Tag-level rules retain only snapshots or AMIs carrying their tags;
        the finding gives the rule's identifier so you can check which.

    Why it matters
        When AWS Backup deletes such a recovery point at the end of its lifecycle, the retention
        rule moves the snapshot or AMI to the Recycle Bin, where it is billed for the rule's
        retention period and is no longer managed by AWS Backup.

    Example
        A Region-level rule keeping every deleted EBS snapshot 365 days, in a Region where daily
        EBS backups are kept 7 days. Fail fixture: an ``EBS_SNAPSHOT`` rule and one EBS recovery
        point. Pass fixture: the same rule, and only EFS recovery points.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/ebs/latest/userguide/recycle-bin-create-rule.html
    """

    metadata = RuleMetadata(
        id="BKP-013",
        title="Recycle Bin rule keeps deleted AWS Backup snapshots or AMIs (billed)",
        severity=Severity.LOW,
        rationale=(
            "EBS snapshots and AMIs that AWS Backup deletes go to the Recycle Bin when a retention "
            "rule matches them, and are billed there outside AWS Backup's management."
        ),
        remediation=Remediation(
            console=(
                "Open the Recycle Bin console in the Region and choose Retention rules.",
                "Open the rule named in the finding and review its resource tags and retention period.",
                "Exclude AWS Backup snapshots (tag-level rule or exclusion tags) or shorten the "
                "retention, and choose Save.",
            ),
            cli="aws rbin update-rule --region <REGION> --identifier <RULE_ID> "
            "--retention-period RetentionPeriodValue=<DAYS>,RetentionPeriodUnit=DAYS",
        ),
        doc_url=DOC,
    )
    requires = (*RECOVERY_POINTS_OPS, "rbin.ListRules")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        rules = ctx.only_collected(ctx.inventory.rbin_rules, self.requires)
        if rules.empty:
            return
        rps = ctx.inventory.recovery_points
        counts = rps.groupby(["account_id", "region", "resource_type"]).size().to_dict()
        for row in rules.itertuples(index=False):
            kept = _KEPT.get(str(row.resource_type), ())
            held = {t: int(counts.get((row.account_id, row.region, t), 0)) for t in kept}
            held = {t: n for t, n in held.items() if n}
            if not held:
                continue
            status = maybe_str(row.status)
            what = " and ".join(f"{n} {t}" for t, n in sorted(held.items()))
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=f"arn:aws:rbin:{row.region}:{row.account_id}:rule/{row.identifier}",
                message=(
                    f"Recycle Bin rule {row.identifier} ({row.resource_type}, retention "
                    f"{to_float(row.retention_days):g} days{f', {status}' if status else ''}) in "
                    f"{where(row.account_id, row.region)} will keep and bill the snapshots/AMIs of "
                    f"AWS Backup recovery points when they are deleted ({what} recovery point(s) there). "
                    "Exclude AWS Backup artefacts from the rule or shorten its retention."
                ),
                details={
                    "rule_identifier": str(row.identifier),
                    "rbin_resource_type": str(row.resource_type),
                    "retention_days": to_float(row.retention_days),
                    "status": status,
                    "lock_state": maybe_str(row.lock_state),
                    "recovery_points": held,
                },
            )
