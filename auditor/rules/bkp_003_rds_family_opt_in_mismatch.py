"""BKP-003: RDS, Aurora, Neptune and DocumentDB opt-in values differ in an account-Region."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import RDS_FAMILY, REGION_SETTINGS_OP, group_records, records, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class RdsFamilyOptInMismatch(Rule):
    """RDS, Aurora, Neptune and DocumentDB opt-in settings differ.

    What it does
        Reports each account-Region whose service opt-in values for RDS, Aurora, Neptune and
        DocumentDB are not all the same (some on, some off).

    Why it matters
        The four types share one ARN namespace (``arn:aws:rds:...``). AWS notes that opting in one
        of them opts in all of them when assigning resources to a plan, and recommends opting all
        four in so the settings show what really happens; mixed values make it hard to tell which
        clusters a plan backs up.

    Example
        In eu-west-1 RDS is on and Aurora is off. Fail fixture: exactly that. Pass fixture: all four
        on.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html
    """

    metadata = RuleMetadata(
        id="BKP-003",
        title="RDS, Aurora, Neptune and DocumentDB opt-in settings differ",
        severity=Severity.LOW,
        rationale=(
            "The four types share the RDS ARN namespace; AWS recommends opting them in consistently "
            "so that the Region settings match what AWS Backup does."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the Region and choose Settings.",
                "Under Service opt-in choose Configure resources.",
                "Turn on RDS, Aurora, Neptune and DocumentDB together, then choose Confirm.",
            ),
            cli="aws backup update-region-settings --region <REGION> "
            "--resource-type-opt-in-preference RDS=true,Aurora=true,Neptune=true,DocumentDB=true",
        ),
        doc_url=DOC,
    )
    requires = (REGION_SETTINGS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        opt_in = ctx.only_collected(ctx.inventory.opt_in, self.requires)
        family = opt_in[opt_in["resource_type"].isin(RDS_FAMILY)]
        if family.empty:
            return
        rows = records(family, ["account_id", "region", "resource_type", "enabled"])
        for (account_id, region), group in sorted(group_records(rows, "account_id", "region").items()):
            values = {str(r["resource_type"]): bool(r["enabled"]) for r in group}
            if len(set(values.values())) < 2:
                continue
            on = [t for t in RDS_FAMILY if values.get(t) is True]
            off = [t for t in RDS_FAMILY if values.get(t) is False]
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                message=(
                    f"In {where(account_id, region)} the AWS Backup opt-in is on for {', '.join(on)} "
                    f"and off for {', '.join(off)}. These types share the RDS ARN namespace: opt in "
                    "RDS, Aurora, Neptune and DocumentDB together in that Region."
                ),
                details={"opt_in": values, "not_reported": [t for t in RDS_FAMILY if t not in values]},
            )
