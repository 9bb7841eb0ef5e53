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

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

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


class ControlSubject(NamedTuple):
    """One subject of a control: what it is, where, and the findings about it (a named tuple:
    one is built per finding of a mapped rule)."""

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


Cell = tuple[str, str, str | None, bool]
"""``(account, region, resource type, verdict unknown)``: subjects are counted per cell."""


@dataclass(frozen=True)
class _Domain:
    """Subjects of one kind, counted per cell; ``cell_of`` holds the cells of the subjects some
    finding is about (so a non-compliant subject is taken out of its cell's count)."""

    cells: Mapping[Cell, int]
    cell_of: Mapping[str, Cell]


def _domains(result: EvaluationResult, flagged: frozenset[str]) -> dict[Subject, _Domain | None]:
    """Every subject kind's domain: one pass over the resources (a million of them: one pass, not
    one per control or per kind) and one over the plans."""
    every: Counter[Cell] = Counter()
    protected_cells: Counter[Cell] = Counter()
    every_of: dict[str, Cell] = {}
    protected_of: dict[str, Cell] = {}
    for r in result.resources:
        protected = r.get("protected")
        cell: Cell = (r["account_id"], r["region"], r.get("resource_type"), protected is None)
        every[cell] += 1
        if protected is True:
            protected_cells[cell] += 1
        arn = r["arn"]
        if arn in flagged:
            every_of[arn] = cell
            if protected is True:
                protected_of[arn] = cell
    plans: Counter[Cell] = Counter()
    plan_of: dict[str, Cell] = {}
    for p in result.plans:
        plan_cell: Cell = (str(p["account_id"]), str(p["region"]), None, False)
        plans[plan_cell] += 1
        key = str(p.get("plan_arn") or p.get("plan_id"))
        if key in flagged:
            plan_of[key] = plan_cell
    return {
        Subject.RESOURCE: _Domain(every, every_of),
        Subject.PROTECTED: _Domain(protected_cells, protected_of),
        Subject.PLAN: _Domain(plans, plan_of),
        Subject.VAULT: None,
    }


def _missing(result: EvaluationResult) -> Mapping[tuple[str, str], frozenset[str]]:
    return {(c.account_id, c.region or ""): frozenset(c.missing) for c in result.coverage if c.missing}


def control_statuses(result: EvaluationResult) -> tuple[ControlStatus, ...]:
    """Every mapped control's status from ``result`` (catalogue order).

    Controls sharing their rules (the sixteen "in a backup plan" controls) share one pass over the
    findings and one over the inventory; each then only filters by its resource types (per type,
    not per subject: a rule group's subjects are indexed by their type once)."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_rule[f.rule_id].append(f)
    missing = _missing(result)
    mapped = mapped_controls()
    rule_ids_mapped = {rid for _, rids in mapped for rid in rids}
    keys = {rid: [subject_key(f) for f in by_rule.get(rid, ())] for rid in rule_ids_mapped}
    flagged = frozenset(k for rid in rule_ids_mapped for k in keys[rid])
    domains = _domains(result, flagged)
    groups: dict[tuple[str, ...], _Flagged] = {}
    taken: dict[tuple[tuple[str, ...], Subject], Counter[Cell]] = {}
    out = []
    for control, rule_ids in mapped:
        domain = domains[control.subject]
        if rule_ids not in groups:
            groups[rule_ids] = _Flagged(_flagged_subjects(rule_ids, by_rule, keys))
        flagged_group = groups[rule_ids]
        bad = flagged_group.subjects
        if domain is not None and (rule_ids, control.subject) not in taken:
            cell_of = domain.cell_of
            taken[(rule_ids, control.subject)] = Counter(cell_of[x.key] for x in bad if x.key in cell_of)
        non_compliant = flagged_group.of(control)
        if domain is None:
            out.append(ControlStatus(control, rule_ids, non_compliant, 0, None))
        else:
            unknown, compliant = _counts(
                control, rule_ids, domain, taken[(rule_ids, control.subject)], missing
            )
            out.append(ControlStatus(control, rule_ids, non_compliant, unknown, compliant))
    return tuple(out)


class _Flagged:
    """The sorted subjects of one group of rules, and those a control of some resource types
    judges (the same order; computed per set of applicable types, reused across controls)."""

    def __init__(self, subjects: tuple[ControlSubject, ...]) -> None:
        self.subjects = subjects
        self.types = frozenset(x.resource_type for x in subjects)
        self._of: dict[frozenset[str | None], tuple[ControlSubject, ...]] = {}

    def of(self, control: FrameworkControl) -> tuple[ControlSubject, ...]:
        if not control.resource_types:
            return self.subjects
        wanted = frozenset(t for t in self.types if control.applies_to(t))
        if wanted == self.types:
            return self.subjects
        found = self._of.get(wanted)
        if found is None:
            found = self._of[wanted] = tuple(x for x in self.subjects if x.resource_type in wanted)
        return found


def _flagged_subjects(
    rule_ids: tuple[str, ...], by_rule: Mapping[str, Sequence[Finding]], keys: Mapping[str, Sequence[str]]
) -> tuple[ControlSubject, ...]:
    """The subjects of the findings of ``rule_ids`` (``keys``: their subject keys, in the same
    order), each once with the rules about it, sorted."""
    bad: dict[str, ControlSubject] = {}
    for rid in rule_ids:
        for f, key in zip(by_rule.get(rid, ()), keys.get(rid, ()), strict=True):
            seen = bad.get(key)
            if seen is None:
                bad[key] = ControlSubject(key, f.account_id, f.region, f.resource_type, (rid,))
            elif rid not in seen.rule_ids:
                bad[key] = seen._replace(rule_ids=(*seen.rule_ids, rid))
    return tuple(sorted(bad.values(), key=_subject_order))


def _subject_order(s: ControlSubject) -> tuple[str, str, str]:
    return (s.account_id or "", s.region or "", s.key)


def _of_types(subjects: tuple[ControlSubject, ...], types: tuple[str, ...]) -> tuple[ControlSubject, ...]:
    """The subjects of these resource types (or of no known type), in order."""
    wanted = {*types, None}
    return tuple(x for x in subjects if x.resource_type in wanted)


def _counts(
    control: FrameworkControl,
    rule_ids: tuple[str, ...],
    domain: _Domain,
    taken: Mapping[Cell, int],
    missing: Mapping[tuple[str, str], frozenset[str]],
) -> tuple[int, int]:
    """``(unknown, compliant)``: the domain's subjects of the control's types, less the flagged."""
    needed = frozenset(_requires(rule_ids))
    unknown = compliant = 0
    for cell, n in domain.cells.items():
        account, region, rtype, verdict_unknown = cell
        if rtype is not None and not control.applies_to(rtype):
            continue
        gap = missing.get((account, region))
        if verdict_unknown or (gap is not None and gap & needed):
            unknown += n - taken.get(cell, 0)
        else:
            compliant += n - taken.get(cell, 0)
    return unknown, compliant


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
