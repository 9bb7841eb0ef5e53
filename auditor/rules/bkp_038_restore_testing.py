"""BKP-038: a protected resource no restore testing selection covers, or whose latest restore took
longer than the target."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from auditor.controls import Control, RestoreTimeParams
from auditor.model.results import Finding, Severity
from auditor.rules._common import PLAN_OP, SELECTION_OPS, flag, maybe_str, records, where
from auditor.rules._controls import in_scope, scope_details
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import chain

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html"
TESTING_OPS: tuple[str, ...] = chain("backup.GetRestoreTestingSelection")
"""Restore testing plans, their selections and each selection's resources and conditions."""
RESTORE_TIME_OPS: tuple[str, ...] = chain("backup.DescribeProtectedResource")
"""The restore jobs of the window and the latest restore of each resource a restore test restored."""
KEYS = ["account_id", "region", "arn"]
TAG_PREFIX = "aws:ResourceTag/"
RESTORE_TESTING_TYPES: frozenset[str] = frozenset(
    {"Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"}
)
"""The ``ProtectedResourceType`` values restore testing accepts (API_RestoreTestingSelectionForCreate:
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForCreate.html).
A protected resource of another type (Storage Gateway, VirtualMachine, SAP HANA, Timestream,
Redshift, CloudFormation ...) cannot be restore tested, so it is not judged."""


def condition_holds(operator: str, key: str, value: str, tags: Mapping[str, str]) -> bool:
    """One ``ProtectedResourceConditions`` entry on a resource's tags: ``StringEquals`` needs the
    tag with that value; ``StringNotEquals`` needs the tag with another value (AWS: "resources that
    you tagged that do not have the same value": a resource without the tag does not satisfy it,
    as the resolver reads a backup selection's ``StringNotEquals``). A key that is not
    ``aws:ResourceTag/...`` is read as the bare tag key."""
    tag = key[len(TAG_PREFIX) :] if key.startswith(TAG_PREFIX) else key
    found = tags.get(tag)
    if operator == "StringEquals":
        return found == value
    return found is not None and found != value


def _tags(value: object) -> dict[str, str]:
    return value if isinstance(value, dict) else {}


@register
class RestoreTesting(Rule):
    """A protected resource is not in any restore testing selection, or restores too slowly.

    What it does
        Reports each resource of a type restore testing accepts (Aurora, DocumentDB, DynamoDB, EBS,
        EC2, EFS, FSx, Neptune, RDS, S3) that a backup plan protects and that no restore testing
        selection of its account and Region covers: a selection covers a resource of its ``ProtectedResourceType``
        whose ARN it lists in ``ProtectedResourceArns`` (or ``*``) and whose tags meet all of its
        ``ProtectedResourceConditions`` (``StringEquals`` / ``StringNotEquals`` on
        ``aws:ResourceTag/KEY``). With ``max-restore-minutes`` set (unset by default: coverage
        only), it also reports a covered resource whose latest restore took longer
        (``LatestRestoreExecutionTimeMinutes`` of ``DescribeProtectedResource``, read for the
        resources a restore testing plan restored in the job window): AWS Backup Audit Manager's
        control "Restore time for resources meet target" (``RESTORE_TIME_FOR_RESOURCES_MEET_TARGET``).
        Parameters in ``backup-auditor.toml``::

            [controls.BKP-038]
            max-restore-minutes = 120
            resource-types = ["RDS", "EBS"]   # scope (or tag-key / tag-value / resource-arns)

    Why it matters
        A backup nobody ever restored is a hope, not a recovery plan: restore testing shows that
        recovery points can be restored and how long it takes, against the recovery time objective.

    Example
        Two EBS volumes protected by a daily plan and a restore testing selection of EBS volumes
        tagged ``tier=gold``. Fail fixture: one volume is tagged ``tier=silver``, and with a
        120-minute target the other one's latest restore took 180 minutes. Pass fixture: both
        gold, the latest restore 45 minutes.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/config/latest/developerguide/ebs-meets-restore-time-target.html
    """

    metadata = RuleMetadata(
        id="BKP-038",
        title="Protected resource not in restore testing, or restoring slower than the target",
        severity=Severity.LOW,
        rationale=(
            "Without restore tests nobody knows whether the resource's recovery points can be "
            "restored, or how long it takes against the recovery time objective."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Restore testing, and create a restore testing "
                "plan (or open an existing one).",
                "Assign resources: choose the resource type and either the resource or tag "
                "conditions that match it.",
                "For a slow restore, check the restore job's duration and the resource's size and "
                "restore settings.",
            ),
            cli="aws backup create-restore-testing-selection --restore-testing-plan-name <PLAN> "
            "--restore-testing-selection file://selection.json",
        ),
        controls=(
            "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
            "aurora-meets-restore-time-target",
            "ec2-meets-restore-time-target",
            "rds-meets-restore-time-target",
            "s3-meets-restore-time-target",
        ),
        doc_url=DOC,
    )
    requires = (*SELECTION_OPS, PLAN_OP, *TESTING_OPS)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_038
        if not control.enabled:
            return
        verdicts = ctx.protection.verdicts
        protected = ctx.only_collected(verdicts[flag(verdicts["protected"])], self.requires)
        protected = protected[protected["resource_type"].isin(RESTORE_TESTING_TYPES)]
        protected = in_scope(ctx, control, protected, arn_column="arn")
        if protected.empty:
            return
        covering = self._covering(ctx, protected)
        slow = self._slow(ctx, control.params)
        keys = zip(protected["account_id"], protected["region"], protected["arn"], strict=True)
        hit = [(str(a), str(r), str(arn)) not in covering or (a, r, arn) in slow for a, r, arn in keys]
        for row in records(protected[hit].sort_values(KEYS), [*KEYS, "resource_type"]):
            key = (str(row["account_id"]), str(row["region"]), str(row["arn"]))
            names = covering.get(key, [])
            if not names:
                yield self._finding(row, control, None, names)
            elif key in slow:
                yield self._finding(row, control, slow[key], names)

    @staticmethod
    def _covering(ctx: RuleContext, protected: pd.DataFrame) -> dict[tuple[str, str, str], list[str]]:
        """Per protected resource that some restore testing selection covers, those selections
        (``plan/selection``): each resource is paired with the selections of its account-region
        and type (one merge), then each pair's ARNs and conditions are checked."""
        sels = ctx.inventory.restore_selections
        if sels.empty:
            return {}
        on = ["account_id", "region", "resource_type"]
        pairs = protected[[*KEYS, "resource_type"]].merge(
            sels[[*on, "plan_name", "selection_name", "resource_arns", "conditions"]], on=on, how="inner"
        )
        res = ctx.inventory.resources
        tags_of = dict(zip(res["arn"].tolist(), res["tags"].tolist(), strict=True))
        covered: dict[tuple[str, str, str], list[str]] = {}
        for a, r, arn, plan, name, arns, conds in zip(
            pairs["account_id"],
            pairs["region"],
            pairs["arn"],
            pairs["plan_name"],
            pairs["selection_name"],
            pairs["resource_arns"],
            pairs["conditions"],
            strict=True,
        ):
            if arns and "*" not in arns and arn not in arns:
                continue
            if conds:
                tags = _tags(tags_of.get(arn))
                if not all(condition_holds(op, k, v, tags) for op, k, v in conds):
                    continue
            covered.setdefault((str(a), str(r), str(arn)), []).append(f"{plan}/{name}")
        return covered

    @staticmethod
    def _slow(ctx: RuleContext, params: RestoreTimeParams) -> dict[tuple[str, str, str], dict[str, Any]]:
        """Resources whose latest restore took longer than the target (none when no target)."""
        target = params.max_restore_minutes
        if target is None:
            return {}
        pr = ctx.only_collected(ctx.inventory.protected_resources, RESTORE_TIME_OPS)
        pr = pr[pr["described"] & (pr["latest_restore_minutes"] > target)]
        return {
            (str(r["account_id"]), str(r["region"]), str(r["arn"])): r
            for r in records(pr, [*KEYS, "latest_restore_minutes", "latest_restore_job_date"])
        }

    def _finding(
        self,
        row: dict[str, Any],
        control: Control[RestoreTimeParams],
        slow: dict[str, Any] | None,
        selections: list[str],
    ) -> Finding:
        account_id, region, arn = str(row["account_id"]), str(row["region"]), str(row["arn"])
        rtype = maybe_str(row["resource_type"])
        target = control.params.max_restore_minutes
        if slow is None:
            what = "is covered by no restore testing selection"
            minutes = None
        else:
            minutes = float(slow["latest_restore_minutes"])
            what = f"took {minutes:g} minutes in its latest restore (target: {target} minutes)"
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=arn,
            resource_type=rtype,
            message=f"{rtype or 'Resource'} {arn} ({where(account_id, region)}) {what}.",
            details={
                "why": "not covered" if slow is None else "restore too slow",
                "restore_testing_selections": selections,
                "max_restore_minutes": target,
                "latest_restore_minutes": minutes,
                "latest_restore_job_date": None if slow is None else slow["latest_restore_job_date"],
                **scope_details(control),
            },
        )
