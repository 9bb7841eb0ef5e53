"""BKP-002: a supported resource that no selection protects."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.frameworks import PROTECTED_BY_PLAN
from auditor.model.results import Finding, Severity
from auditor.rules._backed_up import backed_up_in_window
from auditor.rules._common import SELECTION_OPS, flag, maybe_str, where
from auditor.rules._own_backup import unprotected_split
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html"


@register
class UnprotectedResource(Rule):
    """Resource not protected by any backup selection.

    What it does
        Reports every resource of a type AWS Backup supports that no backup selection of its
        account and Region effectively protects, as AWS Backup decides it: ARN patterns,
        ``NotResources``, ``ListOfTags``, ``Conditions``, empty selections and the service opt-in.
        Resources already reported because the opt-in blocks their selection (BKP-001) or because
        AWS Backup cannot protect them at all (BKP-007, BKP-008) are not reported again; an FSx
        for ONTAP volume missed because the tags are on its file system is reported here and by
        BKP-006, which says why (``details.see_also``). An EBS volume attached to an EC2 instance
        that AWS Backup protects is not reported: AWS Backup snapshots every attached volume into
        the instance's recovery point (AWS Backup guide, "Amazon EBS multi-volume,
        crash-consistent backups"); one attached to an unprotected instance is reported, and the
        message says its instance is not protected either. Resources
        of an account-Region whose plans, selections or Region settings could not be read are not
        judged (BKP-090 reports them), nor are attached volumes whose instance could not be judged.
        A resource whose own service backs it up outside AWS Backup (RDS automated backups,
        DynamoDB point-in-time recovery, a Data Lifecycle Manager policy ...) is reported by
        BKP-017 instead; where that signal could not be read (a bundle older than version 3) the
        resource stays here and ``details.own_backup_not_collected`` names the operations missing.
        A resource that AWS Backup nevertheless backed up in the job window (a completed backup
        job or recovery point, by a plan or on demand) is still reported, since the prediction
        decides the verdict, but the message says when and by which plan
        (``details.backed_up_in_window``), and BKP-091 reports the disagreement with the plan.

    Why it matters
        A resource outside every selection has no AWS Backup recovery point: it cannot be restored
        from AWS Backup after deletion, corruption or ransomware.

    Example
        An EBS volume tagged ``backup=no`` while the only selection picks ``backup=yes``.
        Fail fixture: one EFS file system and a plan whose only selection names another ARN, and
        an EC2 instance nothing selects with an attached EBS volume (instance and volume both
        reported). Pass fixture: the same plan selecting the file system and the instance by ARN;
        the attached volume, selected by nothing, is protected with its instance.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/multi-volume-crash-consistent.html
    """

    metadata = RuleMetadata(
        id="BKP-002",
        title="Resource not protected by any backup selection",
        severity=Severity.HIGH,
        rationale="No selection of its account and Region backs it up, so AWS Backup holds no copy of it.",
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the resource's account and Region and choose Backup plans.",
                "Open the plan that should protect the resource and choose Assign resources.",
                "Select the resource by ID, by resource type or by a tag it carries, and choose Assign resources.",
            ),
            cli="aws backup create-backup-selection --backup-plan-id <PLAN_ID> --backup-selection "
            '\'{"SelectionName":"<NAME>","IamRoleArn":"<BACKUP_ROLE_ARN>","Resources":["<RESOURCE_ARN>"]}\'',
        ),
        doc_url=DOC,
        controls=PROTECTED_BY_PLAN,
    )
    requires = SELECTION_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        unprotected, own_backup_split = unprotected_split(ctx)
        if unprotected.empty:
            return
        # A resource its own service backs up is BKP-017's (protected outside AWS Backup).
        unprotected = unprotected[~unprotected["arn"].isin(own_backup_split.found)]
        matches = ctx.protection.matches
        fsx_tags = set(matches.loc[flag(matches["fsx_tags_on_filesystem"]), "arn"])
        backups = backed_up_in_window(ctx)
        for row in unprotected.itertuples(index=False):
            reason = maybe_str(row.reason) or "no selection of its account and Region selects it"
            details: dict[str, object] = {"reason": reason}
            if row.arn in fsx_tags:
                details["see_also"] = "BKP-006"
            unread = own_backup_split.not_collected.get(str(row.arn))
            note = ""
            if unread:
                details["own_backup_not_collected"] = list(unread)
                note = (
                    f" Whether its own service backs it up outside AWS Backup was not read "
                    f"({', '.join(unread)} not collected)."
                )
            backed, backup = backups.note(str(row.arn))
            if backup is not None:
                details["backed_up_in_window"] = backup
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.arn),
                resource_type=str(row.resource_type),
                message=(
                    f"{row.resource_type} {row.arn} ({where(row.account_id, row.region)}) is not protected "
                    f"by any backup selection: {reason}. Assign it to a backup plan in that account and "
                    f"Region (by ARN, resource type or a tag it carries).{note}{backed}"
                ),
                details=details,
            )
