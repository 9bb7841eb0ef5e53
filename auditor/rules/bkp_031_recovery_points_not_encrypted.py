"""BKP-031: a resource has recovery points that are not encrypted (Audit Manager control)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import RECOVERY_POINTS_OPS, maybe_str, where
from auditor.rules._controls import in_scope, points_by_resource, scope_details
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, limited
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"


@register
class RecoveryPointsNotEncrypted(Rule):
    """A resource has recovery points that are not encrypted.

    What it does
        Reports each resource that has at least one recovery point whose ``IsEncrypted`` is false
        in ``ListRecoveryPointsByBackupVault``, with the number of such recovery points and their
        ARNs. It is AWS Backup Audit Manager's control "Recovery points are encrypted"
        (``BACKUP_RECOVERY_POINT_ENCRYPTED``, no parameters), judged from the evidence bundle for
        every audited account and Region at once. The ``[controls.BKP-031]`` table of
        ``backup-auditor.toml`` narrows it to resource types, one tag or resource ARNs
        (``resource-types``, ``tag-key`` / ``tag-value``, ``resource-arns``) or turns it off
        (``enabled = false``).

    Why it matters
        An unencrypted recovery point can be read by whoever can copy or share it; most
        frameworks ask that backups be encrypted at rest. Recovery points of resources that AWS
        Backup does not fully manage take the encryption of their source (an unencrypted EBS
        volume gives unencrypted snapshots).

    Example
        An unencrypted EBS volume backed up daily: its snapshots are not encrypted. Fail fixture:
        one recovery point with ``IsEncrypted`` false. Pass fixture: the same point encrypted.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RecoveryPointByBackupVault.html
    """

    metadata = RuleMetadata(
        id="BKP-031",
        title="Resource has recovery points that are not encrypted",
        severity=Severity.HIGH,
        rationale=(
            "Unencrypted recovery points expose the backed-up data to whoever can copy, share or "
            "restore them; frameworks ask for encryption of backups at rest."
        ),
        remediation=Remediation(
            console=(
                "Encrypt the source (for EBS, create an encrypted copy of the volume or enable EBS "
                "encryption by default) so that new recovery points are encrypted.",
                "Copy the existing recovery points into a vault with a KMS key (AWS Backup console, "
                "Backup vaults, the recovery point, Actions, Copy), then delete the unencrypted ones.",
            ),
            cli="aws backup start-copy-job --recovery-point-arn <RECOVERY_POINT_ARN> "
            "--source-backup-vault-name <VAULT_NAME> --destination-backup-vault-arn <ENCRYPTED_VAULT_ARN> "
            "--iam-role-arn <ROLE_ARN>",
        ),
        doc_url=DOC,
        controls=("BACKUP_RECOVERY_POINT_ENCRYPTED", "backup-recovery-point-encrypted", "Backup.1"),
    )
    requires = RECOVERY_POINTS_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_031
        if not control.enabled:
            return
        rps = ctx.inventory.recovery_points
        plain = ctx.only_collected(rps[~rps["is_encrypted"].astype(bool)], self.requires)
        plain = in_scope(ctx, control, plain[plain["resource_arn"].notna()])
        if plain.empty:
            return
        limit = ctx.settings.max_listed_arns
        for (account_id, region, arn), group in points_by_resource(
            plain, ["vault_name", "recovery_point_arn"]
        ):
            rtype = maybe_str(group[0]["resource_type"])
            vaults = sorted({str(r["vault_name"]) for r in group})
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                resource_arn=str(arn),
                resource_type=rtype,
                message=(
                    f"{rtype or 'Resource'} {arn} ({where(account_id, region)}) has {len(group)} "
                    f"recovery point(s) that are not encrypted (vault(s) {', '.join(vaults)})."
                ),
                details={
                    "unencrypted_count": len(group),
                    "vault_names": vaults,
                    "recovery_point_arns": limited((str(r["recovery_point_arn"]) for r in group), limit),
                    **scope_details(control),
                },
            )
