"""BKP-035: a protected resource's newest completed recovery point is older than required."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from auditor.controls import Control, RecoveryPointAgeParams
from auditor.model.results import Finding, Severity
from auditor.protection.resolver import VIA_INSTANCE
from auditor.rules._common import PLAN_OP, RECOVERY_POINTS_OPS, SELECTION_OPS, flag, maybe_str, records, where
from auditor.rules._controls import (
    RID,
    KeyLookup,
    match_ids,
    scope_details,
    verdict_ids,
    verdict_row_ids,
)
from auditor.rules._copies import judged
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"
KEYS = ["account_id", "region", "arn"]


@register
class LastRecoveryPointTooOld(Rule):
    """A protected resource has no recent enough completed recovery point.

    What it does
        Reports each resource that a backup plan protects whose newest ``COMPLETED`` recovery
        point in its own account and Region was created longer ago than the allowed age (default
        1 day), or that has none while the oldest plan protecting it was created longer ago than
        that (a plan created since has not had its chance yet). It is AWS Backup Audit Manager's
        control "Last recovery point was created" (``BACKUP_LAST_RECOVERY_POINT_CREATED``). An EBS
        volume backed up with its EC2 instance counts the instance's recovery points. Parameters
        in ``backup-auditor.toml``::

            [controls.BKP-035]
            max-age-hours = 24           # or max-age-days (hours 1-744, days 1-31)
            resource-types = ["RDS", "EBS"]   # scope (or tag-key / tag-value / resource-arns)

    Why it matters
        Being in a plan is not being backed up: a schedule that never ran, jobs that keep failing
        or a vault that rejects writes leave a resource with no restore point inside its recovery
        point objective.

    Example
        An EFS file system selected by a daily plan created 100 days ago. Fail fixture: its newest
        completed recovery point is 3 days old, and a DynamoDB table has none. Pass fixture: one
        12 hours old, and the table's plan selection belongs to a plan created an hour ago.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/config/latest/developerguide/efs-last-backup-recovery-point-created.html
    """

    metadata = RuleMetadata(
        id="BKP-035",
        title="Protected resource has no recovery point within the allowed age",
        severity=Severity.HIGH,
        rationale=(
            "A resource in a backup plan without a recent completed recovery point cannot be "
            "restored within the recovery point objective."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Jobs and look for the resource's failed or "
                "missing backup jobs; fix their cause (role, vault, opt-in, schedule).",
                "Choose Protected resources, the resource, then Create on-demand backup.",
            ),
            cli="aws backup start-backup-job --backup-vault-name <VAULT_NAME> --resource-arn <RESOURCE_ARN> "
            "--iam-role-arn <ROLE_ARN>",
        ),
        doc_url=DOC,
        controls=(
            "BACKUP_LAST_RECOVERY_POINT_CREATED",
            "aurora-last-backup-recovery-point-created",
            "dynamodb-last-backup-recovery-point-created",
            "ec2-last-backup-recovery-point-created",
            "rds-last-backup-recovery-point-created",
            "s3-last-backup-recovery-point-created",
        ),
    )
    requires = (*RECOVERY_POINTS_OPS, *SELECTION_OPS, PLAN_OP)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_035
        if not control.enabled:
            return
        # the protected resources in collected account-Regions and in scope (the copy controls'
        # frame, built once per run for the same account-Regions and scope)
        protected = judged(ctx, control, self.requires)
        if protected.empty:
            return
        limit = pd.Timedelta(hours=control.params.max_age.hours)
        cutoff = pd.Timestamp(ctx.as_of) - limit
        table = self._ages(ctx, self._not_fresh(ctx, protected[[*KEYS, "resource_type"]], cutoff))
        stale = table["newest"].lt(cutoff).fillna(False) | (
            table["newest"].isna() & ~table["plan_created"].ge(cutoff).fillna(False)
        )
        rows = table[stale.astype(bool)].sort_values(KEYS)
        # Ages computed column-wise: the same float as Timedelta.total_seconds() row by row.
        newest = rows["newest"]
        if not pd.api.types.is_datetime64_any_dtype(newest):
            newest = pd.to_datetime(newest, utc=True)  # all missing: an object column of NaN
        age_seconds = (pd.Timestamp(ctx.as_of) - newest).dt.total_seconds().tolist()
        for row, seconds in zip(records(rows), age_seconds, strict=True):
            yield self._finding(row, None if math.isnan(seconds) else round(seconds / 3600, 2), control)

    @staticmethod
    def _not_fresh(ctx: RuleContext, protected: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
        """The ``protected`` rows without a completed recovery point of their own or of their
        backup parent created at ``cutoff`` or later: the only ones that can be stale, so
        :meth:`_ages` reads only their matches and recovery points (all rows when creation dates
        are not timestamps). Rows carry their ``rid``."""
        protected = protected.assign(**{RID: verdict_row_ids(ctx, protected)})
        rps = ctx.inventory.recovery_points
        created = rps["creation_date"]
        if not pd.api.types.is_datetime64_any_dtype(created) or protected.empty:
            return protected
        wanted = ((rps["status"] == "COMPLETED") & created.ge(cutoff).fillna(False).astype(bool)).to_numpy()
        recent = rps.loc[wanted, ["account_id", "region", "resource_arn"]]
        if recent.empty:
            return protected
        # Own recovery points: the protected keys have verdicts, so a key is among the recent
        # points' exactly when its id is among theirs.
        fresh_ids = verdict_ids(ctx, recent, "resource_arn")
        m = ctx.protection.matches
        through = (flag(m["effective"]) & (m["via"] == VIA_INSTANCE)).to_numpy()
        via = m.loc[through, ["account_id", "region", "arn", "through_arn"]].assign(
            **{RID: match_ids(ctx)[through]}
        )
        # A parent's key (its instance may have no verdict) compared as strings, for the rows
        # whose parent ARN has a recent point only.
        via = via[via["through_arn"].isin(recent["resource_arn"])]
        near = recent[recent["resource_arn"].isin(via["through_arn"])]
        fresh_via = via[_joined(via, "through_arn").isin(_joined(near, "resource_arn")).to_numpy()]
        ids = protected[RID].to_numpy()
        fresh = np.isin(ids, fresh_ids[fresh_ids >= 0]) | np.isin(ids, fresh_via[RID].to_numpy())
        return protected[~fresh]

    @staticmethod
    def _ages(ctx: RuleContext, protected: pd.DataFrame) -> pd.DataFrame:
        """Per protected resource (with its ``rid``): its newest completed recovery point (its own
        or its backup parent's) and the creation of the oldest plan that protects it."""
        every = ctx.protection.matches
        effective = flag(every["effective"]).to_numpy()
        every_ids = match_ids(ctx)[effective]
        every = every.loc[effective, [*KEYS, "plan_id", "via", "through_arn"]]
        mine = np.isin(every_ids, protected[RID].to_numpy())
        m = every[mine]
        src = m["arn"].where(m["via"] != VIA_INSTANCE, m["through_arn"])
        pairs = pd.concat(
            [protected[KEYS].assign(src=protected["arn"]), m[KEYS].assign(src=src)], ignore_index=True
        ).drop_duplicates()
        rps = ctx.inventory.recovery_points
        wanted = ((rps["status"] == "COMPLETED") & rps["resource_arn"].isin(pairs["src"])).to_numpy()
        done = rps.loc[wanted, ["account_id", "region", "resource_arn", "creation_date"]]
        done = done[_joined(done, "resource_arn").isin(_joined(pairs, "src")).to_numpy()]
        latest = done.groupby(["account_id", "region", "resource_arn"], sort=False)["creation_date"].max()
        newest = latest.rename("newest").reset_index().rename(columns={"resource_arn": "src"})
        per_resource = pairs.merge(newest, on=["account_id", "region", "src"], how="left")
        per_resource = per_resource.groupby(KEYS, sort=False)["newest"].max().reset_index()
        oldest = _oldest_plans(ctx, every, every_ids)
        oldest = oldest[oldest[RID].isin(protected[RID])]
        return protected.merge(per_resource, on=KEYS, how="left").merge(oldest, on=RID, how="left")

    def _finding(
        self, row: dict[str, Any], age_hours: float | None, control: Control[RecoveryPointAgeParams]
    ) -> Finding:
        account_id, region, arn = str(row["account_id"]), str(row["region"]), str(row["arn"])
        rtype = maybe_str(row["resource_type"])
        allowed = control.params.max_age
        newest = row["newest"]
        plan_name = maybe_str(row["plan_name"])
        plan = f"plan {row['plan_name']}" if plan_name else "its plan"
        if age_hours is None:
            what = (
                f"has no completed recovery point, while {plan} protecting it is older than {allowed.text()}"
            )
        else:
            what = (
                f"has its newest completed recovery point {age_hours:g} hours old (allowed: {allowed.text()})"
            )
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=arn,
            resource_type=rtype,
            message=f"{rtype or 'Resource'} {arn} ({where(account_id, region)}) {what}.",
            details={
                "max_age_hours": allowed.hours,
                "newest_recovery_point": None if age_hours is None else newest,
                "age_hours": age_hours,
                "oldest_protecting_plan": plan_name,
                "plan_created": None if pd.isna(row["plan_created"]) else row["plan_created"],
                **scope_details(control),
            },
        )


def _oldest_plans(ctx: RuleContext, every: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """``rid, plan_name, plan_created``: per resource of the effective matches ``every`` (with
    their ids), the protecting plan first in creation order. Sorted over every match, as among
    plans created at the same time the oldest is the first of an unstable sort of them all: the
    same creation dates in the same order give the same order."""
    plans = ctx.inventory.plans[["account_id", "region", "plan_id", "plan_name", "creation_date"]]
    lookup = KeyLookup.of(plans, "plan_id")
    if not lookup.unique:  # a plan key twice: the join's rows, as many as it makes
        by_plan = every[[*KEYS, "plan_id"]].merge(plans, on=["account_id", "region", "plan_id"], how="left")
        by_plan = by_plan.assign(**{RID: verdict_ids(ctx, by_plan)})
    else:
        # -1 (a plan ListBackupPlans does not list, maybe none at all): no name, no creation date
        at = lookup.ids(every, "plan_id")
        names = plans["plan_name"].array.take(at, allow_fill=True)
        created = plans["creation_date"].array.take(at, allow_fill=True)
        by_plan = pd.DataFrame({RID: ids, "plan_name": names, "creation_date": created})
    oldest = by_plan.sort_values("creation_date").drop_duplicates(RID)
    return oldest.rename(columns={"creation_date": "plan_created"})[[RID, "plan_name", "plan_created"]]


def _joined(frame: pd.DataFrame, arn_column: str) -> pd.Series:
    """Each row's account, Region and ``arn_column`` as one string (one-to-one: neither an account
    id nor a Region holds ``|``, and the ARN comes last), compared and hashed once per row."""
    parts = [frame[c].astype("object") for c in ("account_id", "region", arn_column)]
    return parts[0] + "|" + parts[1] + "|" + parts[2]
