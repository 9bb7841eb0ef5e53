"""Resource types the run did not evaluate, and why: the honest edge of the protection rate.

Two causes, one record each per AWS Backup resource type:

* ``evidence not collected``: this version inventories the type, but the bundle was written by an
  older collector that never called the operation listing it (an optional operation with ``since``
  above the bundle's version, ``docs/evidence-bundle.md``, "Versions"). Its resources are absent:
  never counted protected, never BKP-090.
* ``evidence not collected`` also names an organization-level control (``effective backup policy
  validation (BKP-043)``, :data:`ORGANIZATION_CONTROLS`) whose optional organization operations the
  bundle's collector never called: the rule judges nothing and says so here, in place of a type.
* ``not inventoried by this version``: ``DescribeRegionSettings`` lists the type (AWS Backup
  supports it in the Region) but no service declaration of this version lists its resources (EKS,
  Aurora DSQL, anything AWS adds later).

Each record counts the account-regions whose region settings list the type and those where its
opt-in is on, so a reader sees whether the type could hold backups at all. The records go in the
findings JSON's ``summary.not_evaluated``, the run summary and the reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from auditor.services import RESOURCE_KINDS, resource_types

if TYPE_CHECKING:  # the summary reads these records without pandas
    from auditor.model.frames import Inventory

NOT_COLLECTED: Final = "evidence not collected"
NOT_INVENTORIED: Final = "not inventoried by this version"


@dataclass(frozen=True)
class NotEvaluated:
    """One resource type the protection rate does not cover."""

    resource_type: str
    why: str
    """:data:`NOT_COLLECTED` or :data:`NOT_INVENTORIED`."""
    operations: tuple[str, ...] = ()
    """The listings the bundle lacks (``evidence not collected`` only)."""
    listed_in: int = 0
    """Account-regions whose ``DescribeRegionSettings`` lists the type."""
    opted_in: int = 0
    """Of those, the account-regions where its opt-in is on."""
    rule_id: str = ""
    """Set for a rule (a control such as BKP-038) that needs an operation the bundle's collector
    never called: the rule judged nothing (``resource_type`` is empty), which is neither passed nor
    BKP-090."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource_type": self.resource_type,
            "why": self.why,
            "operations": list(self.operations),
            "listed_in_account_regions": self.listed_in,
            "opted_in_account_regions": self.opted_in,
        }
        if self.rule_id:
            out["rule_id"] = self.rule_id
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NotEvaluated:
        """From :meth:`to_json` (a findings JSON's ``summary.not_evaluated`` entry)."""
        ops = raw.get("operations")
        return cls(
            resource_type=str(raw.get("resource_type") or ""),
            why=str(raw.get("why") or ""),
            operations=tuple(str(o) for o in ops) if isinstance(ops, list) else (),
            listed_in=_count(raw.get("listed_in_account_regions")),
            opted_in=_count(raw.get("opted_in_account_regions")),
            rule_id=str(raw.get("rule_id") or ""),
        )

    def phrase(self) -> str:
        """``S3 (evidence not collected)``, ``EKS (not inventoried by this version; opted in 2 of 4
        account-regions)``, ``rule BKP-038 (evidence not collected)``."""
        if self.rule_id:
            return f"rule {self.rule_id} ({self.why})"
        opt = f"; opted in {self.opted_in} of {self.listed_in} account-regions" if self.listed_in else ""
        return f"{self.resource_type} ({self.why}{opt})"

    def short(self) -> str:
        """``EKS (opted in 1/2)``: the type and its opt-in over the account-regions listing it;
        ``rule BKP-038`` for a rule."""
        if self.rule_id:
            return f"rule {self.rule_id}"
        return (
            f"{self.resource_type} (opted in {self.opted_in}/{self.listed_in})"
            if self.listed_in
            else self.resource_type
        )


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


#: Organization-level controls judged from optional organization operations, by the label their
#: record carries in place of a resource type, with the operations they read.
ORGANIZATION_CONTROLS: Final[dict[str, tuple[str, ...]]] = {
    "effective backup policy validation (BKP-043)": (
        "organizations.ListAccountsWithInvalidEffectivePolicy",
        "organizations.ListEffectivePolicyValidationErrors",
    ),
}


def not_evaluated(inventory: Inventory) -> tuple[NotEvaluated, ...]:
    """The types of ``inventory`` the run could not evaluate, not-collected ones first, each
    group in a stable order (declaration order, then alphabetical)."""
    listed, opted = _opt_in_counts(inventory)
    missing: dict[str, list[str]] = {}
    for kind in RESOURCE_KINDS:
        if kind.listed_by in inventory.not_collected:
            ops = missing.setdefault(kind.backup_type, [])
            if kind.listed_by not in ops:
                ops.append(kind.listed_by)
    out = [
        NotEvaluated(t, NOT_COLLECTED, tuple(ops), listed.get(t, 0), opted.get(t, 0))
        for t, ops in missing.items()
    ]
    for label, control_ops in ORGANIZATION_CONTROLS.items():
        lacking = tuple(op for op in control_ops if op in inventory.not_collected)
        if lacking:
            out.append(NotEvaluated(label, NOT_COLLECTED, lacking))
    known = set(resource_types())
    out.extend(
        NotEvaluated(t, NOT_INVENTORIED, (), listed[t], opted.get(t, 0))
        for t in sorted(listed)
        if t not in known
    )
    return tuple(out)


def _opt_in_counts(inventory: Inventory) -> tuple[dict[str, int], dict[str, int]]:
    frame = inventory.opt_in
    listed: dict[str, int] = {}
    opted: dict[str, int] = {}
    for resource_type, enabled in zip(frame["resource_type"], frame["enabled"], strict=True):
        t = str(resource_type)
        listed[t] = listed.get(t, 0) + 1
        if bool(enabled):
            opted[t] = opted.get(t, 0) + 1
    return listed, opted


def from_summary(summary: Mapping[str, Any]) -> tuple[NotEvaluated, ...]:
    """The records of a findings JSON's ``summary`` (none in findings written before them)."""
    raw = summary.get("not_evaluated")
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return ()
    return tuple(NotEvaluated.from_json(r) for r in raw if isinstance(r, Mapping))


__all__ = [
    "NOT_COLLECTED",
    "NOT_INVENTORIED",
    "NotEvaluated",
    "from_summary",
    "not_evaluated",
]
