"""BKP-039: a protected resource has no recent recovery point in a logically air-gapped vault."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from auditor.controls import AirGappedParams, Control
from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, records, where
from auditor.rules._controls import RID, scope_details
from auditor.rules._copies import (
    KEYS,
    LAG_VAULT,
    PROTECTION_OPS,
    Destination,
    completed_points,
    copy_actions,
    evidence,
    judged,
    judged_sources,
    planned,
    unread,
)
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"


@register
class NoAirGappedCopy(Rule):
    """A protected resource has no recent recovery point in a logically air-gapped vault.

    What it does
        Reports each resource a backup plan protects that has no ``COMPLETED`` recovery point
        (its own, or of the EC2 instance or stack it is backed up through) newer than the window
        (default 7 days) in a vault whose ``VaultType`` is ``LOGICALLY_AIR_GAPPED_BACKUP_VAULT``
        (``ListBackupVaults``), in any account of this bundle: judged from the recovery points
        found, not from plan configuration. When a copy destination named by a protecting plan
        rule lies in an account or Region this audit could not read, the resource is reported as
        **unknown** (``details.result``), never as compliant. It is AWS Backup Audit Manager's
        control "Resources are in a logically air-gapped vault"
        (``RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT``; age 24-2184 hours or 1-91 days).
        Parameters in ``backup-auditor.toml``::

            [controls.BKP-039]
            max-age-days = 7             # or max-age-hours (24-2184); days 1-91
            resource-types = ["EBS"]     # scope (or tag-key / tag-value / resource-arns)

    Why it matters
        A logically air-gapped vault is locked in compliance mode and can be shared for restore
        from another account: its recovery points survive the loss or compromise of the source
        account. Without a recent one there, a ransomware recovery starts from nothing or from
        stale data.

    Example
        An EBS volume whose plan copies to an air-gapped vault in a backup account. Fail
        fixture: its newest recovery point there is 10 days old, and another volume's copies go
        to a standard vault only. Pass fixture: one copied a day ago.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupVaultListMember.html
    """

    metadata = RuleMetadata(
        id="BKP-039",
        title="Protected resource has no recent recovery point in a logically air-gapped vault",
        severity=Severity.MEDIUM,
        rationale=(
            "Without a recent copy in a logically air-gapped vault, a compromise of the source "
            "account can destroy every restore point the resource has."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console (preferably in a separate backup account), choose Backup "
                "vaults, Create new vault, Logically air-gapped vault, and share it with the source "
                "account through AWS RAM if needed.",
                "Edit the rule of the plan protecting the resource: under Copy to destination, choose "
                "the air-gapped vault's ARN.",
                "After the next backup, check the air-gapped vault for the copy.",
            ),
            cli="aws backup create-logically-air-gapped-backup-vault --backup-vault-name <VAULT_NAME> "
            "--min-retention-days 7 --max-retention-days <DAYS>",
        ),
        controls=(
            "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
            "ebs-resources-in-logically-air-gapped-vault",
            "s3-resources-in-logically-air-gapped-vault",
            "storagegateway-resources-in-logically-air-gapped-vault",
            "virtualmachine-resources-in-logically-air-gapped-vault",
        ),
        doc_url=DOC,
    )
    requires = PROTECTION_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_039
        if not control.enabled:
            return
        protected = judged(ctx, control, self.requires)
        if protected.empty:
            return
        points = completed_points(ctx)
        found = evidence(
            judged_sources(ctx, control, self.requires),
            points[points["vault_type"] == LAG_VAULT],
            ["creation_date"],
        )
        # Per resource id (equal ids: equal account, Region and ARN).
        newest = found.groupby(RID)["creation_date"].max()
        cutoff = pd.Timestamp(ctx.as_of) - pd.Timedelta(hours=control.params.max_age.hours)
        recent = newest.index[(newest >= cutoff).to_numpy()]
        bad = protected[~protected[RID].isin(recent)]
        destinations = planned(copy_actions(ctx, bad))
        stale = newest[newest.index.isin(bad[RID])]
        newest_of = dict(zip(stale.index.tolist(), stale.tolist(), strict=True))
        for row in records(bad.sort_values(KEYS)):
            key = (str(row["account_id"]), str(row["region"]), str(row["arn"]))
            yield self._finding(ctx, row, control, newest_of.get(row[RID]), destinations.get(key, []))

    def _finding(
        self,
        ctx: RuleContext,
        row: dict[str, Any],
        control: Control[AirGappedParams],
        newest: Any,
        dests: list[Destination],
    ) -> Finding:
        account_id, region, arn = str(row["account_id"]), str(row["region"]), str(row["arn"])
        rtype = maybe_str(row["resource_type"])
        vaults = sorted({d.vault_arn for d in dests})
        not_read = unread(ctx, dests)
        window = control.params.max_age.text()
        has_newest = newest is not None and not pd.isna(newest)
        if not_read:
            what = (
                f"UNKNOWN, not compliant: no recovery point of it newer than {window} was seen in a "
                f"logically air-gapped vault, and its plan copies it to {', '.join(vaults)}, in "
                f"{', '.join(not_read)}, which this audit could not read"
            )
        elif has_newest:
            what = f"its newest recovery point in a logically air-gapped vault is from {newest} (window: {window})"
        else:
            what = f"no recovery point of it newer than {window} is in a logically air-gapped vault"
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=arn,
            resource_type=rtype,
            message=f"{rtype or 'Resource'} {arn} ({where(account_id, region)}): {what}.",
            details={
                "result": "unknown" if not_read else "non-compliant",
                "max_age_hours": control.params.max_age.hours,
                "newest_air_gapped_recovery_point": newest if has_newest else None,
                "copy_destinations": vaults,
                "destinations_not_audited": not_read,
                **scope_details(control),
            },
        )
