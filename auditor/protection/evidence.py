"""Prediction vs evidence: what AWS Backup actually backed up, by plan rule, against what the
resolver says each plan protects (BKP-091, ``explain``'s evidence lines).

The evidence is AWS Backup's own record in the bundle: backup jobs (``ListBackupJobs``) and
recovery points (``ListRecoveryPointsByBackupVault``) created in the job window, each with its
``CreatedBy`` (``BackupPlanId``, ``BackupPlanVersion``, ``BackupRuleId``). A job or recovery point
without a ``BackupPlanId`` was started on demand and says nothing about a plan's selections.

Two kinds of disagreement, per plan rule that ran in the window:

* ``backed-up-not-predicted``: plan P's rule backed resource R up while no selection of P
  selects R (or the opt-in blocks the only one that does);
* ``predicted-not-backed-up``: P protects R (one of P's own selections, not through a parent
  EC2 instance or stack: AWS Backup's job is then the parent's), P's rule ran after R existed,
  and R got no job or recovery point from that rule.

A difference that something legitimate explains is kept but marked ``excluded`` (``explain``
prints it, BKP-091 does not report it): the plan's ``VersionId`` is not the run's
``BackupPlanVersion``; a selection of the plan was created after the run; the resource was created
after the run; the job is still running (``CREATED`` / ``PENDING`` / ``RUNNING``); the resource's
account-Region was not fully read (the note names the operations not collected), or its verdict is
undecided.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd

from auditor.model.cells import maybe_str
from auditor.model.frames import Inventory
from auditor.protection import reading_ids
from auditor.protection.resolver import DECIDING_OPERATIONS, THROUGH_PARENT_VIAS, Protection, inventory_facts
from auditor.protection.verdicts import unsupported_reason
from auditor.services import operation

BACKED_UP_NOT_PREDICTED: Final = "backed-up-not-predicted"
PREDICTED_NOT_BACKED_UP: Final = "predicted-not-backed-up"
RUNNING_STATES: Final = ("CREATED", "PENDING", "RUNNING")
"""Backup job states of a job that has not finished."""
JOBS_OPERATION: Final = operation("backup.ListBackupJobs").key
#: What must have been read in an account-Region for its predictions and its jobs to be compared.
COMPARED_OPERATIONS: Final[tuple[str, ...]] = (*DECIDING_OPERATIONS, JOBS_OPERATION)

# Why a difference is legitimate (``Disagreement.excluded``).
EXCLUDED_PARTIAL: Final = "account-region-partial"
EXCLUDED_RUNNING: Final = "job-still-running"
EXCLUDED_VERSION: Final = "plan-version-changed"
EXCLUDED_SELECTION: Final = "selection-created-after-run"
EXCLUDED_RESOURCE: Final = "resource-created-after-run"


@dataclass(frozen=True)
class Evidence:
    """One backup job or recovery point a plan created."""

    kind: str
    """``backup-job`` or ``recovery-point``."""
    id: str
    """The job id or the recovery point ARN."""
    time: pd.Timestamp
    plan_id: str
    """Empty for an on-demand job or recovery point."""
    plan_version: str | None
    rule_id: str | None
    resource_arn: str
    state: str | None
    account_id: str
    region: str

    @property
    def iso_time(self) -> str:
        return self.time.isoformat().replace("+00:00", "Z")

    @property
    def running(self) -> bool:
        return self.kind == "backup-job" and self.state in RUNNING_STATES

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "time": self.iso_time}

    def text(self) -> str:
        what = "backup job" if self.kind == "backup-job" else "recovery point"
        state = f", {self.state}" if self.state else ""
        return f"{what} {self.id} ({self.iso_time}{state})"


@dataclass(frozen=True)
class Disagreement:
    """Where AWS Backup's record and the prediction for one plan rule and one resource differ."""

    disagreement: str
    account_id: str
    region: str
    resource_arn: str
    resource_type: str
    plan_id: str
    plan_name: str
    plan_rule_id: str | None
    plan_rule_name: str | None
    selection_id: str | None
    selection_name: str | None
    reading: str | None
    reading_text: str
    evidence: Evidence | None
    excluded: str | None = None
    """Why the difference is legitimate (``EXCLUDED_*``); None: a real disagreement."""
    note: str = ""
    """What explains the exclusion, or what leaves the finding unsure."""


@dataclass(frozen=True)
class _Plan:
    name: str
    version: str | None
    rules: tuple[tuple[str | None, str | None], ...]
    """(rule id, rule name) of each rule."""
    selections: tuple[tuple[str, str, pd.Timestamp | None], ...]
    """(selection id, name, creation date) of each selection."""


def evidence_frame(
    inventory: Inventory, as_of: datetime, window_days: int, *, scheduled_only: bool = True
) -> list[Evidence]:
    """Jobs and recovery points created in the window, oldest first: those a plan created, or
    (``scheduled_only=False``) on-demand ones too (``plan_id`` empty)."""
    start = pd.Timestamp(as_of - timedelta(days=window_days))
    end = pd.Timestamp(as_of)
    out: list[Evidence] = []
    for kind, frame, id_col, state_col in (
        ("backup-job", inventory.jobs, "job_id", "state"),
        ("recovery-point", inventory.recovery_points, "recovery_point_arn", "status"),
    ):
        f = frame[frame["resource_arn"].notna() & frame["creation_date"].notna()]
        if scheduled_only:
            f = f[f["plan_id"].notna()]
        f = f[(f["creation_date"] >= start) & (f["creation_date"] <= end)]
        for row in f.itertuples(index=False):
            out.append(
                Evidence(
                    kind=kind,
                    id=str(getattr(row, id_col)),
                    time=_ts(row.creation_date) or pd.Timestamp(0, tz="UTC"),
                    plan_id=maybe_str(row.plan_id) or "",
                    plan_version=maybe_str(row.plan_version),
                    rule_id=maybe_str(row.rule_id),
                    resource_arn=str(row.resource_arn),
                    state=maybe_str(getattr(row, state_col)),
                    account_id=str(row.account_id),
                    region=str(row.region),
                )
            )
    out.sort(key=lambda e: (e.time, e.id))
    return out


def compare(
    inventory: Inventory, protection: Protection, as_of: datetime, window_days: int
) -> tuple[Disagreement, ...]:
    """Every disagreement between the bundle's evidence and the prediction, excluded ones included
    (``excluded`` set), in a stable order."""
    evidence = evidence_frame(inventory, as_of, window_days)
    if not evidence:
        return ()
    ctx = _Compare.of(inventory, protection, evidence)
    found = [*ctx.backed_up_not_predicted(), *ctx.predicted_not_backed_up()]
    return tuple(_decided(inventory, protection, found))


def for_resource(
    inventory: Inventory, protection: Protection, arn: str, as_of: datetime, window_days: int
) -> tuple[list[Evidence], list[Disagreement]]:
    """The evidence of one resource in the window (by any plan, or on demand) and its
    disagreements."""
    every = evidence_frame(inventory, as_of, window_days, scheduled_only=False)
    evidence = [e for e in every if e.resource_arn == arn]
    found = [d for d in compare(inventory, protection, as_of, window_days) if d.resource_arn == arn]
    return evidence, found


#: States of a backup job / recovery point that hold a backup.
BACKED_UP_STATES: Final = ("COMPLETED", "PARTIAL", "AVAILABLE")


def backed_up(inventory: Inventory, as_of: datetime, window_days: int) -> dict[str, Evidence]:
    """Resource ARN -> its latest backup in the window (a completed job or recovery point, by a
    plan or on demand): a resource with one is never called unprotected without saying so."""
    out: dict[str, Evidence] = {}
    for e in evidence_frame(inventory, as_of, window_days, scheduled_only=False):
        if e.state in BACKED_UP_STATES:
            out[e.resource_arn] = e  # oldest first: the last one wins
    return out


def backed_up_text(e: Evidence, plan_names: Mapping[str, str]) -> str:
    """``backup job J (T, COMPLETED) of plan `P``` for finding messages."""
    by = f"plan `{plan_names.get(e.plan_id, e.plan_id)}`" if e.plan_id else "an on-demand backup"
    return f"{e.text()} of {by}"


def render_evidence(
    inventory: Inventory, protection: Protection, arn: str, as_of: datetime, window_days: int
) -> str:
    """``explain``'s evidence lines: AWS Backup's record of the resource in the job window, by
    plan, and where it disagrees with the prediction (excluded differences with their reason)."""
    evidence, found = for_resource(inventory, protection, arn, as_of, window_days)
    pl = inventory.plans
    names = {str(p): str(n) for p, n in zip(pl["plan_id"], pl["plan_name"], strict=True)}
    start = (as_of - timedelta(days=window_days)).isoformat().replace("+00:00", "Z")
    lines = [f"evidence   AWS Backup's record of it since {start} (job window, {window_days} days):"]
    if not evidence:
        lines.append("  none: no backup job or recovery point of it in the window")
    for e in evidence:
        by = f"plan `{names.get(e.plan_id, e.plan_id)}`" if e.plan_id else "on demand"
        lines.append(f"  {by}: {e.text()}")
    for d in found:
        rule = f"plan `{d.plan_name}` rule `{d.plan_rule_name or d.plan_rule_id or '?'}`"
        reading = f" (reading {d.reading})" if d.reading else ""
        ev = d.evidence.text() if d.evidence else "no evidence"
        if d.excluded:
            lines.append(f"not a disagreement: {d.disagreement} with {rule}, {ev}: {d.excluded}: {d.note}")
        else:
            ran = "backed it up" if d.disagreement == BACKED_UP_NOT_PREDICTED else "ran for other resources"
            lines.append(f"DISAGREES  {d.disagreement} with {rule}{reading}: {d.reading_text}")
            lines.append(f"  the rule {ran}: {ev}")
            if d.note:
                lines.append(f"  unsure: {d.note}")
    return "\n".join(lines) + "\n"


# -- the comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Runs:
    """The records of one plan rule in the window, oldest first: all of them, the finished ones,
    and the finished ones of the plan's current version."""

    done: list[Evidence]
    finished: list[Evidence]
    current: list[Evidence]

    @classmethod
    def of(
        cls,
        records: Mapping[tuple[str, str, str, str | None], list[Evidence]],
        key: tuple[str, str, str, str | None],
        version: str | None,
    ) -> _Runs:
        a, r, pid, rule_id = key
        # a record without BackupRuleId counts as a run of every rule of its plan
        mixed = records.get(key, []) + (records.get((a, r, pid, None), []) if rule_id is not None else [])
        done = sorted(mixed, key=lambda e: (e.time, e.id))
        finished = [e for e in done if not e.running]
        current = [e for e in finished if not (version and e.plan_version and e.plan_version != version)]
        return cls(done, finished, current)


@dataclass(frozen=True)
class _Compare:
    plans: Mapping[tuple[str, str, str], _Plan]
    resources: Mapping[str, tuple[str, str, str, Any, pd.Timestamp | None]]
    """arn -> (account, region, type, protected, created)."""
    predicted: Mapping[tuple[str, str], str]
    """(arn, plan id) -> the via of an effective match of the plan's own selections (or a parent's)."""
    unread: Mapping[tuple[str, str], tuple[str, ...]]
    """Account-Region -> the compared operations not read there (empty: every one was read);
    an account-Region absent from the coverage was not read at all."""
    evidence: Sequence[Evidence]
    selecting: Mapping[tuple[str, str], set[str]]
    """(arn, plan id) -> ids of the plan's own selections that protect the resource."""

    @classmethod
    def of(cls, inventory: Inventory, protection: Protection, evidence: Sequence[Evidence]) -> _Compare:
        res = inventory.resources
        created = res["created"].tolist() if "created" in res else [None] * len(res)
        verdict = dict(zip(protection.verdicts["arn"], protection.verdicts["protected"], strict=True))
        resources = {
            str(a): (str(acc), str(reg), str(t), verdict.get(a), _ts(c))
            for a, acc, reg, t, c in zip(
                res["arn"], res["account_id"], res["region"], res["resource_type"], created, strict=True
            )
        }
        m = protection.matches
        m = m[m["effective"].astype(bool)]
        predicted: dict[tuple[str, str], str] = {}
        selecting: dict[tuple[str, str], set[str]] = {}
        for arn, plan, via, sid in zip(m["arn"], m["plan_id"], m["via"], m["selection_id"], strict=True):
            key = (str(arn), str(plan))
            if key not in predicted or predicted[key] in THROUGH_PARENT_VIAS:
                predicted[key] = str(via)
            if str(via) not in THROUGH_PARENT_VIAS:
                selecting.setdefault(key, set()).add(str(sid))
        return cls(_plans(inventory), resources, predicted, _unread(inventory), evidence, selecting)

    def _unjudged(self, account_id: str, region: str, arn: str) -> str | None:
        """Why the resource's prediction cannot be compared (its account-Region was not fully
        read, or its verdict is undecided), or None when it can."""
        where = f"account {account_id}, {region}"
        unread = self.unread.get((account_id, region))
        if unread is None:
            return f"{where} was not read"
        if unread:
            return f"{where} was not fully read ({', '.join(unread)} not collected)"
        if self.resources[arn][3] is None:
            return f"the resource's verdict is undecided in {where}"
        return None

    def backed_up_not_predicted(self) -> Iterator[Disagreement]:
        groups: dict[tuple[str, str, str, str | None, str], list[Evidence]] = {}
        for e in self.evidence:
            a, r = e.account_id, e.region
            plan = self.plans.get((a, r, e.plan_id))
            if plan is None or e.resource_arn not in self.resources:
                continue  # a plan or resource of another account-Region (a copy), or gone
            if self.resources[e.resource_arn][:2] != (a, r) or (e.resource_arn, e.plan_id) in self.predicted:
                continue
            groups.setdefault((a, r, e.plan_id, e.rule_id, e.resource_arn), []).append(e)
        for (a, r, pid, rule_id, arn), found in sorted(groups.items(), key=lambda kv: str(kv[0])):
            plan = self.plans[(a, r, pid)]
            best = max(found, key=lambda e: (not e.running, e.plan_version == plan.version, e.time))
            excluded, note = self._exclude_backed_up(a, r, arn, plan, best)
            yield self._disagreement(BACKED_UP_NOT_PREDICTED, arn, (a, r, pid), rule_id, best, excluded, note)

    def _exclude_backed_up(
        self, a: str, r: str, arn: str, plan: _Plan, e: Evidence
    ) -> tuple[str | None, str]:
        unjudged = self._unjudged(a, r, arn)
        if unjudged is not None:
            return EXCLUDED_PARTIAL, unjudged
        if e.running:
            return EXCLUDED_RUNNING, f"the job is still {e.state}"
        if plan.version and e.plan_version and e.plan_version != plan.version:
            return EXCLUDED_VERSION, (
                f"the run used plan version {e.plan_version}; the plan is now at version {plan.version}"
            )
        later = [(sid, name, c) for sid, name, c in plan.selections if c is not None and c > e.time]
        if later:
            return EXCLUDED_SELECTION, (
                f"selection `{later[0][1]}` was created at {_iso(later[0][2])}, after the run: the plan's "
                "selections then are not all in the bundle"
            )
        created = self.resources[arn][4]
        if created is not None and created > e.time:
            return EXCLUDED_RESOURCE, (
                f"the resource was created at {_iso(created)}, after the run (an earlier resource of the same ARN)"
            )
        return None, ""

    def predicted_not_backed_up(self) -> Iterator[Disagreement]:
        records: dict[tuple[str, str, str, str | None], list[Evidence]] = {}
        got: set[tuple[str, str, str | None]] = set()
        for e in self.evidence:
            records.setdefault((e.account_id, e.region, e.plan_id, e.rule_id), []).append(e)
            got.add((e.resource_arn, e.plan_id, e.rule_id))
        runs: dict[tuple[str, str, str, str | None], _Runs] = {}
        for (arn, pid), via in sorted(self.predicted.items()):
            if via in THROUGH_PARENT_VIAS:
                continue  # AWS Backup's job is the parent's (instance, stack)
            a, r, _, _, _ = self.resources[arn]
            plan = self.plans.get((a, r, pid))
            if plan is None:
                continue
            for rule_id, _ in plan.rules:
                if (arn, pid, rule_id) in got or (arn, pid, None) in got:
                    continue
                key = (a, r, pid, rule_id)
                if key not in runs:
                    runs[key] = _Runs.of(records, key, plan.version)
                if runs[key].done:
                    yield self._skipped(arn, (a, r, pid), rule_id, runs[key])

    def _skipped(self, arn: str, key: tuple[str, str, str], rule_id: str | None, runs: _Runs) -> Disagreement:
        excluded, note, evidence = self._exclude_skipped(key, arn, runs)
        return self._disagreement(PREDICTED_NOT_BACKED_UP, arn, key, rule_id, evidence, excluded, note)

    def _exclude_skipped(
        self, key: tuple[str, str, str], arn: str, runs: _Runs
    ) -> tuple[str | None, str, Evidence]:
        a, r, plan_id = key
        plan = self.plans[key]
        latest = runs.done[-1]
        unjudged = self._unjudged(a, r, arn)
        if unjudged is not None:
            return EXCLUDED_PARTIAL, unjudged, latest
        if not runs.finished:
            return EXCLUDED_RUNNING, "the rule's only jobs in the window are still running", latest
        if not runs.current:
            return (
                EXCLUDED_VERSION,
                f"every run in the window used an earlier plan version (now {plan.version})",
                latest,
            )
        last = runs.current[-1]  # the rule's latest finished run under the current version
        mine = self.selecting.get((arn, plan_id), set())
        first = min((c for sid, _, c in plan.selections if sid in mine and c is not None), default=None)
        if first is not None and not last.time > first:
            why = f"the selection that protects it was created at {_iso(first)}, after the rule's last run"
            return EXCLUDED_SELECTION, why, last
        created = self.resources[arn][4]
        if created is not None and not last.time > created:
            return (
                EXCLUDED_RESOURCE,
                f"the resource was created at {_iso(created)}, after the rule's last run",
                last,
            )
        note = (
            ""
            if created is not None
            else (
                "the bundle does not say when the resource was created: if after "
                f"{last.iso_time}, the rule had no run to back it up yet"
            )
        )
        return None, note, last

    def _disagreement(
        self,
        kind: str,
        arn: str,
        key: tuple[str, str, str],
        rule_id: str | None,
        evidence: Evidence,
        excluded: str | None,
        note: str,
    ) -> Disagreement:
        plan = self.plans[key]
        rule_name = next((n for i, n in plan.rules if i == rule_id), None)
        return Disagreement(
            disagreement=kind,
            account_id=key[0],
            region=key[1],
            resource_arn=arn,
            resource_type=self.resources[arn][2],
            plan_id=key[2],
            plan_name=plan.name,
            plan_rule_id=rule_id,
            plan_rule_name=rule_name,
            selection_id=None,
            selection_name=None,
            reading=None,
            reading_text="",
            evidence=evidence,
            excluded=excluded,
            note=note,
        )


def _decided(
    inventory: Inventory, protection: Protection, found: Iterable[Disagreement]
) -> Iterator[Disagreement]:
    """Each disagreement with the selection and the reading that decided the prediction: the
    trails ``explain`` prints for the plan's selections, computed for these resources only."""
    from auditor.protection.explain import ResourceFacts, plan_trails  # explain imports the resolver

    found = list(found)
    if not found:
        return
    s = inventory.selections
    names = dict(zip(s["selection_id"], s["selection_name"], strict=True))
    res, v = inventory.resources, protection.verdicts
    arns = {d.resource_arn for d in found}
    rows = {str(r["arn"]): r for r in res[res["arn"].isin(arns)].to_dict("records")}
    reasons = {str(a): str(x) for a, x in zip(v["arn"], v["reason"], strict=True) if a in arns}
    facts = inventory_facts(inventory)
    for d in found:
        row = rows[d.resource_arn]
        t = str(row["resource_type"])
        region = facts.region(d.account_id, d.region)
        resource = ResourceFacts(
            arn=d.resource_arn,
            tags=row["tags"] or {},
            parent_tags=row["parent_tags"],
            resource_type=t,
            opt_in=region.opt_in(t),
            unsupported=unsupported_reason(
                bool(row["rds_custom"]), bool(row["on_outposts"]), t, row["versioning"]
            ),
        )
        trail = reading_ids.Trail(
            resource_type=t,
            opt_in=resource.opt_in,
            selections=plan_trails(region.selections, d.plan_id, resource),
            in_stack=bool(row["stacks"]),
            reason=reasons.get(d.resource_arn, ""),
        )
        if d.disagreement == BACKED_UP_NOT_PREDICTED:
            decision = reading_ids.not_selected(trail, d.plan_id)
        else:
            decision = reading_ids.selected(trail, d.plan_id)
        sid = decision.selection_id
        yield replace(
            d,
            selection_id=sid,
            selection_name=None if sid is None else str(names.get(sid, sid)),
            reading=decision.reading,
            reading_text=decision.text,
        )


def _plans(inventory: Inventory) -> dict[tuple[str, str, str], _Plan]:
    rules: dict[tuple[str, str, str], list[tuple[str | None, str | None]]] = {}
    pr = inventory.plan_rules
    for a, r, p, i, n in zip(
        pr["account_id"], pr["region"], pr["plan_id"], pr["rule_id"], pr["rule_name"], strict=True
    ):
        rules.setdefault((str(a), str(r), str(p)), []).append((maybe_str(i), maybe_str(n)))
    sels: dict[tuple[str, str, str], list[tuple[str, str, pd.Timestamp | None]]] = {}
    s = inventory.selections
    for a, r, p, i, n, c in zip(
        s["account_id"],
        s["region"],
        s["plan_id"],
        s["selection_id"],
        s["selection_name"],
        s["creation_date"],
        strict=True,
    ):
        sels.setdefault((str(a), str(r), str(p)), []).append((str(i), str(n), _ts(c)))
    out: dict[tuple[str, str, str], _Plan] = {}
    pl = inventory.plans
    for a, r, p, n, v in zip(
        pl["account_id"], pl["region"], pl["plan_id"], pl["plan_name"], pl["version_id"], strict=True
    ):
        key = (str(a), str(r), str(p))
        out[key] = _Plan(str(n), maybe_str(v), tuple(rules.get(key, ())), tuple(sels.get(key, ())))
    return out


def _unread(inventory: Inventory) -> dict[tuple[str, str], tuple[str, ...]]:
    """Account-Region of the coverage -> the operations of :data:`COMPARED_OPERATIONS` not
    collected there, in that order (an operation with several coverage rows counts as read only
    when all of them were; one without a row as not read). Empty: the predictions and the jobs of
    the account-Region can be compared."""
    cov = inventory.coverage
    state: dict[tuple[str, str, str], bool] = {}
    for a, r, op, ok in zip(
        cov["account_id"], cov["region"], cov["operation"], cov["collected"], strict=True
    ):
        key = (str(a), str(r), str(op))
        state[key] = state.get(key, True) and ok is not None and not pd.isna(ok) and bool(ok)
    scopes = {(a, r) for a, r, _ in state}
    return {
        (a, r): tuple(op for op in COMPARED_OPERATIONS if not state.get((a, r, op), False))
        for a, r in sorted(scopes)
    }


def _ts(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        return None
    return pd.Timestamp(value)  # type: ignore[arg-type]


def _iso(value: pd.Timestamp | None) -> str:
    return "unknown" if value is None else value.isoformat().replace("+00:00", "Z")


__all__ = [
    "BACKED_UP_NOT_PREDICTED",
    "BACKED_UP_STATES",
    "COMPARED_OPERATIONS",
    "PREDICTED_NOT_BACKED_UP",
    "Disagreement",
    "Evidence",
    "backed_up",
    "backed_up_text",
    "compare",
    "evidence_frame",
    "for_resource",
    "render_evidence",
]
