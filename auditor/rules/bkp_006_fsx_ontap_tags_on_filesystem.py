"""BKP-006: an FSx for ONTAP volume left out because the selection's tags are on its file system."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import (
    SELECTION_OPS,
    flag,
    group_records,
    lookup,
    maybe_str,
    records,
    selection_label,
    selection_refs,
    tri,
    where,
)
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class FsxOntapTagsOnFileSystem(Rule):
    """FSx for ONTAP volume missed: the selection's tags are on its file system.

    What it does
        Reports every FSx for NetApp ONTAP volume that a tag-based selection would pick if the
        volume carried the tags of its file system. AWS Backup reads tags from the volumes, not
        from the file system, when it selects ONTAP resources by tag.

    Why it matters
        Tagging the file system looks like it covers its volumes, but no volume is backed up.

    Example
        File system ``fs-0abc`` tagged ``backup=daily``, its volume ``fsvol-0123`` untagged, and a
        selection on ``backup=daily``. Fail fixture: exactly that. Pass fixture: the tag copied to
        the volume.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
    """

    metadata = RuleMetadata(
        id="BKP-006",
        title="FSx for ONTAP volume missed: selection tags are on the file system, not the volume",
        severity=Severity.MEDIUM,
        rationale=(
            "For FSx for NetApp ONTAP, tag-based selection reads the volumes' tags; tags on the "
            "file system select none of its volumes."
        ),
        remediation=Remediation(
            console=(
                "Open the Amazon FSx console and choose Volumes.",
                "Open the volume named in the finding and choose Tags, then Manage tags.",
                "Add the tag the backup selection expects and choose Save.",
            ),
            cli="aws fsx tag-resource --resource-arn <VOLUME_ARN> --tags Key=<TAG_KEY>,Value=<TAG_VALUE>",
        ),
        doc_url=DOC,
    )
    requires = (*SELECTION_OPS, "fsx.DescribeFileSystems", "fsx.DescribeVolumes")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        matches = ctx.protection.matches
        missed = ctx.only_collected(matches[flag(matches["fsx_tags_on_filesystem"])], self.requires)
        if missed.empty:
            return
        protected_of = lookup(ctx.protection.verdicts, missed["arn"], "protected")
        parent_of = lookup(ctx.inventory.resources, missed["arn"], "parent_arn")
        missed = missed.assign(label=selection_label(missed), ref=selection_refs(missed))
        rows = records(
            missed.sort_values("arn"), ["arn", "account_id", "region", "resource_type", "label", "ref"]
        )
        for arn, group in group_records(rows, "arn").items():
            first = group[0]
            parent = maybe_str(parent_of.get(arn))
            protected = tri(protected_of.get(arn))
            still = (
                " Another selection still protects it." if protected else " No other selection protects it."
            )
            yield self.finding(
                account_id=str(first["account_id"]),
                region=str(first["region"]),
                resource_arn=str(arn),
                resource_type=str(first["resource_type"]),
                message=(
                    f"FSx for ONTAP volume {arn} ({where(first['account_id'], first['region'])}) is left "
                    f"out of {'; '.join(r['label'] for r in group)}: the selection's tags are on its file "
                    f"system {parent or '(unknown)'} but AWS Backup reads ONTAP volume tags.{still} Copy the "
                    "tags to the volume."
                ),
                details={
                    "file_system_arn": parent,
                    "selections": [r["ref"] for r in group],
                    "protected": protected,
                },
            )
