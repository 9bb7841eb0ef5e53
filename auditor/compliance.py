"""Controls of other frameworks judged from one evaluation: compliant, non-compliant or unknown.

For each control of :data:`auditor.frameworks.CATALOGUE` that a registered rule gives evidence
for (its ``RuleMetadata.controls``), :func:`control_statuses` sorts the control's subjects:

* **non-compliant**: a subject (resource ARN, or account / Region for findings without one) of a
  finding of one of the control's rules, when the finding's resource type is one the control
  judges;
* **unknown**: a subject in the control's domain (below) whose verdict is unknown (its account or
  Region could not be read) or whose account-Region lacks an operation one of the rules requires
  (``coverage.missing``): no rule judged it, so it is neither compliant nor not;
* **compliant**: the rest of the domain.

The domain follows the control's :class:`~auditor.frameworks.Subject`: every inventoried resource
of its types (``resource``), the protected ones (``protected``: controls about backups, which a
resource no plan protects does not have), every backup plan (``plan``), or none for ``vault``
(the findings JSON lists no vaults: only non-compliant vaults are counted, ``compliant`` is
``None``). Everything is read from the :class:`~auditor.model.results.EvaluationResult` alone, so
``backup-auditor report`` gives the same counts from a findings JSON as ``evaluate`` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.frameworks import CATALOGUE, Framework, FrameworkControl, Subject
from auditor.model.results import EvaluationResult, Finding
from auditor.rules.registry import rules


def evidence_map() -> dict[str, tuple[str, ...]]:
    """Control id -> ids of the registered rules that give evidence for it (catalogue order)."""
    by_control: dict[str, list[str]] = defaultdict(list)
    for cls in rules:
        for control_id in cls.metadata.controls:
            by_control[control_id].append(cls.metadata.id)
    return {cid: tuple(by_control[cid]) for cid in CATALOGUE if cid in by_control}


def mapped_controls(framework: Framework | None = None) -> list[tuple[FrameworkControl, tuple[str, ...]]]:
    """``(control, rule ids)`` for every control some rule gives evidence for, in catalogue order;
    only ``framework``'s when given."""
    return [
        (CATALOGUE[cid], rule_ids)
        for cid, rule_ids in evidence_map().items()
        if framework is None or CATALOGUE[cid].framework is framework
    ]


def requirements_of(rule_id: str, resource_type: str | None) -> tuple[str, ...]:
    """``Framework label + control id`` of each control a finding of ``rule_id`` about a resource
    of ``resource_type`` is evidence for (ASFF ``Compliance.RelatedRequirements``)."""
    try:
        meta = rules.get(rule_id).metadata
    except KeyError:
        return ()
    return tuple(c.requirement for c in meta.framework_controls if c.applies_to(resource_type))


@dataclass(frozen=True)
class ControlSubject:
    """One subject of a control: what it is, where, and the findings about it."""

    key: str
    """Resource or plan ARN, or ``account/region`` for a finding without a resource."""
    account_id: str | None
    region: str | None
    resource_type: str | None
    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlStatus:
    """One control's subjects, sorted by verdict."""

    control: FrameworkControl
    rule_ids: tuple[str, ...]
    """The rules whose findings are evidence for it."""
    non_compliant: tuple[ControlSubject, ...]
    unknown: int
    compliant: int | None
    """``None`` when the evaluation does not list the control's subjects (vaults)."""

    @property
    def evaluated(self) -> int | None:
        return None if self.compliant is None else self.compliant + len(self.non_compliant)


def subject_key(f: Finding) -> str:
    """What a finding is about: its resource ARN, else ``account/region``."""
    if f.resource_arn:
        return f.resource_arn
    return f"{f.account_id or 'organization'}/{f.region or 'all Regions'}"


def _requires(rule_ids: Sequence[str]) -> tuple[str, ...]:
    ops: list[str] = []
    for rid in rule_ids:
        ops.extend(op for op in rules.get(rid).requires if op not in ops)
    return tuple(ops)


@dataclass(frozen=True)
class _Domain:
    """Subjects of one kind: ``(key, account, region, resource type, verdict unknown)``."""

    rows: tuple[tuple[str, str, str, str | None, bool], ...]


def _domain(result: EvaluationResult, subject: Subject) -> _Domain | None:
    if subject is Subject.VAULT:
        return None
    if subject is Subject.PLAN:
        return _Domain(
            tuple(
                (
                    str(p.get("plan_arn") or p.get("plan_id")),
                    str(p["account_id"]),
                    str(p["region"]),
                    None,
                    False,
                )
                for p in result.plans
            )
        )
    rows = []
    for r in result.resources:
        protected = r.get("protected")
        if subject is Subject.PROTECTED and protected is not True:
            continue
        rtype = r.get("resource_type")
        rows.append(
            (
                str(r["arn"]),
                str(r["account_id"]),
                str(r["region"]),
                None if rtype is None else str(rtype),
                protected is None,
            )
        )
    return _Domain(tuple(rows))


def _missing(result: EvaluationResult) -> Mapping[tuple[str, str], frozenset[str]]:
    return {(c.account_id, c.region or ""): frozenset(c.missing) for c in result.coverage if c.missing}


def control_statuses(result: EvaluationResult) -> tuple[ControlStatus, ...]:
    """Every mapped control's status from ``result`` (catalogue order)."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_rule[f.rule_id].append(f)
    missing = _missing(result)
    domains: dict[Subject, _Domain | None] = {}
    out = []
    for control, rule_ids in mapped_controls():
        if control.subject not in domains:
            domains[control.subject] = _domain(result, control.subject)
        out.append(_status(control, rule_ids, by_rule, domains[control.subject], missing))
    return tuple(out)


def _status(
    control: FrameworkControl,
    rule_ids: tuple[str, ...],
    by_rule: Mapping[str, Sequence[Finding]],
    domain: _Domain | None,
    missing: Mapping[tuple[str, str], frozenset[str]],
) -> ControlStatus:
    bad: dict[str, ControlSubject] = {}
    for rid in rule_ids:
        for f in by_rule.get(rid, ()):
            if not control.applies_to(f.resource_type):
                continue
            key = subject_key(f)
            seen = bad.get(key)
            rids = (
                (*seen.rule_ids, rid)
                if seen and rid not in seen.rule_ids
                else (seen.rule_ids if seen else (rid,))
            )
            bad[key] = ControlSubject(key, f.account_id, f.region, f.resource_type, rids)
    non_compliant = tuple(sorted(bad.values(), key=lambda s: (s.account_id or "", s.region or "", s.key)))
    if domain is None:
        return ControlStatus(control, rule_ids, non_compliant, 0, None)
    needed = frozenset(_requires(rule_ids))
    unknown = compliant = 0
    for key, account, region, rtype, verdict_unknown in domain.rows:
        if key in bad or (rtype is not None and not control.applies_to(rtype)):
            continue
        gap = missing.get((account, region))
        if verdict_unknown or (gap is not None and gap & needed):
            unknown += 1
        else:
            compliant += 1
    return ControlStatus(control, rule_ids, non_compliant, unknown, compliant)


def by_framework(statuses: Iterable[ControlStatus]) -> list[tuple[Framework, list[ControlStatus]]]:
    """``statuses`` grouped by framework, in :class:`Framework` order (empty groups left out)."""
    groups: dict[Framework, list[ControlStatus]] = {f: [] for f in Framework}
    for s in statuses:
        groups[s.control.framework].append(s)
    return [(f, items) for f, items in groups.items() if items]


def statuses_json(statuses: Iterable[ControlStatus]) -> list[dict[str, Any]]:
    """A JSON-ready list (for tests and machine readers)."""
    return [
        {
            **s.control.to_json(),
            "rules": list(s.rule_ids),
            "non_compliant": [x.key for x in s.non_compliant],
            "unknown": s.unknown,
            "compliant": s.compliant,
        }
        for s in statuses
    ]
