"""The compact form of the findings JSON (version 2) and its expansion back to version 1's members.

Version 2 carries exactly what version 1 carries, written once instead of once per item:

* ``rules``: ``{rule_id: {"severity", "title", "remediation", "doc_url"}}``; a finding leaves out
  every one of those members that equals its rule's entry (it keeps the ones that differ, e.g. a
  rule that failed), and leaves out ``account_id`` / ``region`` / ``resource_arn`` /
  ``resource_type`` when null and ``details`` when empty;
* ``resource_columns`` names the members of a resource; a resource is an array of those values in
  that order, its ``selections`` being indexes into ``selection_refs`` (the ``{"plan_id",
  "plan_name", "selection_id", "selection_name"}`` objects, each written once). A resource with
  other members is written as an object, as in version 1;
* in ``plans``, an item of a selection's ``protected_arns`` / ``blocked_arns`` that is the ARN of
  a resource is that resource's index in ``resources``.

:func:`compact` turns version 1's members into version 2's; :func:`expand` the reverse (validating
only the version 2 structure: the expanded members are then validated as version 1's are).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

from auditor.model.results import Finding, Severity

RULE_MEMBERS = ("severity", "title", "remediation", "doc_url")
OPTIONAL_MEMBERS = ("account_id", "region", "resource_arn", "resource_type")
RESOURCE_COLUMNS = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "name",
    "tags",
    "protected",
    "reason",
    "unsupported",
    "selections",
)
REF_MEMBERS = ("plan_id", "plan_name", "selection_id", "selection_name")
ARN_LISTS = ("protected_arns", "blocked_arns")

Problem = Callable[[str], Exception]
"""Builds the exception for a problem sentence (the reader's, naming the file)."""


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def rule_table(findings: Iterable[Finding]) -> dict[str, dict[str, Any]]:
    """Per rule id (in order of first finding), the most common (severity, title, remediation,
    doc_url) of its findings; on a tie the one seen first."""
    counts = Counter(map(_RULE_KEY, findings))
    best: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for (rule_id, *members), n in counts.items():
        if rule_id not in best or n > best[rule_id][0]:
            best[rule_id] = (n, (members[0].value, *members[1:]))
    return {rule_id: dict(zip(RULE_MEMBERS, values, strict=True)) for rule_id, (_, values) in best.items()}


_RULE_KEY = attrgetter("rule_id", "severity", "title", "remediation", "doc_url")


def compact_finding(f: Finding, rules: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The version 1 object of ``f`` (:meth:`Finding.to_json`, same member order) without what
    its rule entry or a null already says."""
    rule = rules.get(f.rule_id, _NO_RULE)
    out: dict[str, Any] = {"id": f.id, "rule_id": f.rule_id}
    severity = _SEVERITY_TEXT[f.severity]
    if rule.get("severity") != severity:
        out["severity"] = severity
    if f.account_id is not None:
        out["account_id"] = f.account_id
    if f.region is not None:
        out["region"] = f.region
    if f.resource_arn is not None:
        out["resource_arn"] = f.resource_arn
    if f.resource_type is not None:
        out["resource_type"] = f.resource_type
    if rule.get("title") != f.title:
        out["title"] = f.title
    out["message"] = f.message
    if rule.get("remediation") != f.remediation:
        out["remediation"] = f.remediation
    if rule.get("doc_url") != f.doc_url:
        out["doc_url"] = f.doc_url
    if f.details:
        out["details"] = dict(f.details)
    if f.waiver is not None:
        out["waiver"] = f.waiver.to_json()
    return out


_NO_RULE: Mapping[str, Any] = {}
_SEVERITY_TEXT = {s: s.value for s in Severity}
"""``severity.value`` by a dict lookup (the enum's ``value`` descriptor costs more, once per finding)."""


class ResourceCodec:
    """Numbers the selection refs and resource ARNs of one document while it is written.

    Resources share their selection ref objects (one per selection), so each object is checked
    and numbered once, then found by identity (the codec holds them, so identities stay unique).
    """

    def __init__(self, resources: Sequence[Mapping[str, Any]]) -> None:
        self.refs: dict[tuple[Any, ...], int] = {}
        self.arns: dict[str, int] = {}
        self._by_id: dict[int, int | None] = {}
        self._held: list[object] = []
        first_index = self.arns.setdefault
        by_id = self._by_id
        for i, r in enumerate(resources):
            first_index(str(r.get("arn")), i)
            for sel in r.get("selections") or ():
                if id(sel) not in by_id:
                    self._number(sel)

    def _number(self, sel: object) -> int | None:
        """The index of ``sel`` in ``selection_refs``, None when it is not a ref object."""
        n = None
        if isinstance(sel, Mapping) and tuple(sel) == REF_MEMBERS:
            n = self.refs.setdefault(tuple(sel.values()), len(self.refs))
        self._by_id[id(sel)] = n
        self._held.append(sel)
        return n

    def ref_objects(self) -> list[dict[str, Any]]:
        return [dict(zip(REF_MEMBERS, key, strict=True)) for key in self.refs]

    def resource(self, r: Mapping[str, Any]) -> Mapping[str, Any] | list[Any]:
        """The row of ``r``, or ``r`` itself when it has other members than the columns."""
        if tuple(r) != RESOURCE_COLUMNS:
            return r
        by_id = self._by_id
        indexes: list[int] = []
        for s in r["selections"]:
            n = by_id[id(s)] if id(s) in by_id else self._number(s)
            if n is None:
                return r
            indexes.append(n)
        row = list(r.values())
        row[-1] = indexes
        return row

    def plan(self, plan: Mapping[str, Any]) -> Mapping[str, Any]:
        selections = plan.get("selections")
        if not isinstance(selections, list):
            return plan
        out = dict(plan)
        out["selections"] = [self._selection(s) for s in selections]
        return out

    def _indexes(self, arns: list[Any]) -> list[Any]:
        """Each ARN of a resource as its index, anything else as it is: ``dict.get(a, a)`` mapped
        in C (no key of ``self.arns`` equals a value that is not a string); values that cannot be
        keys (lists, dicts) go through the test per item."""
        try:
            return list(map(self.arns.get, arns, arns))
        except TypeError:
            return [self.arns.get(a, a) if isinstance(a, str) else a for a in arns]

    def _selection(self, sel: object) -> object:
        if not isinstance(sel, Mapping):
            return sel
        out = dict(sel)
        for key in ARN_LISTS:
            arns = out.get(key)
            if isinstance(arns, list):
                out[key] = self._indexes(arns)
        return out


def members(
    coverage: Iterable[Mapping[str, Any]],
    resources: Sequence[Mapping[str, Any]],
    plans: Iterable[Mapping[str, Any]],
    findings: Sequence[Finding],
    errors: Iterable[Mapping[str, Any]],
) -> Iterator[tuple[str, Iterable[Any] | Mapping[str, Any]]]:
    """Version 2's members after ``summary``, in document order (lists as lazy iterables)."""
    rules = rule_table(findings)
    codec = ResourceCodec(resources)
    yield "rules", rules
    yield "coverage", coverage
    yield "resource_columns", list(RESOURCE_COLUMNS)
    yield "selection_refs", codec.ref_objects()
    yield "resources", (codec.resource(r) for r in resources)
    yield "plans", (codec.plan(p) for p in plans)
    yield "findings", (compact_finding(f, rules) for f in findings)
    yield "errors", errors


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------


def expand(doc: Mapping[str, Any], problem: Problem, *, findings: bool = True) -> dict[str, Any]:
    """Version 2 ``doc`` with its ``findings`` (unless ``findings`` is false: the reader made
    them already), ``resources`` and ``plans`` in version 1's shape."""
    out = dict(doc)
    if findings:
        out["findings"] = _findings(doc.get("findings"), rules_of(doc, problem), problem)
    out["resources"] = _resources(doc, problem)
    out["plans"] = _plans(doc.get("plans"), out["resources"], problem)
    return out


def rules_of(doc: Mapping[str, Any], problem: Problem) -> Mapping[str, Any]:
    """The ``rules`` member (an object, else the problem)."""
    return _mapping(doc.get("rules", {}), "rules", problem)


def _mapping(value: object, where: str, problem: Problem) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise problem(f"member '{where}' must be an object")
    return value


def _findings(value: object, rules: Mapping[str, Any], problem: Problem) -> object:
    if not isinstance(value, list):
        return value  # the version 1 checks name it
    return [expand_finding(f, i, rules, problem) for i, f in enumerate(value)]


def expand_finding(f: object, i: int, rules: Mapping[str, Any], problem: Problem) -> object:
    """Finding ``i`` with its rule's members (version 1's object; not checked further here)."""
    if isinstance(f, Mapping):
        rule = rules.get(str(f.get("rule_id")), _NO_RULE)
        if not isinstance(rule, Mapping):
            raise problem(f"member 'rules.{f.get('rule_id')}' must be an object")
        return {**rule, **f}
    if f is None:
        raise problem(f"member 'findings[{i}]' must be an object, found null")
    return f


def _resources(doc: Mapping[str, Any], problem: Problem) -> object:
    value = doc.get("resources")
    if not isinstance(value, list):
        return value
    columns = tuple(doc.get("resource_columns") or ())
    refs = doc.get("selection_refs") or []
    if not isinstance(refs, list) or not all(isinstance(r, Mapping) for r in refs):
        raise problem("member 'selection_refs' must be a list of objects")
    return [
        _resource(row, i, columns, refs, problem) if isinstance(row, list) else row
        for i, row in enumerate(value)
    ]


def _resource(
    row: list[Any], i: int, columns: tuple[str, ...], refs: list[Any], problem: Problem
) -> dict[str, Any]:
    if len(row) != len(columns):
        raise problem(f"member 'resources[{i}]' has {len(row)} values for {len(columns)} resource_columns")
    obj = dict(zip(columns, row, strict=True))
    sels = obj.get("selections")
    if isinstance(sels, list) and sels:
        obj["selections"] = _pick_all(refs, sels, f"resources[{i}].selections", problem)
    return obj


def _pick_all(items: Sequence[Any], indexes: list[Any], where: str, problem: Problem) -> list[Any]:
    """``items[n]`` for each index ``n`` (other values kept as they are), checked item by item
    only when the quick path (all in range, no negative) does not hold."""
    try:
        if min(indexes) >= 0:
            return [items[n] for n in indexes]
    except (TypeError, IndexError):
        pass
    return [_pick(items, n, f"{where}[{k}]", problem) for k, n in enumerate(indexes)]


def _pick(items: Sequence[Any], n: object, where: str, problem: Problem) -> Any:
    if isinstance(n, bool) or not isinstance(n, int):
        return n
    if not 0 <= n < len(items):
        raise problem(f"member '{where}': index {n} is out of range")
    return items[n]


def _plans(value: object, resources: object, problem: Problem) -> object:
    if not isinstance(value, list) or not isinstance(resources, list):
        return value
    arns = [r.get("arn") if isinstance(r, Mapping) else None for r in resources]
    return [_plan(p, i, arns, problem) for i, p in enumerate(value)]


def _plan(plan: object, i: int, arns: list[Any], problem: Problem) -> object:
    if not isinstance(plan, Mapping) or not isinstance(plan.get("selections"), list):
        return plan
    out = dict(plan)
    sels: list[object] = []
    for j, sel in enumerate(plan["selections"]):
        if isinstance(sel, Mapping):
            sel = dict(sel)
            for key in ARN_LISTS:
                if isinstance(sel.get(key), list) and sel[key]:
                    sel[key] = _pick_all(arns, sel[key], f"plans[{i}].selections[{j}].{key}", problem)
        sels.append(sel)
    out["selections"] = sels
    return out
