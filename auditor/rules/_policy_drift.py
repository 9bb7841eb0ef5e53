"""How a deployed AWS Backup plan differs from the policy plan it stands for (BKP-041).

Each difference is one :class:`Difference` (``part``, the policy's value, the deployed value), with
``$account`` / ``$region`` of the policy substituted by the account-region's own. Readings (see
``docs/semantics-review.md``): rules and selections are paired by name, ignoring case (AWS's
example of an effective policy shows a rule key lower-cased); a start or completion window the
policy leaves unset is not compared (AWS Backup then applies its own default); continuous backup
unset means off; a ``tags`` selection stands for ``ListOfTags`` entries ``tag_key`` = each
``tag_value`` and a ``resources`` selection for ``Resources`` / ``NotResources``; conditions map
``string_equals`` ... to ``Conditions.StringEquals`` ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.backup_policy import (
    PolicyLifecycle,
    PolicyPlan,
    PolicyRule,
    PolicySelection,
    same_schedule,
    substitute,
)
from auditor.rules._common import maybe_str
from auditor.rules._policies import whole_or_none


@dataclass(frozen=True)
class Difference:
    part: str
    """What differs: ``rule daily: schedule``, ``selection baseline: IAM role`` ..."""
    policy: Any
    deployed: Any

    def to_json(self) -> dict[str, Any]:
        return {"part": self.part, "policy": self.policy, "deployed": self.deployed}

    def text(self) -> str:
        return f"{self.part}: policy {_shown(self.policy)}, deployed {_shown(self.deployed)}"


def _shown(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]" if value else "none"
    return str(value)


@dataclass(frozen=True)
class Scope:
    account_id: str
    region: str
    year: int
    """Schedules are compared over the four years from January 1 of this year."""

    def sub(self, text: str | None) -> str | None:
        return None if text is None else substitute(text, self.account_id, self.region)


def plan_differences(
    plan: PolicyPlan, rules: list[dict[str, Any]], selections: list[dict[str, Any]], scope: Scope
) -> list[Difference]:
    """Every difference between ``plan`` (the policy) and the deployed plan's rows."""
    out: list[Difference] = []
    out += _paired(
        "rule",
        {r.name.lower(): r for r in plan.rules},
        {str(r["rule_name"]).lower(): r for r in rules},
        lambda p, d: _rule_differences(p, d, scope),
    )
    out += _paired(
        "selection",
        {s.name.lower(): s for s in plan.selections},
        {str(s["selection_name"]).lower(): s for s in selections},
        lambda p, d: _selection_differences(p, d, scope),
    )
    return out


def _paired(
    kind: str, policy: dict[str, Any], deployed: dict[str, dict[str, Any]], compare: Any
) -> list[Difference]:
    out: list[Difference] = []
    for name in sorted(policy.keys() | deployed.keys()):
        if name not in deployed:
            out.append(Difference(f"{kind} {policy[name].name}", "present", "missing"))
        elif name not in policy:
            out.append(Difference(f"{kind} {deployed[name][kind + '_name']}", "absent", "present"))
        else:
            out += compare(policy[name], deployed[name])
    return out


def _rule_differences(p: PolicyRule, d: dict[str, Any], scope: Scope) -> list[Difference]:
    label = f"rule {p.name}"
    out: list[Difference] = []
    deployed_schedule = maybe_str(d["schedule"])
    if not same_schedule(p.schedule, deployed_schedule, scope.year):
        out.append(Difference(f"{label}: schedule", p.schedule, deployed_schedule))
    vault = maybe_str(d["target_vault"])
    if p.target_vault != vault:
        out.append(Difference(f"{label}: target vault", p.target_vault, vault))
    out += _lifecycle(
        f"{label}: lifecycle", p.lifecycle, d["delete_after_days"], d["move_to_cold_after_days"]
    )
    for what, wanted, column in (
        ("start window minutes", p.start_window_minutes, "start_window_minutes"),
        ("completion window minutes", p.completion_window_minutes, "completion_window_minutes"),
    ):
        got = whole_or_none(d[column])
        if wanted is not None and wanted != got:
            out.append(Difference(f"{label}: {what}", wanted, got))
    continuous = bool(d["continuous_backup"])
    if bool(p.continuous_backup) != continuous:
        out.append(Difference(f"{label}: continuous backup", bool(p.continuous_backup), continuous))
    out += _copies(label, p, d, scope)
    return out


def _lifecycle(label: str, p: PolicyLifecycle, delete: Any, cold: Any) -> list[Difference]:
    out: list[Difference] = []
    for what, wanted, got in (
        ("delete after days", p.delete_after_days, whole_or_none(delete)),
        ("move to cold storage after days", p.move_to_cold_storage_after_days, whole_or_none(cold)),
    ):
        if wanted != got:
            out.append(Difference(f"{label} {what}", wanted, got))
    return out


def _copies(label: str, p: PolicyRule, d: dict[str, Any], scope: Scope) -> list[Difference]:
    wanted = {str(scope.sub(c.target_vault_arn)): c for c in p.copy_actions}
    got = {str(c.get("destination_vault_arn")): c for c in d["copy_actions"] or ()}
    out: list[Difference] = []
    for arn in sorted(wanted.keys() | got.keys()):
        part = f"{label}: copy to {arn}"
        if arn not in got:
            out.append(Difference(part, "present", "missing"))
        elif arn not in wanted:
            out.append(Difference(part, "absent", "present"))
        else:
            c = got[arn]
            out += _lifecycle(
                f"{part}: lifecycle",
                wanted[arn].lifecycle,
                c.get("delete_after_days"),
                c.get("move_to_cold_after_days"),
            )
    return out


def _selection_differences(p: PolicySelection, d: dict[str, Any], scope: Scope) -> list[Difference]:
    label = f"selection {p.name}"
    out: list[Difference] = []
    role = maybe_str(d["iam_role_arn"])
    if scope.sub(p.iam_role_arn) != role:
        out.append(Difference(f"{label}: IAM role", scope.sub(p.iam_role_arn), role))
    tags = {(p.tag_key, v) for v in p.tag_values} if p.tag_key is not None else set()
    expected: dict[str, set[Any]] = {
        "tags (ListOfTags)": tags,
        "resource types (Resources)": {scope.sub(r) for r in p.resource_types},
        "excluded resource types (NotResources)": {scope.sub(r) for r in p.not_resource_types},
        "conditions": {(c.operator, c.key, c.value) for c in p.conditions},
    }
    deployed: dict[str, set[Any]] = {
        "tags (ListOfTags)": {(k, v) for _, k, v in d["list_of_tags"] or ()},
        "resource types (Resources)": set(d["resources"] or ()),
        "excluded resource types (NotResources)": set(d["not_resources"] or ()),
        "conditions": {tuple(c) for c in d["conditions"] or ()},
    }
    for what in expected:
        if expected[what] != deployed[what]:
            out.append(Difference(f"{label}: {what}", _listed(expected[what]), _listed(deployed[what])))
    return out


def _listed(values: set[Any]) -> list[str]:
    """Sorted texts: a tag pair as ``key=value``, a condition as ``Operator key value``."""
    out = []
    for v in values:
        if isinstance(v, tuple) and len(v) == 2:
            out.append(f"{v[0]}={v[1]}")
        elif isinstance(v, tuple):
            out.append(" ".join(map(str, v)))
        else:
            out.append(str(v))
    return sorted(out)
