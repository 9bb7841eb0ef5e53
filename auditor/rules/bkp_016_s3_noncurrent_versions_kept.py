"""BKP-016: an S3 bucket AWS Backup backs up, with no lifecycle rule expiring noncurrent versions."""

from __future__ import annotations

import math
from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import flag, lookup, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html"


@register
class S3NoncurrentVersionsKept(Rule):
    """Protected S3 bucket keeps noncurrent versions forever.

    What it does
        Reports every S3 bucket that AWS Backup backs up (verdict protected) whose lifecycle
        configuration has no enabled rule with ``NoncurrentVersionExpiration``, or that has no
        lifecycle configuration at all.

    Why it matters
        AWS Backup needs versioning on the bucket, and with versioning every overwrite or delete
        keeps the previous version. Without a rule expiring noncurrent versions they accumulate
        and are billed in S3 besides the backups; AWS recommends a lifecycle expiration rule for
        them on buckets it backs up.

    Example
        ``arn:aws:s3:::media`` versioned and selected by tag, with a lifecycle rule that only moves
        current objects to Glacier. Fail fixture: a protected bucket without lifecycle
        configuration. Pass fixture: the same bucket with an enabled rule expiring noncurrent
        versions after 30 days.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
        - https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
    """

    metadata = RuleMetadata(
        id="BKP-016",
        title="Protected S3 bucket keeps noncurrent versions forever",
        severity=Severity.LOW,
        rationale="Versioning kept for AWS Backup grows storage without bound unless noncurrent versions expire.",
        remediation=Remediation(
            console=(
                "Open the Amazon S3 console, choose the bucket and open the Management tab.",
                "Choose Create lifecycle rule, apply it to all objects, and select Permanently "
                "delete noncurrent versions of objects.",
                "Set the days after objects become noncurrent (longer than your backup frequency) and save.",
            ),
            cli="aws s3api put-bucket-lifecycle-configuration --bucket <BUCKET> --lifecycle-configuration "
            '\'{"Rules":[{"ID":"expire-noncurrent","Status":"Enabled","Filter":{},'
            '"NoncurrentVersionExpiration":{"NoncurrentDays":<DAYS>}}]}\'',
        ),
        doc_url=DOC,
    )
    requires = ("s3.ListBuckets", "s3.GetBucketLifecycleConfiguration")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        verdicts = ctx.protection.verdicts
        protected = verdicts[flag(verdicts["protected"], True) & (verdicts["resource_type"] == "S3")]
        protected = ctx.only_collected(protected, self.requires)
        if protected.empty:
            return
        days = lookup(ctx.inventory.resources, protected["arn"], "noncurrent_expiration_days")
        for row in protected.itertuples(index=False):
            value = days.get(row.arn)
            if isinstance(value, float) and not math.isnan(value):
                continue
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.arn),
                resource_type="S3",
                message=(
                    f"S3 bucket {row.arn} ({where(row.account_id, row.region)}) is backed up by AWS "
                    "Backup, which needs versioning, but no enabled lifecycle rule expires its "
                    "noncurrent versions: every overwritten or deleted object version is kept and "
                    "billed. Add a NoncurrentVersionExpiration rule."
                ),
                details={"noncurrent_version_expiration": None},
            )
