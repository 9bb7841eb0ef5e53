"""``verify-readings``: what AWS Backup did with each probe of the verification kit, against our
prediction, from a findings JSON (and, when at hand, its evidence bundle).

A probe is a resource tagged :data:`~auditor.readings.PROBE_TAG` with a probe id of
:mod:`auditor.readings`. For each probe found:

* **our prediction** is the resolver's verdict in the findings: the resource is backed up by the
  kit's plan (:data:`~auditor.readings.KIT_PLAN_NAME`, same account and Region) when one of its
  protecting selections belongs to that plan;
* **what AWS did** comes from BKP-091 ("prediction vs evidence") findings on the probe for that
  plan: ``backed-up-not-predicted`` means AWS backed it up, ``predicted-not-backed-up`` means the
  plan ran and skipped it: both disagree with the prediction. Without a BKP-091 finding, AWS did
  what we predicted **only if** the plan is known to have run: a BKP-091 finding on any resource
  for that plan (both kinds need a run), or a backup job or recovery point created by the plan in
  the evidence bundle. BKP-091 must also have been evaluated (a rule of this version, not listed
  as not evaluated or failed in the findings). Otherwise the row says "no evidence yet", never
  "agree". When the bundle was read, it must also bear the probe out: a probe predicted backed up
  needs its own job or recovery point from the plan, and a probe predicted skipped must have none
  (BKP-091 leaves out what it cannot judge, e.g. a job still running or a resource created after
  the run: such a row says "no evidence yet" and why).
* whether the outcome **supports** our reading or the opposite one follows from the table.

The opt-in preconditions (:data:`~auditor.readings.OPT_IN_PRECONDITIONS`) are checked from the
findings too: BKP-004 reports a type whose opt-in is off while resources of it exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from auditor.errors import BadInputError
from auditor.model.results import EvaluationResult, Finding
from auditor.readings import (
    KIT_PLAN_NAME,
    OPT_IN_PRECONDITIONS,
    PROBE_TAG,
    Outcome,
    Probe,
    all_probes,
    reading_of,
)

RULE_ID = "BKP-091"
BACKED_UP_NOT_PREDICTED = "backed-up-not-predicted"
PREDICTED_NOT_BACKED_UP = "predicted-not-backed-up"
_DISAGREEMENTS = {BACKED_UP_NOT_PREDICTED: Outcome.BACKED_UP, PREDICTED_NOT_BACKED_UP: Outcome.NOT_BACKED_UP}


class Result(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    NO_EVIDENCE = "no evidence yet"
    NOT_AUDITED = "not audited"
    NOT_FOUND = "probe not found"


@dataclass(frozen=True)
class Evidence:
    """A BKP-091 finding's ``details.evidence``: a backup job or recovery point, and its time."""

    kind: str
    id: str
    time: str | None


@dataclass(frozen=True)
class Disagreement:
    """The BKP-091 fields ``verify-readings`` reads (the contract with BKP-091)."""

    resource_arn: str
    plan_id: str
    aws_did: Outcome
    reading: str | None
    evidence: Evidence | None


@dataclass(frozen=True)
class ProbeRow:
    """One probe's line of the table."""

    probe: Probe
    reading: str
    """The reading's id (``A3``) or ``control``."""
    where: str
    """``ACCOUNT/REGION`` of the probe resource ('' when not found)."""
    predicted: Outcome | None
    """None: not found, or the resolver's verdict is unknown."""
    aws_did: Outcome | None
    """None: not known (no evidence)."""
    result: Result
    supports: str
    note: str


@dataclass(frozen=True)
class RunEvidence:
    """Whether the kit's plan is known to have run, per (account, region), and how we know."""

    plans: Mapping[tuple[str, str], str]
    """(account, region) -> the kit plan's id there."""
    ran: Mapping[str, str]
    """plan id -> how we know it ran."""
    judged: bool
    """BKP-091 was evaluated on these findings."""
    why_not_judged: str


@dataclass(frozen=True)
class BundleRuns:
    """What the evidence bundle says the kit's plans did (:func:`load_bundle_runs`)."""

    read: bool
    """False: no bundle was given (nothing below is known)."""
    plans: Mapping[str, str] = field(default_factory=dict)
    """plan id -> its first backup job or recovery point, in words."""
    resources: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(plan id, resource ARN) -> the first backup job or recovery point the plan made of it."""


NO_BUNDLE = BundleRuns(read=False)


def _bad(source: Path, what: str) -> BadInputError:
    return BadInputError(f"{source}: {what}")


def disagreements(findings: Iterable[Finding], source: Path) -> list[Disagreement]:
    """The BKP-091 findings, checked against the contract; a malformed one is bad input."""
    out: list[Disagreement] = []
    for f in findings:
        if f.rule_id != RULE_ID:
            continue
        d = f.details
        kind, plan_id = d.get("disagreement"), d.get("plan_id")
        if kind not in _DISAGREEMENTS:
            raise _bad(
                source, f"finding {f.id}: details.disagreement must be one of {', '.join(_DISAGREEMENTS)}"
            )
        if not isinstance(plan_id, str) or not f.resource_arn:
            raise _bad(source, f"finding {f.id}: a {RULE_ID} finding needs resource_arn and details.plan_id")
        reading = d.get("reading")
        out.append(
            Disagreement(
                resource_arn=f.resource_arn,
                plan_id=plan_id,
                aws_did=_DISAGREEMENTS[str(kind)],
                reading=reading if isinstance(reading, str) else None,
                evidence=_evidence(d.get("evidence"), source, f.id),
            )
        )
    return out


def _evidence(raw: object, source: Path, finding_id: str) -> Evidence | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, Mapping)
        or not isinstance(raw.get("kind"), str)
        or not isinstance(raw.get("id"), str)
    ):
        raise _bad(source, f"finding {finding_id}: details.evidence must be null or {{kind, id, time}}")
    time = raw.get("time")
    return Evidence(str(raw["kind"]), str(raw["id"]), time if isinstance(time, str) else None)


def kit_plans(result: EvaluationResult) -> dict[tuple[str, str], str]:
    """(account, region) -> id of the plan named :data:`KIT_PLAN_NAME` there."""
    return {
        (str(p.get("account_id")), str(p.get("region"))): str(p.get("plan_id"))
        for p in result.plans
        if p.get("plan_name") == KIT_PLAN_NAME
    }


def bkp091_judged(result: EvaluationResult, known_rules: Sequence[str]) -> tuple[bool, str]:
    """Whether the findings can be trusted to carry every BKP-091 disagreement."""
    if RULE_ID not in known_rules:
        return False, f"this version of backup-auditor has no rule {RULE_ID}"
    raw = result.summary.get("rules_not_evaluated") if isinstance(result.summary, Mapping) else None
    if isinstance(raw, list) and any(isinstance(r, Mapping) and r.get("rule_id") == RULE_ID for r in raw):
        return False, f"{RULE_ID} was not evaluated (evidence not collected)"
    if any(e.get("kind") == "rule" and e.get("rule_id") == RULE_ID for e in result.errors):
        return False, f"{RULE_ID} failed in this run (see the findings' errors)"
    return True, ""


def run_evidence(
    result: EvaluationResult,
    found: Sequence[Disagreement],
    bundle: BundleRuns,
    known_rules: Sequence[str],
) -> RunEvidence:
    """How we know each kit plan ran: a BKP-091 finding for it, or a job or recovery point the
    plan created in the evidence bundle."""
    plans = kit_plans(result)
    ran: dict[str, str] = {}
    for d in found:
        if d.plan_id in plans.values():
            ran.setdefault(d.plan_id, f"{RULE_ID} finding on {d.resource_arn}")
    for plan_id, how in bundle.plans.items():
        if plan_id in plans.values():
            ran.setdefault(plan_id, how)
    judged, why = bkp091_judged(result, known_rules)
    return RunEvidence(plans, ran, judged, why)


def _predicted(resource: Mapping[str, Any], plan_id: str | None) -> Outcome | None:
    if resource.get("protected") is None or plan_id is None:  # unknown, or no kit plan to judge
        return None
    selections = resource.get("selections") or []
    by_plan = any(s.get("plan_id") == plan_id for s in selections)
    return Outcome.BACKED_UP if by_plan else Outcome.NOT_BACKED_UP


def _supports(probe: Probe, aws_did: Outcome | None) -> str:
    if aws_did is None:
        return ""
    if not probe.decisive:
        return "as expected (control)" if aws_did is probe.ours else "neither: check the set-up"
    return "our reading" if aws_did is probe.ours else "the opposite reading"


def _coverage(result: EvaluationResult) -> dict[tuple[str, str], str]:
    return {(c.account_id, c.region or ""): c.status for c in result.coverage}


_Verdict = tuple[Outcome | None, Result, str]
"""What AWS did, the result, and the note's first part."""


def _outcome(
    predicted: Outcome | None,
    plan_id: str | None,
    d: Disagreement | None,
    status: str,
    evidence: RunEvidence,
    bundle: BundleRuns,
    arn: str,
) -> _Verdict:
    if d is not None:
        e = d.evidence
        seen = "" if e is None else f"{e.kind} {e.id}" + (f" at {e.time}" if e.time else "")
        return d.aws_did, Result.DISAGREE, seen
    if status != "audited":
        return None, Result.NOT_AUDITED, f"its account-Region is {status.replace('_', ' ')}"
    if plan_id is None:
        return None, Result.NO_EVIDENCE, f"no plan named {KIT_PLAN_NAME} in the probe's account and Region"
    if predicted is None:
        return None, Result.NO_EVIDENCE, "the resolver's verdict is unknown"
    if not evidence.judged:
        return None, Result.NO_EVIDENCE, evidence.why_not_judged
    if plan_id not in evidence.ran:
        return None, Result.NO_EVIDENCE, "no evidence that the kit's plan has run"
    if bundle.read:
        return _borne_out(predicted, bundle.resources.get((plan_id, arn)), evidence.ran[plan_id])
    return predicted, Result.AGREE, f"plan ran: {evidence.ran[plan_id]}"


def _borne_out(predicted: Outcome, own: str | None, ran: str) -> _Verdict:
    """The bundle's word on one probe that BKP-091 did not report."""
    if predicted is Outcome.BACKED_UP:
        if own is None:
            return (
                None,
                Result.NO_EVIDENCE,
                (
                    f"no job or recovery point of the kit's plan for it in the bundle, and no {RULE_ID} "
                    "finding (created after the run?)"
                ),
            )
        return predicted, Result.AGREE, own
    if own is not None:
        return (
            None,
            Result.NO_EVIDENCE,
            (
                f"the bundle has {own} for it from the kit's plan, yet no {RULE_ID} finding "
                "(a job still running, or one BKP-091 does not count)"
            ),
        )
    return predicted, Result.AGREE, f"plan ran: {ran}"


def _judge(
    probe: Probe,
    resource: Mapping[str, Any],
    evidence: RunEvidence,
    bundle: BundleRuns,
    found: Mapping[tuple[str, str], Disagreement],
    coverage: Mapping[tuple[str, str], str],
) -> ProbeRow:
    account, region = str(resource.get("account_id")), str(resource.get("region"))
    plan_id = evidence.plans.get((account, region))
    predicted = _predicted(resource, plan_id)
    arn = str(resource["arn"])
    d = found.get((arn, plan_id or ""))
    status = coverage.get((account, region), "not_audited")
    aws_did, result, first = _outcome(predicted, plan_id, d, status, evidence, bundle, arn)
    notes = [first] if first else []
    if predicted is not None and predicted is not probe.ours:
        notes.append(
            f"the kit expects '{probe.ours.value}' under our reading: check the opt-in preconditions"
        )
    return ProbeRow(
        probe=probe,
        reading=_reading_id(probe),
        where=f"{account}/{region}",
        predicted=predicted,
        aws_did=aws_did,
        result=result,
        supports=_supports(probe, aws_did),
        note="; ".join(notes),
    )


def _reading_id(probe: Probe) -> str:
    reading = reading_of(probe.id)
    return reading.id if reading is not None else "control"


def probe_resources(result: EvaluationResult) -> dict[str, list[Mapping[str, Any]]]:
    """Probe id -> the resources carrying its tag."""
    ids = {p.id for p in all_probes()}
    out: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in result.resources:
        tags = r.get("tags")
        value = tags.get(PROBE_TAG) if isinstance(tags, Mapping) else None
        if value in ids:
            out[str(value)].append(r)
    return out


def verify(
    result: EvaluationResult,
    source: Path,
    *,
    bundle: BundleRuns,
    known_rules: Sequence[str],
) -> tuple[list[ProbeRow], RunEvidence]:
    """One row per probe of the table (and per extra copy of a probe found)."""
    found_list = disagreements(result.findings, source)
    evidence = run_evidence(result, found_list, bundle, known_rules)
    found: dict[tuple[str, str], Disagreement] = {}
    for d in found_list:
        found.setdefault((d.resource_arn, d.plan_id), d)
    coverage = _coverage(result)
    resources = probe_resources(result)
    rows: list[ProbeRow] = []
    for probe in all_probes():
        if not resources.get(probe.id):
            rid = _reading_id(probe)
            rows.append(
                ProbeRow(
                    probe,
                    rid,
                    "",
                    None,
                    None,
                    Result.NOT_FOUND,
                    "",
                    f"no resource tagged {PROBE_TAG}={probe.id}",
                )
            )
            continue
        rows.extend(_judge(probe, r, evidence, bundle, found, coverage) for r in resources[probe.id])
    return rows, evidence


def precondition_problems(result: EvaluationResult, rows: Iterable[ProbeRow]) -> list[str]:
    """Opt-in preconditions the findings show unmet where probes were found (BKP-004 reports a
    type whose opt-in is off while resources of it exist, and every kind has a probe). Only fully
    audited account-Regions are judged: elsewhere the region settings may not have been read."""
    off = {(f.account_id, f.region, f.resource_type) for f in result.findings if f.rule_id == "BKP-004"}
    coverage = _coverage(result)
    problems: list[str] = []
    for where in sorted({r.where for r in rows if r.where}):
        account, _, region = where.partition("/")
        if coverage.get((account, region)) != "audited":
            continue
        for kind, on in OPT_IN_PRECONDITIONS.items():
            is_off = (account, region, kind.value) in off
            if is_off == on:
                state = "off" if is_off else "on"
                problems.append(
                    f"{account}/{region}: the {kind.value} opt-in is {state}; the kit needs it "
                    f"{'on' if on else 'off'}"
                )
    return problems


def to_text(rows: Sequence[ProbeRow], evidence: RunEvidence, problems: Sequence[str]) -> str:
    """The table people read, then what the evidence rests on."""
    head = ("PROBE", "READING", "PREDICTED", "AWS DID", "RESULT", "SUPPORTS", "NOTE")
    body = [
        (
            r.probe.id,
            r.reading,
            r.predicted.value if r.predicted is not None else "-",
            r.aws_did.value if r.aws_did is not None else "-",
            r.result.value,
            r.supports or "-",
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)) + "  " + line[-1]
        for line in (head, *body)
    ]
    counts = {res: sum(1 for r in rows if r.result is res) for res in Result}
    summary = ", ".join(f"{n} {res.value}" for res, n in counts.items() if n)
    lines += ["", f"{len(rows)} probe(s): {summary}"]
    if not evidence.judged:
        lines.append(f"no 'agree' without {RULE_ID}: {evidence.why_not_judged}")
    lines += [f"precondition not met: {p}" for p in problems]
    return "\n".join(lines).rstrip() + "\n"


def load_bundle_runs(bundle: Path) -> BundleRuns:
    """What the plans of an evidence bundle did: their backup jobs and recovery points."""
    from auditor.evidence import read_bundle  # the bundle reader (pandas) only when a bundle is read
    from auditor.model.frames import load_inventory

    inventory = load_inventory(read_bundle(bundle))
    plans: dict[str, str] = {}
    resources: dict[tuple[str, str], str] = {}
    for frame, what, id_col in (
        (inventory.jobs, "backup job", "job_id"),
        (inventory.recovery_points, "recovery point", "recovery_point_arn"),
    ):
        if frame.empty:
            continue
        columns = (frame[c].tolist() for c in ("plan_id", id_col, "creation_date", "resource_arn"))
        for plan_id, item, created, arn in zip(*columns, strict=True):
            if not isinstance(plan_id, str) or not plan_id:
                continue
            words = f"{what} {item}" + (f" created {created}" if isinstance(created, str) else "")
            plans.setdefault(plan_id, words)
            if isinstance(arn, str):
                resources.setdefault((plan_id, arn), words)
    return BundleRuns(read=True, plans=plans, resources=resources)
