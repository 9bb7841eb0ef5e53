"""What AWS Backup backed up in the job window, for the findings that call a resource unprotected
(BKP-001, BKP-002, BKP-017): such a finding never leaves out that AWS Backup did back it up, and
when (issue 13: a disagreement never changes a verdict, but it is never hidden either)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.protection.evidence import Evidence, EvidenceRows, backed_up, backed_up_text, evidence_rows
from auditor.rules.base import RuleContext


@dataclass(frozen=True)
class BackedUp:
    """Resource ARN -> its latest backup in the window, and the plans' names."""

    latest: Mapping[str, Evidence]
    plan_names: dict[str, str]

    def note(self, arn: str) -> tuple[str, dict[str, Any] | None]:
        """The sentence to add to a finding's message and its ``details.backed_up_in_window``
        (``("", None)`` when the resource has no backup in the window)."""
        e = self.latest.get(arn)
        if e is None:
            return "", None
        sentence = (
            f" AWS Backup did back it up in the job window: {backed_up_text(e, self.plan_names)}"
            " (see BKP-091)."
        )
        detail = {**e.to_json(), "plan_id": e.plan_id or None, "plan_name": self.plan_names.get(e.plan_id)}
        return sentence, detail


def backed_up_in_window(ctx: RuleContext) -> BackedUp:
    """Built once per run (BKP-001, BKP-002 and BKP-017 share it)."""
    return ctx.shared("backed-up-in-window", lambda: _backed_up(ctx))


def _backed_up(ctx: RuleContext) -> BackedUp:
    plans = ctx.inventory.plans
    names = {str(p): str(n) for p, n in zip(plans["plan_id"], plans["plan_name"], strict=True)}
    window = ctx.settings.job_window_days
    return BackedUp(backed_up(ctx.inventory, ctx.as_of, window, window_evidence(ctx)), names)


def window_evidence(ctx: RuleContext) -> EvidenceRows:
    """The jobs and recovery points of the job window, read once per run (the rules above and
    BKP-091 share them)."""
    return ctx.shared(
        "evidence-in-window", lambda: evidence_rows(ctx.inventory, ctx.as_of, ctx.settings.job_window_days)
    )
