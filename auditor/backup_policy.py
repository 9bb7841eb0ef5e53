"""AWS Organizations effective backup policies, read into frozen dataclasses, and what they ask of
one account-region.

An effective backup policy (``organizations.DescribeEffectivePolicy``, type ``BACKUP_POLICY``) is
a JSON document whose top key is ``plans``; each plan key is the name of the AWS Backup plan the
policy deploys ("This backup plan key name in a backup policy maps to the value of the
``BackupPlanName`` key in an AWS Backup plan", AWS Organizations guide, "Backup policy syntax and
examples": https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html).
Its values are strings (``"delete_after_days": "35"``) and its inheritance operators are already
applied; a value still wrapped in ``{"@@assign": ...}`` is read as its assigned value, because
AWS's own example of an effective policy on that page keeps ``target_backup_vault_arn`` of copy
actions wrapped that way (a reading, ``docs/semantics-review.md``). Other ``@@`` keys (child
control operators) are ignored.

:func:`parse_effective_policy` reads one document or raises :class:`PolicyError` naming the
account and the key path (``plans.daily.rules.r1.lifecycle.delete_after_days``) and what was
wrong: a malformed policy is one clear message, never a ``KeyError``.

:func:`same_schedule` compares two schedule expressions by when they run (``cron(0 5 ? * * *)``
and ``cron(0 5 * * ? *)`` are the same schedule), with :mod:`auditor.schedule`'s parser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from auditor.schedule import HORIZON_YEARS, ScheduleError, parse_cron, parse_rate

SYNTAX_URL = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html"
)

#: Policy condition operators -> the AWS Backup ``Conditions`` member they map to.
CONDITION_OPERATORS: Mapping[str, str] = {
    "string_equals": "StringEquals",
    "string_not_equals": "StringNotEquals",
    "string_like": "StringLike",
    "string_not_like": "StringNotLike",
}


class PolicyError(ValueError):
    """An effective backup policy that cannot be read: names the account and the key."""

    def __init__(self, account_id: str, key: str, problem: str) -> None:
        self.account_id = account_id
        self.key = key
        self.problem = problem
        super().__init__(f"account {account_id}: effective backup policy, key '{key}': {problem}")


@dataclass(frozen=True)
class PolicyLifecycle:
    delete_after_days: int | None = None
    move_to_cold_storage_after_days: int | None = None
    opt_in_to_archive: bool | None = None


@dataclass(frozen=True)
class PolicyCopyAction:
    key: str
    """The copy action's key in the policy (a vault ARN)."""
    target_vault_arn: str
    """``target_backup_vault_arn`` (or, when absent, the key in lower case, as AWS does), with
    ``$account`` / ``$region`` not yet substituted."""
    lifecycle: PolicyLifecycle


@dataclass(frozen=True)
class PolicyRule:
    name: str
    schedule: str | None
    target_vault: str | None
    start_window_minutes: int | None = None
    completion_window_minutes: int | None = None
    continuous_backup: bool | None = None
    lifecycle: PolicyLifecycle = PolicyLifecycle()
    copy_actions: tuple[PolicyCopyAction, ...] = ()


@dataclass(frozen=True)
class PolicyCondition:
    operator: str
    """``StringEquals`` / ``StringNotEquals`` / ``StringLike`` / ``StringNotLike``."""
    key: str
    value: str


@dataclass(frozen=True)
class PolicySelection:
    kind: str
    """``tags`` or ``resources`` (the key it sits under in ``selections``)."""
    name: str
    iam_role_arn: str | None
    tag_key: str | None = None
    tag_values: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    not_resource_types: tuple[str, ...] = ()
    conditions: tuple[PolicyCondition, ...] = ()


@dataclass(frozen=True)
class PolicyPlan:
    name: str
    """The plan key: the ``BackupPlanName`` of the plan the policy deploys."""
    regions: tuple[str, ...]
    rules: tuple[PolicyRule, ...]
    selections: tuple[PolicySelection, ...]


@dataclass(frozen=True)
class EffectivePolicy:
    account_id: str
    plans: tuple[PolicyPlan, ...]


# -- reading ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self, account_id: str) -> None:
        self.account_id = account_id

    def fail(self, key: str, problem: str) -> PolicyError:
        return PolicyError(self.account_id, key, problem)

    def value(self, node: Any, key: str) -> Any:
        """``node`` without an ``@@assign`` wrapper."""
        if isinstance(node, Mapping) and "@@assign" in node:
            others = [k for k in node if k != "@@assign" and not str(k).startswith("@@")]
            if others:
                raise self.fail(key, f"'@@assign' next to other keys: {', '.join(map(str, others))}")
            return node["@@assign"]
        return node

    def obj(self, node: Any, key: str) -> dict[str, Any]:
        node = self.value(node, key)
        if node is None:
            return {}
        if not isinstance(node, Mapping):
            raise self.fail(key, f"must be an object, found {type(node).__name__}")
        return {str(k): v for k, v in node.items() if not str(k).startswith("@@")}

    def text(self, node: Any, key: str) -> str | None:
        node = self.value(node, key)
        if node is None:
            return None
        if not isinstance(node, str) or not node.strip():
            raise self.fail(key, f"must be a non-empty string, found {node!r:.60}")
        return node

    def texts(self, node: Any, key: str) -> tuple[str, ...]:
        node = self.value(node, key)
        if node is None:
            return ()
        if isinstance(node, str):
            return (node,)
        if not isinstance(node, list) or not all(isinstance(v, str) for v in node):
            raise self.fail(key, f"must be a list of strings, found {node!r:.60}")
        return tuple(node)

    def whole(self, node: Any, key: str) -> int | None:
        node = self.value(node, key)
        if node is None:
            return None
        if isinstance(node, bool):
            raise self.fail(key, f"must be a whole number, found {node!r}")
        if isinstance(node, int):
            return node
        if isinstance(node, str) and re.fullmatch(r"\s*\d+\s*", node):
            return int(node)
        raise self.fail(key, f"must be a whole number (a string of digits), found {node!r:.60}")

    def flag(self, node: Any, key: str) -> bool | None:
        node = self.value(node, key)
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, str) and node.strip().lower() in ("true", "false"):
            return node.strip().lower() == "true"
        raise self.fail(key, f"must be true or false, found {node!r:.60}")

    # -- policy parts

    def lifecycle(self, node: Any, key: str) -> PolicyLifecycle:
        life = self.obj(node, key)
        return PolicyLifecycle(
            delete_after_days=self.whole(life.get("delete_after_days"), f"{key}.delete_after_days"),
            move_to_cold_storage_after_days=self.whole(
                life.get("move_to_cold_storage_after_days"), f"{key}.move_to_cold_storage_after_days"
            ),
            opt_in_to_archive=self.flag(
                life.get("opt_in_to_archive_for_supported_resources"),
                f"{key}.opt_in_to_archive_for_supported_resources",
            ),
        )

    def rule(self, name: str, node: Any, key: str) -> PolicyRule:
        body = self.obj(node, key)
        copies: list[PolicyCopyAction] = []
        for ck, cnode in self.obj(body.get("copy_actions"), f"{key}.copy_actions").items():
            cw = f"{key}.copy_actions.{ck}"
            cbody = self.obj(cnode, cw)
            target = self.text(cbody.get("target_backup_vault_arn"), f"{cw}.target_backup_vault_arn")
            copies.append(
                PolicyCopyAction(
                    key=ck,
                    target_vault_arn=target or ck.lower(),
                    lifecycle=self.lifecycle(cbody.get("lifecycle"), f"{cw}.lifecycle"),
                )
            )
        return PolicyRule(
            name=name,
            schedule=self.text(body.get("schedule_expression"), f"{key}.schedule_expression"),
            target_vault=self.text(body.get("target_backup_vault_name"), f"{key}.target_backup_vault_name"),
            start_window_minutes=self.whole(
                body.get("start_backup_window_minutes"), f"{key}.start_backup_window_minutes"
            ),
            completion_window_minutes=self.whole(
                body.get("complete_backup_window_minutes"), f"{key}.complete_backup_window_minutes"
            ),
            continuous_backup=self.flag(
                body.get("enable_continuous_backup"), f"{key}.enable_continuous_backup"
            ),
            lifecycle=self.lifecycle(body.get("lifecycle"), f"{key}.lifecycle"),
            copy_actions=tuple(copies),
        )

    def conditions(self, node: Any, key: str) -> tuple[PolicyCondition, ...]:
        out: list[PolicyCondition] = []
        for op, group in self.obj(node, key).items():
            if op not in CONDITION_OPERATORS:
                raise self.fail(f"{key}.{op}", f"not one of {', '.join(CONDITION_OPERATORS)}")
            for cname, cond in self.obj(group, f"{key}.{op}").items():
                ck = f"{key}.{op}.{cname}"
                body = self.obj(cond, ck)
                ckey = self.text(body.get("condition_key"), f"{ck}.condition_key")
                cvalue = self.text(body.get("condition_value"), f"{ck}.condition_value")
                if ckey is None or cvalue is None:
                    raise self.fail(ck, "needs condition_key and condition_value")
                out.append(PolicyCondition(CONDITION_OPERATORS[op], ckey, cvalue))
        return tuple(out)

    def selections(self, node: Any, key: str) -> tuple[PolicySelection, ...]:
        out: list[PolicySelection] = []
        for kind, group in self.obj(node, key).items():
            if kind not in ("tags", "resources"):
                raise self.fail(f"{key}.{kind}", "a selection is under 'tags' or 'resources'")
            for name, sel in self.obj(group, f"{key}.{kind}").items():
                sk = f"{key}.{kind}.{name}"
                body = self.obj(sel, sk)
                out.append(
                    PolicySelection(
                        kind=kind,
                        name=name,
                        iam_role_arn=self.text(body.get("iam_role_arn"), f"{sk}.iam_role_arn"),
                        tag_key=self.text(body.get("tag_key"), f"{sk}.tag_key"),
                        tag_values=self.texts(body.get("tag_value"), f"{sk}.tag_value"),
                        resource_types=self.texts(body.get("resource_types"), f"{sk}.resource_types"),
                        not_resource_types=self.texts(
                            body.get("not_resource_types"), f"{sk}.not_resource_types"
                        ),
                        conditions=self.conditions(body.get("conditions"), f"{sk}.conditions"),
                    )
                )
        return tuple(out)

    def plan(self, name: str, node: Any) -> PolicyPlan:
        key = f"plans.{name}"
        body = self.obj(node, key)
        rules = self.obj(body.get("rules"), f"{key}.rules")
        return PolicyPlan(
            name=name,
            regions=self.texts(body.get("regions"), f"{key}.regions"),
            rules=tuple(self.rule(rn, rv, f"{key}.rules.{rn}") for rn, rv in rules.items()),
            selections=self.selections(body.get("selections"), f"{key}.selections"),
        )


def parse_effective_policy(account_id: str, document: Mapping[str, Any]) -> EffectivePolicy:
    """The plans of one account's effective backup policy, or :class:`PolicyError`."""
    reader = _Reader(account_id)
    plans = reader.obj(document.get("plans"), "plans")
    return EffectivePolicy(account_id, tuple(reader.plan(name, body) for name, body in plans.items()))


# -- what a policy asks of one account-region ------------------------------------------------


def substitute(text: str, account_id: str, region: str) -> str:
    """``$account`` and ``$region`` replaced by the account-region's own (AWS Organizations guide,
    "Backup policy syntax and examples": AWS Backup replaces ``$account`` with the account the
    effective policy runs in)."""
    return text.replace("$account", account_id).replace("$region", region)


_VAULT_ARN = re.compile(r"^arn:[^:]+:backup:([^:]*):([^:]*):(?:backup-vault|vault):(.+)$")


def vault_arn_parts(arn: str) -> tuple[str, str, str] | None:
    """``(region, account, vault name)`` of a backup vault ARN (``backup-vault:`` or, as in some
    of AWS's policy examples, ``vault:``), or None."""
    m = _VAULT_ARN.match(arn)
    return (m.group(1), m.group(2), m.group(3)) if m else None


# -- schedules -------------------------------------------------------------------------------


def _normal(expression: str) -> str:
    return " ".join(expression.split()).upper()


@lru_cache(maxsize=1024)
def same_schedule(a: str | None, b: str | None, from_year: int) -> bool:
    """Whether two schedule expressions run at the same times over the four years from
    ``from_year`` (cron: same minutes, hours, months, years and the same days; rate: the same
    interval). Expressions that do not parse are compared as text (spacing and case aside)."""
    if a is None or b is None:
        return a is b
    if _normal(a) == _normal(b):
        return True
    try:
        if a.strip().startswith("rate(") and b.strip().startswith("rate("):
            return parse_rate(a) == parse_rate(b)
        ca, cb = parse_cron(a), parse_cron(b)
    except ScheduleError:
        return False
    if (ca.minutes, ca.hours, ca.months) != (cb.minutes, cb.hours, cb.months):
        return False
    start = date(from_year, 1, 1)
    days = (date(from_year + HORIZON_YEARS, 1, 1) - start).days
    return all(ca.runs_on(day) == cb.runs_on(day) for day in (start + timedelta(days=n) for n in range(days)))


__all__ = [
    "CONDITION_OPERATORS",
    "SYNTAX_URL",
    "EffectivePolicy",
    "PolicyCondition",
    "PolicyCopyAction",
    "PolicyError",
    "PolicyLifecycle",
    "PolicyPlan",
    "PolicyRule",
    "PolicySelection",
    "parse_effective_policy",
    "same_schedule",
    "substitute",
    "vault_arn_parts",
]
