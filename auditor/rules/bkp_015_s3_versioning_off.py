"""BKP-015: a selected S3 bucket without versioning enabled, which AWS Backup cannot back up."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import (
    flag,
    group_records,
    lookup,
    maybe_str,
    records,
    selection_label,
    selection_refs,
    where,
)
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html"


@register
class S3VersioningOff(Rule):
    """Selected S3 bucket without versioning: AWS Backup cannot back it up.

    What it does
        Reports every S3 bucket that a backup selection of its account and Region selects while
        versioning on the bucket is suspended or was never enabled (GetBucketVersioning). Such a
        bucket is counted unprotected, whatever the selection.

    Why it matters
        AWS Backup requires versioning on an S3 bucket before it can back it up. A plan that names
        the bucket looks like protection, but its backup jobs fail and no recovery point is made.

    Example
        ``arn:aws:s3:::invoices`` tagged ``backup=daily`` and selected by that tag, with versioning
        ``Suspended``. Fail fixture: versioning never enabled on a bucket selected by ARN. Pass
        fixture: the same bucket with versioning enabled.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
        - https://docs.aws.amazon.com/AmazonS3/latest/userguide/manage-versioning-examples.html
    """

    metadata = RuleMetadata(
        id="BKP-015",
        title="Selected S3 bucket without versioning: AWS Backup cannot back it up",
        severity=Severity.HIGH,
        rationale="AWS Backup needs versioning enabled on an S3 bucket; without it the selection backs nothing up.",
        remediation=Remediation(
            console=(
                "Open the Amazon S3 console and choose the bucket.",
                "On the Properties tab, under Bucket Versioning, choose Edit, select Enable and save.",
                "Add a lifecycle rule that expires noncurrent versions so versioning does not grow "
                "storage without bound (see BKP-016).",
            ),
            cli="aws s3api put-bucket-versioning --bucket <BUCKET> --versioning-configuration Status=Enabled",
        ),
        doc_url=DOC,
    )
    requires = ("s3.ListBuckets", "s3.GetBucketVersioning", "backup.GetBackupSelection")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        verdicts = ctx.protection.verdicts
        matches = ctx.protection.matches
        hits = verdicts[flag(verdicts["unsupported"], "s3-versioning") & verdicts["arn"].isin(matches["arn"])]
        hits = ctx.only_collected(hits, self.requires)
        if hits.empty:
            return
        state_of = lookup(ctx.inventory.resources, hits["arn"], "versioning")
        selected = matches[matches["arn"].isin(hits["arn"])]
        selected = selected.assign(label=selection_label(selected), ref=selection_refs(selected))
        by_arn = group_records(records(selected, ["arn", "label", "ref"]), "arn")
        for row in hits.itertuples(index=False):
            state = maybe_str(state_of.get(row.arn)) or "Disabled"
            group = by_arn.get(row.arn, [])
            said = "suspended" if state == "Suspended" else "never enabled"
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.arn),
                resource_type="S3",
                message=(
                    f"S3 bucket {row.arn} ({where(row.account_id, row.region)}) is selected by "
                    f"{'; '.join(r['label'] for r in group)}, but its versioning is {said}: AWS Backup "
                    "cannot back up a bucket without versioning, so it is not protected. Enable "
                    "versioning on the bucket."
                ),
                details={"versioning": state, "selections": [r["ref"] for r in group]},
            )
