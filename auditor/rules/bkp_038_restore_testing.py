"""BKP-038: a protected resource no restore testing selection covers, or whose latest restore took
longer than the target."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
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


def _covers(ctx: RuleContext, pairs: pd.DataFrame) -> list[bool]:
    """Per (resource, selection) pair: whether the selection's ARNs (or ``*``) and conditions
    take the resource."""
    res = ctx.inventory.resources
    tags_of = dict(zip(res["arn"].tolist(), res["tags"].tolist(), strict=True))
    out = []
    for arn, arns, conds in zip(pairs["arn"], pairs["resource_arns"], pairs["conditions"], strict=True):
        if arns and "*" not in arns and arn not in arns:
            out.append(False)
        elif conds:
            tags = _tags(tags_of.get(arn))
            out.append(all(condition_holds(op, k, v, tags) for op, k, v in conds))
        else:
            out.append(True)
    return out


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
        wanted = flag(verdicts["protected"]).to_numpy()
        protected = ctx.only_collected(verdicts.loc[wanted, [*KEYS, "resource_type"]], self.requires)
        protected = protected[protected["resource_type"].isin(RESTORE_TESTING_TYPES)]
        protected = in_scope(ctx, control, protected, arn_column="arn")
        if protected.empty:
            return
        protected = protected.reset_index(drop=True)
        passing = self._covering(ctx, protected)
        covered = np.zeros(len(protected), dtype=bool)
        covered[passing["row"].to_numpy(dtype=np.int64)] = True
        slow = self._slow(ctx, control.params)
        if slow:
            keys = zip(protected["account_id"], protected["region"], protected["arn"], strict=True)
            is_slow = np.fromiter(
                ((a, r, arn) in slow for a, r, arn in keys), dtype=bool, count=len(protected)
            )
        else:
            is_slow = np.zeros(len(protected), dtype=bool)
        # Selection names only for the covered resources reported as slow (in pair order).
        named = passing[is_slow[passing["row"].to_numpy(dtype=np.int64)]]
        names_of: dict[int, list[str]] = {}
        for row_no, plan, name in zip(named["row"], named["plan_name"], named["selection_name"], strict=True):
            names_of.setdefault(int(row_no), []).append(f"{plan}/{name}")
        hit = protected[~covered | is_slow].assign(row=np.flatnonzero(~covered | is_slow))
        for row in records(hit.sort_values(KEYS), [*KEYS, "resource_type", "row"]):
            key = (str(row["account_id"]), str(row["region"]), str(row["arn"]))
            names = names_of.get(row["row"], [])
            if not covered[row["row"]]:
                yield self._finding(row, control, None, [])
            elif key in slow:
                yield self._finding(row, control, slow[key], names)

    @staticmethod
    def _covering(ctx: RuleContext, protected: pd.DataFrame) -> pd.DataFrame:
        """The (protected resource, restore testing selection) pairs where the selection covers
        the resource: ``row`` (the resource's position in ``protected``), ``plan_name``,
        ``selection_name``, in ``protected`` order then selection order. Each resource is paired
        with the selections of its account-region and type (one merge); only the pairs of
        selections listing ARNs or with conditions are checked one by one."""
        sels = ctx.inventory.restore_selections
        columns = ["row", "plan_name", "selection_name"]
        if sels.empty:
            return pd.DataFrame(columns=columns)
        on = ["account_id", "region", "resource_type"]
        sels = sels[[*on, "plan_name", "selection_name", "resource_arns", "conditions"]]
        sels = sels.assign(
            any_arn=[not arns or "*" in arns for arns in sels["resource_arns"]],
            any_tags=[not conds for conds in sels["conditions"]],
        )
        pairs = protected[[*on, "arn"]].assign(row=np.arange(len(protected))).merge(sels, on=on, how="inner")
        ok = pairs["any_arn"].to_numpy(dtype=bool) & pairs["any_tags"].to_numpy(dtype=bool)
        check = np.flatnonzero(~ok)
        if len(check):
            ok[check] = _covers(ctx, pairs.iloc[check])
        return pairs.loc[pd.Series(ok, index=pairs.index), columns]

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
