"""Helpers shared by the organization backup policy rules (BKP-040 ... BKP-043).

What an account's effective backup policy asks of each audited account-region it targets, and which
deployed plan stands for a policy plan there. Reading: the policy's plan key is the deployed plan's
``BackupPlanName`` (AWS Organizations guide, "Backup policy syntax and examples"); among several
plans of that name, one whose ``BackupPlanId`` starts with ``orgs/`` (a form of id AWS's docs do
not describe; ``docs/semantics-review.md``) is taken first, then the oldest id in sort order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auditor.backup_policy import (
    SYNTAX_URL,
    EffectivePolicy,
    PolicyError,
    PolicyPlan,
    parse_effective_policy,
)
from auditor.rules._common import group_records, records
from auditor.rules.base import RuleContext

NAME_READING = (
    "the policy's plan key maps to the deployed plan's BackupPlanName (AWS Organizations guide, "
    f"{SYNTAX_URL})"
)
ORGS_PREFIX = "orgs/"


@dataclass(frozen=True)
class Policies:
    """Every readable effective backup policy of the bundle, and the unreadable ones."""

    by_account: dict[str, EffectivePolicy]
    errors: tuple[PolicyError, ...]


def read_policies(ctx: RuleContext) -> Policies:
    """Parse every account's effective backup policy (errors kept, one per account)."""
    by_account: dict[str, EffectivePolicy] = {}
    errors: list[PolicyError] = []
    frame = ctx.inventory.effective_policies
    for account_id, doc in zip(frame["account_id"].tolist(), frame["policy"].tolist(), strict=True):
        try:
            by_account[str(account_id)] = parse_effective_policy(str(account_id), doc)
        except PolicyError as exc:
            errors.append(exc)
    return Policies(by_account, tuple(sorted(errors, key=lambda e: e.account_id)))


@dataclass(frozen=True)
class Target:
    """One policy plan in one audited account-region it names in ``regions``."""

    account_id: str
    region: str
    plan: PolicyPlan


def targets(ctx: RuleContext, policies: Policies, requires: tuple[str, ...]) -> Iterator[Target]:
    """Every (account, region, policy plan) where the region is in the plan's ``regions`` and the
    account-region was audited with ``requires`` collected, in account, plan, region order."""
    scopes = ctx.collected_scopes(requires)
    audited = (
        set(zip(scopes["account_id"].tolist(), scopes["region"].tolist(), strict=True))
        if len(scopes)
        else set()
    )
    for account_id in sorted(policies.by_account):
        for plan in sorted(policies.by_account[account_id].plans, key=lambda p: p.name):
            for region in sorted(set(plan.regions)):
                if (account_id, region) in audited:
                    yield Target(account_id, region, plan)


@dataclass(frozen=True)
class Deployed:
    """The deployed plan matched to a policy plan, and why it was chosen."""

    plan: dict[str, Any]
    why: str
    others: tuple[str, ...] = ()
    """Ids of other plans of the same name in the account-region (not compared)."""


class DeployedPlans:
    """Plans of the bundle by (account, region, name)."""

    def __init__(self, ctx: RuleContext) -> None:
        plans = records(ctx.inventory.plans)
        self._by_name = group_records(plans, "account_id", "region", "plan_name")
        self._rules = group_records(records(ctx.inventory.plan_rules), "account_id", "region", "plan_id")
        self._selections = group_records(records(ctx.inventory.selections), "account_id", "region", "plan_id")

    def match(self, target: Target) -> Deployed | None:
        found = self._by_name.get((target.account_id, target.region, target.plan.name), [])
        if not found:
            return None
        ordered = sorted(
            found, key=lambda p: (not str(p["plan_id"]).startswith(ORGS_PREFIX), str(p["plan_id"]))
        )
        chosen = ordered[0]
        why = f"BackupPlanName {target.plan.name!r}: {NAME_READING}"
        if str(chosen["plan_id"]).startswith(ORGS_PREFIX):
            why += f"; its BackupPlanId starts with {ORGS_PREFIX!r}, taken before plans of the same name"
        return Deployed(chosen, why, tuple(str(p["plan_id"]) for p in ordered[1:]))

    def rules(self, account_id: str, region: str, plan_id: str) -> list[dict[str, Any]]:
        return self._rules.get((account_id, region, plan_id), [])

    def selections(self, account_id: str, region: str, plan_id: str) -> list[dict[str, Any]]:
        return self._selections.get((account_id, region, plan_id), [])


def plan_arn(plan: dict[str, Any]) -> str:
    """The plan's ARN (built from its id where ``ListBackupPlans`` gave none)."""
    arn = plan.get("plan_arn")
    if isinstance(arn, str) and arn:
        return arn
    return f"arn:aws:backup:{plan['region']}:{plan['account_id']}:backup-plan:{plan['plan_id']}"


def whole_or_none(value: Any) -> int | None:
    """A frame number as an int (NaN / None -> None)."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)
