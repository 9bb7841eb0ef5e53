"""BKP-001: a selected resource that AWS Backup skips because its type's opt-in is off."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.frameworks import PROTECTED_BY_PLAN
from auditor.model.results import Finding, Severity
from auditor.protection.resolver import THROUGH_PARENT_VIAS
from auditor.protection.via import ALWAYS_NEED_OPT_IN
from auditor.rules._backed_up import backed_up_in_window
from auditor.rules._common import (
    SELECTION_OPS,
    flag,
    group_records,
    lookup,
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
class OptInBlocksSelection(Rule):
    """Selected resource skipped because its service opt-in is off.

    What it does
        Reports every resource that a backup selection selects but that AWS Backup will not back up
        through that selection, because the resource type's service opt-in
        (``ResourceTypeOptInPreference``) is off in the resource's Region. Aurora, Neptune and
        DocumentDB need their opt-in however they are selected (even by exact ARN); every other type
        needs it when it is selected only by tags or conditions, by a service-wide ARN pattern such
        as ``arn:aws:ec2:*``, by ``*``, or by an empty selection.
        A resource AWS Backup backed up in the job window anyway says so, with when and by which
        plan (``details.backed_up_in_window``; BKP-091 reports the disagreement).

    Why it matters
        The plan looks right in the console and in every tool that only reads selections, yet no
        recovery point is ever created through it. When another selection still protects the
        resource the finding says so (that plan's schedule and retention are not applied).
        An EBS volume whose own selection is skipped but that AWS Backup backs up with the EC2
        instance it is attached to (its verdict is protected ``via`` ``instance``) is not reported:
        its data is in every recovery point of the instance, so nothing is skipped in effect (the
        instance's schedule and retention apply, which the verdict's reason says). The same holds
        for a resource of a protected CloudFormation stack (``via`` ``stack``): the stack's
        composite recovery point holds a nested recovery point of it. BKP-004 still counts both
        among the selected-but-skipped resources of their Region.

    Example
        Plan ``daily`` assigns ``arn:aws:rds:eu-west-1:111122223333:cluster:orders`` (an Aurora
        cluster) by ARN while the Aurora opt-in of eu-west-1 is off: the cluster is never backed up.
        Fail fixture: an Aurora cluster selected by exact ARN with the Aurora opt-in off. Pass
        fixture: the same with the Aurora opt-in on.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html
    """

    metadata = RuleMetadata(
        id="BKP-001",
        title="Selected resource skipped: its service opt-in is off in the Region",
        severity=Severity.HIGH,
        rationale=(
            "AWS Backup applies the Region's service opt-in to tag-only, service-wide, '*' and empty "
            "selections, and to Aurora, Neptune and DocumentDB always; the selection silently backs "
            "up nothing."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the resource's Region and choose Settings.",
                "Under Service opt-in choose Configure resources.",
                "Turn on the resource type named in the finding and choose Confirm.",
            ),
            cli="aws backup update-region-settings --region <REGION> "
            "--resource-type-opt-in-preference <RESOURCE_TYPE>=true",
        ),
        doc_url=DOC,
        controls=PROTECTED_BY_PLAN,
    )
    requires = SELECTION_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        matches = ctx.protection.matches
        blocked = ctx.only_collected(matches[flag(matches["blocked_by"], "opt-in")], self.requires)
        with_parent = matches.loc[
            matches["via"].isin(THROUGH_PARENT_VIAS) & flag(matches["effective"]), "arn"
        ]
        blocked = blocked[~blocked["arn"].isin(with_parent)]
        if blocked.empty:
            return
        protected_of = lookup(ctx.protection.verdicts, blocked["arn"], "protected")
        blocked = blocked.assign(label=selection_label(blocked), ref=selection_refs(blocked)).sort_values(
            "arn"
        )
        rows = records(blocked, ["arn", "account_id", "region", "resource_type", "label", "ref"])
        backups = backed_up_in_window(ctx)
        for arn, group in group_records(rows, "arn").items():
            row = group[0]
            protected = tri(protected_of.get(arn))
            rtype = str(row["resource_type"])
            fix = f"turn on the {rtype} opt-in in {row['region']} (AWS Backup > Settings > Service opt-in)"
            if rtype not in ALWAYS_NEED_OPT_IN:
                fix += " or select it by a resource-type ARN pattern"
            also = (
                " Another selection still backs it up, but not on this plan's schedule and retention."
                if protected is True
                else ""
            )
            backed, backup = backups.note(str(arn))
            details: dict[str, object] = {
                "selections": [r["ref"] for r in group],
                "opt_in": False,
                "protected_by_another_selection": protected is True,
            }
            if backup is not None:
                details["backed_up_in_window"] = backup
            yield self.finding(
                account_id=str(row["account_id"]),
                region=str(row["region"]),
                resource_arn=str(arn),
                resource_type=rtype,
                message=(
                    f"{rtype} {arn} ({where(row['account_id'], row['region'])}) is selected by "
                    f"{'; '.join(r['label'] for r in group)} but AWS Backup skips it there because the {rtype} "
                    f"opt-in is off in {row['region']}.{also} To fix: {fix}.{backed}"
                ),
                details=details,
            )
