"""BKP-037: a protected resource has no copy in another account; cross-account backup disabled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from auditor.controls import Control, CrossAccountParams
from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, records, where
from auditor.rules._controls import scope_details
from auditor.rules._copies import (
    COPY_JOBS_OP,
    CROSS_ACCOUNT_FLAG,
    GLOBAL_SETTINGS_OP,
    KEYS,
    PROTECTION_OPS,
    Destination,
    FailedJob,
    completed_points,
    copy_actions,
    evidence,
    failed_latest,
    judged,
    judged_copy_jobs,
    judged_sources,
    key_mask,
    planned,
    unread,
)
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"

NO_COPY = "no copy to another account"
NOT_ARRIVED = "copy never arrived"
JOB_FAILED = "latest cross-account copy job failed"
UNKNOWN = "destination not audited"


@register
class NoCrossAccountCopy(Rule):
    """A protected resource has no copy in another account, or cross-account backup is disabled.

    What it does
        Judges from evidence, not configuration: a resource a backup plan protects passes when a
        ``COMPLETED`` recovery point of it (or of the EC2 instance or stack it is backed up
        through) exists in a vault of another account of the organization (one of the allowed
        accounts, when they are given) in this bundle (copy recovery points keep their
        source's ``ResourceArn``), and its latest copy job to another account in the job window
        did not fail. A plan rule whose ``CopyActions`` name another account is not enough on
        its own. Otherwise the resource is reported, with the cause: no plan rule copies it to
        another account; the plan copies it but no recovery point arrived in the destination
        vault; or the latest cross-account copy job ``FAILED``. When a destination named by a
        protecting plan rule lies in an account or Region this audit could not read, the
        resource is reported as **unknown** (``details.result``), never as compliant.

        At organization level, it reports the calling (management) account's AWS Backup global
        setting ``isCrossAccountBackupEnabled`` when it is ``false`` (``DescribeGlobalSettings``):
        copies to other accounts then fail. It is AWS Backup Audit Manager's control "Resources
        are protected by cross-account copy" (``BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT``,
        parameter ``crossAccountList``, up to 5 accounts). Parameters in
        ``backup-auditor.toml``::

            [controls.BKP-037]
            destination-accounts = ["222222222222"]   # default: any other account of the organization
            tag-key = "dr"               # scope (or resource-types / tag-value / resource-arns)

        A bundle written before copy jobs and global settings were collected (version 1 or 2)
        leaves this rule "not evaluated: evidence not collected" (``summary.rules_not_evaluated``).

    Why it matters
        Recovery points in the source account go with it when that account is compromised: an
        attacker with its credentials can delete backups and vaults alike. A copy in another
        account survives, but only if it really arrived.

    Example
        An EFS file system whose plan copies to a vault of the backup account. Fail fixture: a
        second file system whose plan copies to the backup account where no copy arrived, one
        with no copy action, one copying to an account the audit could not read (unknown), and
        cross-account backup disabled. Pass fixture: the copy is in the backup account's vault.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeGlobalSettings.html
    """

    metadata = RuleMetadata(
        id="BKP-037",
        title="Protected resource has no copy in another account",
        severity=Severity.MEDIUM,
        rationale=(
            "Recovery points kept only in their source account are lost with that account; a "
            "copy that really arrived in another account survives its compromise."
        ),
        remediation=Remediation(
            console=(
                "In the management account, open the AWS Backup console, choose Settings and turn on "
                "Cross-account backup.",
                "Edit the rule of the plan protecting the resource: under Copy to destination, choose "
                "Copy to another account's vault and give that vault's ARN; its access policy must "
                "allow backup:CopyIntoBackupVault from this account.",
                "After the next backup, check Jobs, Copy jobs, and the destination vault for the copy.",
            ),
            cli="aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true",
        ),
        controls=("BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",),
        doc_url=DOC,
    )
    requires = (*PROTECTION_OPS, COPY_JOBS_OP)
    reads_organization = (GLOBAL_SETTINGS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_037
        if not control.enabled:
            return
        yield from self._organization(ctx)
        protected = judged(ctx, control, self.requires)
        if protected.empty:
            return
        allowed = control.params.destination_accounts
        src = judged_sources(ctx, control, self.requires)
        found = evidence(src, completed_points(ctx), ["dest_account"])
        jobs = judged_copy_jobs(ctx, control, self.requires)
        failed = failed_latest(jobs[_elsewhere(jobs, allowed)])
        bad = protected[key_mask(protected, failed) | ~key_mask(protected, found[_elsewhere(found, allowed)])]
        actions = copy_actions(ctx, bad)
        destinations = planned(actions[_elsewhere(actions, allowed)])
        for row in records(bad.sort_values(KEYS)):
            key = (str(row["account_id"]), str(row["region"]), str(row["arn"]))
            dests = destinations.get(key, [])
            job = failed.get(key)
            cause = (
                JOB_FAILED
                if job is not None
                else (NO_COPY if not dests else UNKNOWN if unread(ctx, dests) else NOT_ARRIVED)
            )
            yield self._finding(ctx, row, control, cause, dests, job)

    def _finding(
        self,
        ctx: RuleContext,
        row: dict[str, Any],
        control: Control[CrossAccountParams],
        cause: str,
        dests: list[Destination],
        job: FailedJob | None,
    ) -> Finding:
        account_id, region, arn = str(row["account_id"]), str(row["region"]), str(row["arn"])
        rtype = maybe_str(row["resource_type"])
        vaults = sorted({d.vault_arn for d in dests})
        not_read = unread(ctx, dests)
        accounts = control.params.destination_accounts
        to = (
            "one of the accounts " + ", ".join(accounts)
            if accounts
            else "another account of the organization"
        )
        what = {
            NO_COPY: f"no recovery point of it exists in {to}, and no plan rule protecting it copies it there",
            NOT_ARRIVED: (
                f"its plan copies it to {', '.join(vaults)}, but no completed recovery point of it is "
                "in that vault: the copy never arrived"
            ),
            JOB_FAILED: (
                f"its latest copy job to another account FAILED (job {job.job_id if job else '-'}: "
                f"{(job.status_message if job else None) or 'no status message'})"
            ),
            UNKNOWN: (
                f"UNKNOWN, not compliant: its plan copies it to {', '.join(vaults)}, in "
                f"{', '.join(not_read)}, which this audit could not read, and no copy was seen elsewhere"
            ),
        }[cause]
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=arn,
            resource_type=rtype,
            message=f"{rtype or 'Resource'} {arn} ({where(account_id, region)}): {what}.",
            details={
                "result": "unknown" if cause == UNKNOWN else "non-compliant",
                "cause": cause,
                "copy_destinations": vaults,
                "destinations_not_audited": not_read,
                "destination_accounts": list(accounts) or "any other account of the organization",
                "latest_copy_job": None if job is None else job.job_id,
                **scope_details(control),
            },
        )

    def _organization(self, ctx: RuleContext) -> Iterator[Finding]:
        """``isCrossAccountBackupEnabled`` false in the calling (management) account."""
        settings = ctx.inventory.global_settings
        off = settings[
            (settings["setting"] == CROSS_ACCOUNT_FLAG) & (settings["value"].str.lower() == "false")
        ]
        for row in records(off):
            account_id = maybe_str(row["account_id"])
            yield self.finding(
                account_id=account_id,
                region=None,
                message=(
                    f"Cross-account backup is turned off for the organization "
                    f"({'management account ' + account_id if account_id else 'calling account'}: "
                    f"AWS Backup global setting {CROSS_ACCOUNT_FLAG} is false): copy jobs to other "
                    "accounts fail until it is turned on."
                ),
                details={
                    "result": "non-compliant",
                    "cause": "cross-account backup disabled",
                    "setting": CROSS_ACCOUNT_FLAG,
                },
            )


def _elsewhere(frame: pd.DataFrame, allowed: tuple[str, ...]) -> pd.Series:
    """Rows whose destination account is another one than the source's (and allowed, if given).

    Without a list every other account counts: a copy can only be *seen* in an account of this
    bundle (the organization's accounts it set out to audit), and a plan naming an account the
    bundle does not hold leaves the resource unknown rather than non-compliant."""
    other = frame["dest_account"].notna() & (frame["dest_account"] != frame["account_id"])
    return other & frame["dest_account"].isin(allowed) if allowed else other
