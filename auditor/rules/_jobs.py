"""Backup jobs inside the configured window (BKP-020, BKP-021)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from auditor.rules._common import JOBS_OP
from auditor.rules.base import RuleContext


def jobs_in_window(ctx: RuleContext) -> pd.DataFrame:
    """Jobs created within ``settings.job_window_days`` before ``as_of`` (and not after it), in
    account-Regions where ``ListBackupJobs`` was collected."""
    jobs = ctx.only_collected(ctx.inventory.jobs, (JOBS_OP,))
    if jobs.empty:
        return jobs
    start = pd.Timestamp(ctx.as_of - timedelta(days=ctx.settings.job_window_days))
    end = pd.Timestamp(ctx.as_of)
    created = pd.to_datetime(jobs["creation_date"], utc=True)
    return jobs[(created >= start) & (created <= end)]
