"""Evaluate an evidence bundle: frames -> resolver -> rules -> :class:`EvaluationResult`.

``evaluate_bundle`` is the only entry point reports, the CLI and the runner need. It works from
the bundle alone (offline). A rule that raises does not end the run: its failure becomes a
finding of that rule (``details.rule_error``) and an entry of ``errors``, so it is visible in
every output and never mistaken for a clean result.
"""

from __future__ import annotations

import math
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Self

import pandas as pd

from auditor.evidence import Bundle
from auditor.forked import Forked, can_fork
from auditor.gcpause import paused_gc
from auditor.model.frames import Inventory, load_inventory
from auditor.model.parallel import default_jobs
from auditor.model.results import Coverage, CoverageStatus, EvaluationResult, Finding, Severity
from auditor.not_evaluated import NOT_COLLECTED, not_evaluated
from auditor.protection.resolver import Protection, resolve
from auditor.rules._common import flag, maybe_str, reason_line, records, tri
from auditor.rules._sources import not_judged_summary
from auditor.rules.base import Rule, RuleContext, RuleSettings
from auditor.rules.registry import rules as registry
from auditor.services import account_wide_keys

COST_KEY = "estimated_monthly_cost_usd"


@dataclass(frozen=True)
class RuleFailure:
    """A rule that raised instead of finishing; what it found before that is kept."""

    rule_id: str
    error: str
    """``ExceptionType: message``."""
    traceback: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "rule", "rule_id": self.rule_id, "error": self.error, "traceback": self.traceback}


@dataclass(frozen=True)
class RuleRun:
    findings: tuple[Finding, ...]
    failures: tuple[RuleFailure, ...]


#: The rules that share the job window's evidence rows (:mod:`auditor.rules._backed_up`: about
#: 0.2 GB at a million resources). They run first, then what the rules shared is freed, so the
#: rows are not held while the other rules run, and BKP-091's comparison (about 0.4 GB for a
#: moment at a million resources) runs before the other rules' findings and shared data add up
#: under it. The findings do not depend on the order the rules run in (:func:`sort_findings`).
WINDOW_EVIDENCE_RULES: Final = ("BKP-001", "BKP-002", "BKP-017", "BKP-091")


#: Rules that share intermediate results (``ctx.shared``): a shard runs each group whole, so that
#: nothing is built twice. The recovery-point candidates of BKP-010/014 are also read by the
#: summary's "not judged" count after the rules: their shard is the parent's.
RULE_GROUPS: Final = (
    WINDOW_EVIDENCE_RULES,
    ("BKP-034", "BKP-035", "BKP-036", "BKP-037", "BKP-039"),  # verdict lookup, copies, sources
    ("BKP-010", "BKP-014"),  # recovery-point candidates
)
_PARENT_RULE: Final = "BKP-010"

_RECORDS_COST: Final = 70
"""The records this process builds while children run rules (:func:`_records`), in :data:`_COST_HINTS`' unit."""

MIN_PARALLEL_ROWS: Final = 20_000
"""Below this many resources, recovery points and jobs, the rules run in one process (a child's
fork and pickled findings cost more than its share of the rules: the demo's rules take 0.1 s)."""

#: CPU time of the rules on the 250,000-resource benchmark, in hundredths of a second (a group of
#: :data:`RULE_GROUPS` counts what it costs as a whole; any other rule: 2). Only the balance of
#: the shards depends on it, never a finding.
_COST_HINTS: Final = {
    "BKP-091": 100,
    "BKP-002": 60,
    "BKP-017": 10,
    "BKP-035": 75,
    "BKP-036": 50,
    "BKP-037": 40,
    "BKP-039": 40,
    "BKP-034": 15,
    "BKP-010": 20,
    "BKP-014": 5,
    "BKP-038": 22,
    "BKP-011": 17,
    "BKP-006": 16,
    "BKP-022": 13,
    "BKP-032": 9,
    "BKP-031": 4,
}
_DEFAULT_COST: Final = 2


def run_rules(
    ctx: RuleContext,
    rule_classes: Iterable[type[Rule]] | None = None,
    *,
    jobs: int = 1,
    warn: Callable[[str], None] | None = None,
) -> RuleRun:
    """Run every rule (default: the whole registry) on ``ctx``, in up to ``jobs`` processes.

    In each process, the rules of :data:`WINDOW_EVIDENCE_RULES` first, then (``ctx.memo``
    cleared) the others in their order. With ``jobs`` > 1 the rules are split into shards (each
    group of :data:`RULE_GROUPS` whole, balanced by :data:`_COST_HINTS`); this process runs one
    shard while forked children run the others. A child that ends without a result is reported
    through ``warn`` and its shard is run here: the findings never depend on ``jobs``.

    A rule raising an exception keeps the findings it yielded so far, adds one finding of its own
    id saying it failed (severity high: what it checks was not checked), and the run goes on.
    Failures are listed in the order of ``rule_classes``.
    """
    with RulesRunning(ctx, rule_classes, jobs, warn) as running:
        return running.finish()


class RulesRunning:
    """:func:`run_rules` in two steps: the constructor starts the children and runs this process's
    shard (the first of :func:`rule_shards`, balanced with ``first_extra``); the caller may do
    other work (which then overlaps the children's) before :meth:`finish`. Used as a context
    manager, it ends the children on any exit."""

    def __init__(
        self,
        ctx: RuleContext,
        rule_classes: Iterable[type[Rule]] | None,
        jobs: int,
        warn: Callable[[str], None] | None,
        first_extra: int = 0,
    ) -> None:
        self._ctx = ctx
        self._classes = list(registry if rule_classes is None else rule_classes)
        self._warn = warn
        mine, *others = rule_shards(self._classes, jobs if can_fork() else 1, first_extra)
        self.children = [(s, Forked(partial(_run_shard, ctx, s), "running rules")) for s in others]
        """Each shard run by a forked child, with that child."""
        self._findings: list[Finding] = []
        self._failures: dict[type[Rule], RuleFailure] = {}
        self._by_id = {c.metadata.id: c for c in self._classes}
        try:
            _merge(_run_shard(ctx, mine), self._findings, self._failures, self._by_id)
        except BaseException:
            self.close()
            raise

    def finish(self) -> RuleRun:
        """Wait for the children and return every shard's findings, sorted."""
        for shard, child in self.children:
            got = child.result()
            if got is None:
                if self._warn is not None:
                    ids = ", ".join(c.metadata.id for c in shard)
                    self._warn(f"evaluate: {child.failure}; its rules ({ids}) run in this process")
                got = _run_shard(self._ctx, shard)
            _merge(got, self._findings, self._failures, self._by_id)
        ordered = tuple(self._failures[c] for c in self._classes if c in self._failures)
        return RuleRun(tuple(sort_findings(self._findings)), ordered)

    def close(self) -> None:
        for _, child in self.children:
            child.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rule_shards(classes: Sequence[type[Rule]], jobs: int, first_extra: int = 0) -> list[list[type[Rule]]]:
    """``classes`` split into at most ``jobs`` non-empty shards, each in the order of ``classes``.

    The groups of :data:`RULE_GROUPS` (their members present) and every other rule are units; the
    unit of :data:`_PARENT_RULE` goes to the first shard (the evaluating process's), which also
    counts ``first_extra`` (work that process does meanwhile, in :data:`_COST_HINTS`' unit); the
    others, costliest first, to the shard of least cost so far. The first shard is first."""
    units: list[list[type[Rule]]] = []
    grouped: set[str] = set()
    for group in RULE_GROUPS:
        members = [c for c in classes if c.metadata.id in group]
        if members:
            units.append(members)
            grouped.update(group)
    units.extend([c] for c in classes if c.metadata.id not in grouped)
    count = max(1, min(jobs, len(units)))
    loads = [0] * count
    loads[0] = first_extra
    placed: list[set[type[Rule]]] = [set() for _ in range(count)]

    def cost(unit: list[type[Rule]]) -> int:
        return sum(_COST_HINTS.get(c.metadata.id, _DEFAULT_COST) for c in unit)

    def place(i: int, unit: list[type[Rule]]) -> None:
        loads[i] += cost(unit)
        placed[i].update(unit)

    parent = [u for u in units if any(c.metadata.id == _PARENT_RULE for c in u)]
    for unit in parent:
        place(0, unit)
    for unit in sorted((u for u in units if u not in parent), key=cost, reverse=True):  # stable
        place(loads.index(min(loads)), unit)
    return [[c for c in classes if c in shard] for shard in placed if shard]


_ShardResult = tuple[list[Finding], list[tuple[str, RuleFailure]]]


def _run_shard(ctx: RuleContext, classes: Sequence[type[Rule]]) -> _ShardResult:
    first = [c for c in classes if c.metadata.id in WINDOW_EVIDENCE_RULES]
    rest = [c for c in classes if c.metadata.id not in WINDOW_EVIDENCE_RULES]
    findings: list[Finding] = []
    failures: dict[type[Rule], RuleFailure] = {}
    _run(ctx, first, findings, failures)
    if first and rest:
        ctx.memo.clear()  # shared only by the rules above; a later rule needing it builds it again
    _run(ctx, rest, findings, failures)
    return findings, [(c.metadata.id, f) for c, f in failures.items()]


def _merge(
    got: _ShardResult,
    findings: list[Finding],
    failures: dict[type[Rule], RuleFailure],
    by_id: Mapping[str, type[Rule]],
) -> None:
    found, failed = got
    findings.extend(found)
    for rule_id, failure in failed:
        failures[by_id[rule_id]] = failure


def _run(
    ctx: RuleContext,
    classes: Iterable[type[Rule]],
    findings: list[Finding],
    failures: dict[type[Rule], RuleFailure],
) -> None:
    for cls in classes:
        rule = cls()
        produced: list[Finding] = []
        try:
            produced.extend(rule.evaluate(ctx))
        except Exception as exc:  # noqa: BLE001  # a rule bug must not end the audit; it is reported below
            failure = RuleFailure(
                rule_id=cls.metadata.id,
                error=f"{type(exc).__name__}: {exc}",
                traceback="".join(traceback.format_exception(exc)),
            )
            failures[cls] = failure
            produced.append(_failure_finding(cls, failure))
        findings.extend(produced)


def _failure_finding(cls: type[Rule], failure: RuleFailure) -> Finding:
    meta = cls.metadata
    return Finding(
        rule_id=meta.id,
        severity=Severity.HIGH,
        account_id=None,
        region=None,
        resource_arn=None,
        resource_type=None,
        title=f"Rule {meta.id} failed: its checks were not carried out",
        message=(
            f"Rule {meta.id} ({meta.title}) stopped with {failure.error}; what it checks is NOT audited "
            "in this run (findings it produced before failing are kept). Please report this with the "
            "traceback in details."
        ),
        remediation="Report the error to the backup-auditor maintainers with the traceback in details.",
        doc_url=meta.doc_url,
        details={"rule_error": failure.error, "traceback": failure.traceback},
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Highest severity first, then rule, account, region, resource (stable, deterministic)."""
    return sorted(
        findings,
        key=lambda f: (-f.severity.rank, f.rule_id, f.account_id or "", f.region or "", f.resource_arn or ""),
    )


def evaluate_bundle(
    bundle: Bundle,
    *,
    as_of: datetime | None = None,
    settings: RuleSettings | None = None,
    progress: Callable[[str], None] | None = None,
    jobs: int | None = None,
) -> EvaluationResult:
    """Evaluate every rule on ``bundle``. ``as_of`` defaults to the bundle's ``collected_at``.

    ``jobs``: processes that load the bundle (:func:`auditor.model.frames.load_inventory`) and run
    the rules (:func:`run_rules`; a bundle of fewer than :data:`MIN_PARALLEL_ROWS` rows, in one);
    ``None``: :func:`auditor.model.parallel.default_jobs`. The result does not depend on it.

    ``progress`` (e.g. a stderr printer) receives one line per finished phase with its duration:
    a million-resource bundle takes about half a minute.

    Python's cyclic garbage collector is paused meanwhile: normalising and judging a large bundle
    allocates millions of small objects, each allocation burst triggering full collections that
    rescan every live object (about 40% of the wall time at a million resources), and evaluation
    creates no reference cycles that must be freed before it returns.
    """
    with paused_gc():
        return _evaluate(bundle, as_of, settings, progress or _silent, jobs)


def _silent(message: str) -> None:
    """Default progress sink: say nothing."""


def _evaluate(
    bundle: Bundle,
    as_of: datetime | None,
    settings: RuleSettings | None,
    progress: Callable[[str], None],
    jobs: int | None,
) -> EvaluationResult:
    jobs = default_jobs() if jobs is None else jobs
    manifest = bundle.manifest
    instant = manifest.collected_at if as_of is None else as_of
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    started = time.monotonic()
    inventory = load_inventory(bundle, jobs)
    progress(
        f"evaluate: loaded {len(inventory.resources):,} resources, {len(inventory.selections):,} selections, "
        f"{len(inventory.recovery_points):,} recovery points ({time.monotonic() - started:.1f}s)"
    )
    started = time.monotonic()
    protection = resolve(inventory)
    progress(f"evaluate: resolved effective protection ({time.monotonic() - started:.1f}s)")
    started = time.monotonic()
    ctx = RuleContext(
        inventory=inventory,
        protection=protection,
        as_of=instant.astimezone(UTC),
        settings=settings or RuleSettings(),
        manifest_errors=manifest.errors,
    )
    rows = sum(
        len(f) for f in (inventory.resources, inventory.recovery_points, inventory.jobs, inventory.copy_jobs)
    )
    rule_jobs = jobs if rows >= MIN_PARALLEL_ROWS else 1
    with RulesRunning(ctx, None, rule_jobs, progress, first_extra=_RECORDS_COST) as running:
        # While children run rules, this process builds the records (they read no rule-only frame);
        # in one process they wait until what the rules shared is freed (a lower peak).
        early = _records(inventory, protection) if running.children else None
        run = running.finish()
    progress(f"evaluate: ran the rules: {len(run.findings):,} findings ({time.monotonic() - started:.1f}s)")
    not_judged = not_judged_summary(ctx)
    # What the rules shared (evidence rows, copies, candidates: about 1 GB at a million
    # resources) and the frames only the rules read are read by no one from here on: free them
    # before the records are built (which then reuse that memory instead of adding to the peak).
    ctx.memo.clear()
    as_of = ctx.as_of
    del ctx
    inventory = without_rule_inputs(inventory)
    coverage, resources, plans = early or _records(inventory, protection)
    summary = build_summary(run.findings, resources, coverage, run.failures)
    summary["recovery_point_sources_not_judged"] = not_judged
    summary["not_evaluated"] = [n.to_json() for n in not_evaluated(inventory)]
    controls = rules_not_evaluated(inventory)
    if controls:  # absent when every rule had its evidence (findings of current bundles unchanged)
        summary["rules_not_evaluated"] = controls
    ous = account_ous(inventory)
    organization = (
        None
        if manifest.organization is None
        else {
            "id": manifest.organization.id,
            "management_account_id": manifest.organization.management_account_id,
        }
    )
    return EvaluationResult(
        as_of=as_of,
        collected_at=manifest.collected_at,
        tool_version=manifest.tool.version,
        organization=organization,
        accounts=tuple(
            {"id": a.id, "name": a.name, "status": a.status, "regions": list(a.regions), **ous.get(a.id, {})}
            for a in manifest.accounts
        ),
        coverage=coverage,
        findings=run.findings,
        resources=resources,
        plans=plans,
        summary=summary,
        errors=tuple([{"kind": "collection", **e.to_json()} for e in manifest.errors])
        + tuple(f.to_json() for f in run.failures),
    )


_Records = tuple[tuple[Coverage, ...], tuple[Mapping[str, Any], ...], tuple[Mapping[str, Any], ...]]


def _records(inventory: Inventory, protection: Protection) -> _Records:
    """Coverage, resource and plan records (what they read is never a :data:`RULE_ONLY_FRAMES`)."""
    return (
        coverage_records(inventory),
        resource_records(inventory, protection),
        plan_records(inventory, protection),
    )


#: Frames of :class:`Inventory` only the rules read (the records, the summary and the "not
#: evaluated" lists after them do not): the largest ones at a million resources (recovery points,
#: jobs, copy jobs, protected resources: about 1 GB).
RULE_ONLY_FRAMES: Final = ("recovery_points", "jobs", "copy_jobs", "protected_resources", "restore_jobs")


def without_rule_inputs(inventory: Inventory) -> Inventory:
    """``inventory`` with the :data:`RULE_ONLY_FRAMES` emptied (same columns, no rows): once the
    rules have run and the caller drops its own reference, their memory is freed."""
    return replace(
        inventory,
        recovery_points=_no_rows(inventory.recovery_points),
        jobs=_no_rows(inventory.jobs),
        copy_jobs=_no_rows(inventory.copy_jobs),
        protected_resources=_no_rows(inventory.protected_resources),
        restore_jobs=_no_rows(inventory.restore_jobs),
    )


def _no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """An empty frame of ``frame``'s columns and dtypes that shares no memory with it."""
    return frame.iloc[:0].copy(deep=True)


# ------------------------------------------------------------------------------------------------
# Rules whose evidence the bundle's collector never gathered (BKP-022/036/037 ... on older bundles)
# ------------------------------------------------------------------------------------------------


def rules_not_evaluated(
    inventory: Inventory, rule_classes: Iterable[type[Rule]] | None = None
) -> list[dict[str, Any]]:
    """``{"rule_id", "why": "evidence not collected", "operations", "part"}`` for each rule that
    reads an optional operation the bundle's collector never called (``inventory.not_collected``):
    such a rule judged nothing (``part`` "all": a key of its ``requires``) or not its
    organization-level part (``part`` "organization"): never passed, never BKP-090."""
    missing = set(inventory.not_collected)
    out: list[dict[str, Any]] = []
    for cls in registry if rule_classes is None else rule_classes:
        lacking = [k for k in cls.requires if k in missing]
        org_lacking = [k for k in cls.reads_organization if k in missing]
        if lacking or org_lacking:
            out.append(
                {
                    "rule_id": cls.metadata.id,
                    "why": NOT_COLLECTED,
                    "operations": lacking + org_lacking,
                    "part": "all" if lacking else "organization",
                }
            )
    return out


# ------------------------------------------------------------------------------------------------
# JSON-ready records
# ------------------------------------------------------------------------------------------------


def coverage_records(inventory: Inventory) -> tuple[Coverage, ...]:
    """One :class:`Coverage` per account-region the run set out to audit."""
    cov = inventory.coverage
    by_scope: dict[tuple[str, str], list[tuple[str, bool, Any, Any]]] = defaultdict(list)
    for account_id, region, op, collected, code, message in zip(
        cov["account_id"],
        cov["region"],
        cov["operation"],
        cov["collected"],
        cov["error_code"],
        cov["error_message"],
        strict=True,
    ):
        by_scope[(str(account_id), str(region))].append((str(op), bool(collected), code, message))
    scopes = list(
        zip(inventory.account_regions["account_id"], inventory.account_regions["region"], strict=True)
    )
    out: list[Coverage] = []
    wide = account_wide_keys()
    unavailable: dict[str, list[str]] = defaultdict(list)
    for service, region in sorted(inventory.unavailable):
        unavailable[region].append(service)
    for account_id, region in sorted({(str(a), str(r)) for a, r in scopes} | set(by_scope)):
        rows = by_scope.get((account_id, region), [])
        missing = tuple(sorted(op for op, ok, _, _ in rows if not ok))
        reasons: list[str] = []
        for op, ok, code, message in rows:
            if ok:
                continue
            line = reason_line(op, maybe_str(code), maybe_str(message))
            if line not in reasons:
                reasons.append(line)
        status: CoverageStatus
        # Account-wide operations read in the account's first region do not make a region whose
        # own operations all failed readable.
        if not rows or all(not ok or op in wide for op, ok, _, _ in rows):
            status = "not_audited"
        elif missing:
            status = "partial"
        else:
            status = "audited"
        out.append(
            Coverage(account_id, region, status, missing, tuple(reasons), tuple(unavailable.get(region, ())))
        )
    return tuple(out)


def resource_records(inventory: Inventory, protection: Protection) -> tuple[Mapping[str, Any], ...]:
    """One JSON-ready dict per resource: arn, account_id, region, resource_type, name, tags,
    protected (true/false/null), reason, unsupported, selections (those that protect it)."""
    verdicts = protection.verdicts
    if verdicts.empty:
        return ()
    protecting = _protecting(protection.matches)
    names, tags = _names_and_tags(inventory.resources, verdicts)
    text_cols = [_optional_text(verdicts[c]) for c in ("reason", "unsupported")]
    protected = [
        p if p is True or p is False or p is None else tri(p) for p in verdicts["protected"].tolist()
    ]
    out: list[Mapping[str, Any]] = []
    for arn, account_id, region, rtype, prot, reason, unsupported, name, tag_value in zip(
        verdicts["arn"].tolist(),
        verdicts["account_id"].tolist(),
        verdicts["region"].tolist(),
        verdicts["resource_type"].tolist(),
        protected,
        *text_cols,
        names,
        tags,
        strict=True,
    ):
        out.append(
            {
                "arn": arn,
                "account_id": account_id,
                "region": region,
                "resource_type": rtype,
                "name": name,
                "tags": tag_value if isinstance(tag_value, dict) else {},
                "protected": prot,
                "reason": reason,
                "unsupported": unsupported,
                "selections": protecting.get(arn, []),
            }
        )
    return tuple(out)


def _protecting(matches: pd.DataFrame) -> dict[str, list[dict[str, str]]]:
    """ARN -> the selection refs of its effective matches, in match order; one ref object per
    (plan id, selection id), named as in its first row."""
    ref_cols = ["arn", "plan_id", "plan_name", "selection_id", "selection_name"]
    effective = matches[ref_cols][flag(matches["effective"])]  # the five columns only are copied
    refs: dict[tuple[str, str], dict[str, str]] = {}
    protecting: dict[str, list[dict[str, str]]] = defaultdict(list)
    for arn, plan_id, plan_name, sel_id, sel_name in zip(
        *(effective[c].tolist() for c in ref_cols), strict=True
    ):
        ref = refs.get((plan_id, sel_id))
        if ref is None:
            ref = refs[(plan_id, sel_id)] = {
                "plan_id": str(plan_id),
                "plan_name": str(plan_name),
                "selection_id": str(sel_id),
                "selection_name": str(sel_name),
            }
        protecting[arn].append(ref)
    return protecting


def _names_and_tags(resources: pd.DataFrame, verdicts: pd.DataFrame) -> tuple[list[str | None], list[Any]]:
    """Per verdict, the name and tags of the first resource of its ARN: the resources' own
    columns when they are the verdicts' rows (the resolver's order, every ARN once), else joined."""
    arns = resources["arn"].to_numpy(dtype=object)
    if (
        len(arns) == len(verdicts)
        and bool((arns == verdicts["arn"].to_numpy(dtype=object)).all())
        and pd.Index(arns).is_unique
    ):
        return _optional_text(resources["name"]), resources["tags"].tolist()
    extra = resources[["arn", "name", "tags"]].drop_duplicates("arn")
    table = verdicts[["arn"]].merge(extra, on="arn", how="left", sort=False)
    return _optional_text(table["name"]), table["tags"].tolist()


def plan_records(inventory: Inventory, protection: Protection) -> tuple[Mapping[str, Any], ...]:
    """Each plan with its rules and, per selection, the ARNs it protects and those it would select
    but cannot (``blocked_arns``: the opt-in of their type is off)."""
    matches = protection.matches
    key_cols = ("account_id", "region", "plan_id", "selection_id", "arn")
    effective = flag(matches["effective"])
    keys = matches[list(key_cols)]  # the five columns only are copied by the filters below
    protects = _arns_by_selection(keys[effective], key_cols)
    blocked = _arns_by_selection(keys[~effective & flag(matches["blocked_by"], "opt-in")], key_cols)
    rules_by_plan: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for rule in records(inventory.plan_rules):
        rules_by_plan[(str(rule["account_id"]), str(rule["region"]), str(rule["plan_id"]))].append(
            {
                "rule_id": maybe_str(rule["rule_id"]),
                "rule_name": maybe_str(rule["rule_name"]),
                "schedule": maybe_str(rule["schedule"]),
                "target_vault": maybe_str(rule["target_vault"]),
                "delete_after_days": _number(rule["delete_after_days"]),
                "move_to_cold_after_days": _number(rule["move_to_cold_after_days"]),
                "start_window_minutes": _number(rule["start_window_minutes"]),
                "completion_window_minutes": _number(rule["completion_window_minutes"]),
                "copy_actions": [dict(c) for c in (rule["copy_actions"] or ())],
            }
        )
    sels_by_plan: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for sel in records(inventory.selections):
        key4 = (str(sel["account_id"]), str(sel["region"]), str(sel["plan_id"]), str(sel["selection_id"]))
        sels_by_plan[key4[:3]].append(
            {
                "selection_id": key4[3],
                "selection_name": maybe_str(sel["selection_name"]),
                "iam_role_arn": maybe_str(sel["iam_role_arn"]),
                "resources": list(sel["resources"] or ()),
                "not_resources": list(sel["not_resources"] or ()),
                "list_of_tags": [list(t) for t in (sel["list_of_tags"] or ())],
                "conditions": [list(c) for c in (sel["conditions"] or ())],
                "protected_arns": sorted(protects.get(key4, [])),
                "blocked_arns": sorted(blocked.get(key4, [])),
            }
        )
    out: list[Mapping[str, Any]] = []
    for row in inventory.plans.sort_values(["account_id", "region", "plan_name", "plan_id"]).itertuples(
        index=False
    ):
        key3 = (str(row.account_id), str(row.region), str(row.plan_id))
        out.append(
            {
                "account_id": key3[0],
                "region": key3[1],
                "plan_id": key3[2],
                "plan_name": maybe_str(row.plan_name),
                "plan_arn": maybe_str(row.plan_arn),
                "version_id": maybe_str(row.version_id),
                "rules": rules_by_plan.get(key3, []),
                "selections": sels_by_plan.get(key3, []),
            }
        )
    return tuple(out)


def account_ous(inventory: Inventory) -> dict[str, dict[str, Any]]:
    """Per account id, its ``ou_id``, ``ou_path`` and ``ou_ids`` (none when the tree was not listed)."""
    frame = inventory.account_ous
    if frame is None:
        return {}
    return {
        str(account_id): {"ou_id": str(ou_id), "ou_path": str(path), "ou_ids": list(ids)}
        for account_id, ou_id, path, ids in zip(
            frame["account_id"], frame["ou_id"], frame["ou_path"], frame["ou_ids"], strict=True
        )
    }


def build_summary(
    findings: Sequence[Finding],
    resources: Sequence[Mapping[str, Any]],
    coverage: Sequence[Coverage],
    failures: Sequence[RuleFailure] = (),
) -> dict[str, Any]:
    """Counts a reader wants first.

    ``effective_protection_rate`` = protected / (protected + unprotected): resources whose
    verdict is unknown (not audited) are left out of the rate, and counted on their own.
    """
    by_severity = Counter(f.severity for f in findings)  # members, not .value: once per finding
    by_rule = Counter(f.rule_id for f in findings)
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"protected": 0, "unprotected": 0, "unknown": 0})
    for r in resources:
        state = (
            "protected" if r["protected"] is True else "unprotected" if r["protected"] is False else "unknown"
        )
        by_type[str(r["resource_type"])][state] += 1
    protected = sum(c["protected"] for c in by_type.values())
    unprotected = sum(c["unprotected"] for c in by_type.values())
    unknown = sum(c["unknown"] for c in by_type.values())
    judged = protected + unprotected
    costs = [float(f.details[COST_KEY]) for f in findings if COST_KEY in f.details]
    status_counts = Counter(c.status for c in coverage)
    return {
        "findings": len(findings),
        "by_severity": {s.value: by_severity.get(s, 0) for s in sorted(Severity, key=lambda s: -s.rank)},
        "by_rule": dict(sorted(by_rule.items())),
        "resources": len(resources),
        "protected": protected,
        "unprotected": unprotected,
        "unknown": unknown,
        "resources_by_type": {t: dict(c) for t, c in sorted(by_type.items())},
        "effective_protection_rate": None if judged == 0 else round(protected / judged, 4),
        "estimated_monthly_cost_usd": round(sum(costs), 2),
        "coverage": {s: status_counts.get(s, 0) for s in ("audited", "partial", "not_audited")},
        "rule_errors": len(failures),
    }


def _arns_by_selection(
    frame: pd.DataFrame, columns: Sequence[str]
) -> dict[tuple[str, str, str, str], list[str]]:
    out: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for account_id, region, plan_id, sel_id, arn in zip(*(frame[c].tolist() for c in columns), strict=True):
        out[(account_id, region, plan_id, sel_id)].append(arn)
    return out


def _optional_text(series: pd.Series) -> list[str | None]:
    """Column values as ``str``, missing ones (None / NaN / NA) as ``None``."""
    values: list[str | None] = series.astype(object).where(series.notna(), None).tolist()
    return [None if v is None else str(v) for v in values]


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]  # frame cells: float, int or numpy scalar
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
