"""BKP-004: a resource type's opt-in is off while resources of that type exist."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.protection.via import ALWAYS_NEED_OPT_IN
from auditor.rules._common import REGION_SETTINGS_OP, flag, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, limited
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html"


@register
class OptInOffWithResources(Rule):
    """Service opt-in off while resources of that type exist.

    What it does
        Reports each account, Region and resource type whose AWS Backup service opt-in is off while
        the inventory holds resources of that type there. The finding counts them and says how many
        are selected by a selection the opt-in blocks (those are also BKP-001 findings).

    Why it matters
        With the opt-in off, AWS Backup ignores these resources in tag-based, service-wide, ``*``
        and empty selections, and ignores Aurora, Neptune and DocumentDB in every selection. An
        account that started using AWS Backup before a type was supported stays opted out of it.

    Example
        Three DynamoDB tables in us-east-1 with the DynamoDB opt-in off. Fail fixture: one EFS file
        system with the EFS opt-in off. Pass fixture: the same with the opt-in on.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
    """

    metadata = RuleMetadata(
        id="BKP-004",
        title="Service opt-in is off while resources of that type exist",
        severity=Severity.MEDIUM,
        rationale=(
            "Tag-based, service-wide and catch-all selections skip resources whose type is not "
            "opted in, and Aurora, Neptune and DocumentDB are skipped however they are selected."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the Region and choose Settings.",
                "Under Service opt-in choose Configure resources.",
                "Turn on the resource type named in the finding and choose Confirm.",
            ),
            cli="aws backup update-region-settings --region <REGION> "
            "--resource-type-opt-in-preference <RESOURCE_TYPE>=true",
        ),
        doc_url=DOC,
    )
    requires = (REGION_SETTINGS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        opt_in = ctx.only_collected(ctx.inventory.opt_in, self.requires)
        off = opt_in[flag(opt_in["enabled"], False)][["account_id", "region", "resource_type"]]
        resources = ctx.inventory.resources
        if off.empty or resources.empty:
            return
        keys = ["account_id", "region", "resource_type"]
        present = resources[[*keys, "arn"]].merge(off, on=keys, how="inner")
        if present.empty:
            return
        matches = ctx.protection.matches
        blocked = set(matches.loc[flag(matches["blocked_by"], "opt-in"), "arn"])
        limit = ctx.settings.max_listed_arns
        for (account_id, region, rtype), group in present.groupby(keys, sort=True):
            arns = group["arn"].astype(str)
            n_blocked = int(arns.isin(blocked).sum())
            scope = (
                "however they are selected"
                if rtype in ALWAYS_NEED_OPT_IN
                else ("when selected by tags, a service-wide pattern, '*' or an empty selection")
            )
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                resource_type=str(rtype),
                message=(
                    f"The AWS Backup opt-in for {rtype} is off in {where(account_id, region)}, where "
                    f"{len(arns)} {rtype} resource(s) exist ({n_blocked} selected but skipped). AWS Backup "
                    f"skips them {scope}. Turn on the {rtype} opt-in in that Region."
                ),
                details={
                    "resource_count": len(arns),
                    "blocked_count": n_blocked,
                    "resource_arns": limited(arns, limit),
                },
            )
