"""``backup-auditor verify-readings``: the kit's probes in a findings JSON, judged.

The findings come from the real evaluator run on a bundle of the kit as deployed
(tests/readings/kit.py), with BKP-091 findings of the contract added where a test wants AWS to
disagree. Proves: disagreements become "disagree" rows naming what AWS did, the evidence and which
reading it supports, from findings JSON version 1 and 2 and from an audit output directory;
without evidence that the kit's plan ran, or without BKP-091 evaluated, no row says "agree";
with it, every probe agrees; unmet opt-in preconditions are reported; a missing file, bad JSON,
a directory without findings.json or a BKP-091 finding breaking the contract exit 2 with one line.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import read_findings, write_findings
from auditor.model.results import EvaluationResult
from auditor.readings import Outcome, ProbeKind, all_probes
from auditor.rules import rules
from auditor.verify_readings import (
    BACKED_UP_NOT_PREDICTED,
    NO_BUNDLE,
    PREDICTED_NOT_BACKED_UP,
    BundleRuns,
    Result,
    load_bundle_runs,
    verify,
)
from tests.readings.kit import bkp091, kit_bundle

BACKED = [p.id for p in all_probes() if p.ours is Outcome.BACKED_UP]
HAS_BKP091 = "BKP-091" in rules.ids()


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EvaluationResult, dict[str, str], str]:
    """An audit output directory of the kit after a run where AWS did what we predict."""
    out = tmp_path_factory.mktemp("audit")
    bundle, arns, plan = kit_bundle(out / "evidence", backed_up=BACKED)
    result = evaluate_bundle(read_bundle(bundle))
    write_findings(result, out / "findings.json")
    return out, result, arns, plan


def _rows(out: str) -> dict[str, list[str]]:
    """Probe id -> the table's columns (split on runs of two spaces)."""
    rows: dict[str, list[str]] = {}
    for line in out.splitlines()[1:]:
        if not line.strip():
            break
        cells = [c.strip() for c in line.split("  ") if c.strip()]
        rows[cells[0]] = cells
    return rows


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["verify-readings", *args])
    got = capsys.readouterr()
    return code, got.out, got.err


def test_audit_directory_every_probe_agrees_or_says_no_evidence(
    kit: tuple[Path, EvaluationResult, dict[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    out, _, _, _ = kit
    code, text, _ = _run(capsys, str(out))
    assert code == 0
    rows = _rows(text)
    assert sorted(rows) == sorted(p.id for p in all_probes())
    expected = "agree" if HAS_BKP091 else "no evidence yet"
    for p in all_probes():
        assert rows[p.id][2] == p.ours.value, rows[p.id]  # PREDICTED
        assert expected in rows[p.id], rows[p.id]
    if not HAS_BKP091:
        assert "no 'agree' without BKP-091: this version of backup-auditor has no rule BKP-091" in text
    assert "precondition not met" not in text


def test_with_bkp091_judged_and_the_plan_run_every_probe_agrees(
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
) -> None:
    out, result, _, plan = kit
    runs = load_bundle_runs(out / "evidence")
    assert runs.read and runs.plans[plan].startswith("backup job ")
    rows, evidence = verify(result, out / "findings.json", bundle=runs, known_rules=["BKP-091"])
    assert evidence.judged and plan in evidence.ran
    assert {r.result for r in rows} == {Result.AGREE}
    for r in rows:
        assert r.aws_did is r.probe.ours
        assert r.supports == ("our reading" if r.probe.decisive else "as expected (control)")
        # backed up: its own job is the evidence; skipped: the plan's run is
        own = r.probe.ours is Outcome.BACKED_UP
        assert r.note.startswith("backup job " if own else "plan ran: backup job "), r.note
    # without the bundle, the findings alone cannot show the plan ran
    rows, _ = verify(result, out / "findings.json", bundle=NO_BUNDLE, known_rules=["BKP-091"])
    assert {r.result for r in rows} == {Result.NO_EVIDENCE}


def test_the_bundle_must_bear_each_agreement_out(tmp_path: Path) -> None:
    """BKP-091 silent (it leaves out what it cannot judge), but the bundle says otherwise: a probe
    predicted backed up without its own job, a probe predicted skipped with one: no 'agree'."""
    backed = [p for p in BACKED if p != "control-exact-arn"] + ["a5-type-vs-tag"]
    bundle, _, _ = kit_bundle(tmp_path / "bundle", backed_up=backed)
    result = evaluate_bundle(read_bundle(bundle))
    result = dataclasses.replace(result, findings=tuple(f for f in result.findings if f.rule_id != "BKP-091"))
    runs = load_bundle_runs(bundle)
    rows = {r.probe.id: r for r in verify(result, tmp_path, bundle=runs, known_rules=["BKP-091"])[0]}
    control, a5 = rows["control-exact-arn"], rows["a5-type-vs-tag"]
    assert (control.result, control.aws_did) == (Result.NO_EVIDENCE, None)
    assert control.note.startswith("no job or recovery point of the kit's plan for it in the bundle")
    assert (a5.result, a5.aws_did) == (Result.NO_EVIDENCE, None)
    assert a5.note.startswith("the bundle has backup job ") and "yet no BKP-091 finding" in a5.note
    others = {r.result for pid, r in rows.items() if pid not in ("control-exact-arn", "a5-type-vs-tag")}
    assert others == {Result.AGREE}


def test_no_agree_without_evidence_that_the_plan_ran(
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
) -> None:
    out, result, _, _ = kit
    no_runs = BundleRuns(read=True)
    rows, evidence = verify(result, out / "findings.json", bundle=no_runs, known_rules=["BKP-091"])
    assert evidence.ran == {}
    assert {r.result for r in rows} == {Result.NO_EVIDENCE}
    assert all(r.aws_did is None and r.note == "no evidence that the kit's plan has run" for r in rows)


def test_no_agree_when_bkp091_was_not_evaluated(
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
) -> None:
    out, result, _, plan = kit
    summary = {
        **result.summary,
        "rules_not_evaluated": [{"rule_id": "BKP-091", "why": "evidence not collected"}],
    }
    skipped = dataclasses.replace(result, summary=summary)
    rows, _ = verify(
        skipped,
        out / "findings.json",
        bundle=BundleRuns(read=True, plans={plan: "backup job j"}),
        known_rules=["BKP-091"],
    )
    assert {r.result for r in rows} == {Result.NO_EVIDENCE}
    assert rows[0].note == "BKP-091 was not evaluated (evidence not collected)"


@pytest.mark.parametrize("version", [1, 2])
def test_bkp091_disagreements_become_disagree_rows(
    version: int,
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, result, arns, plan = kit
    job = {"kind": "backup-job", "id": "job-a3", "time": "2026-11-20T04:05:00+00:00"}
    others = tuple(f for f in result.findings if f.rule_id != "BKP-091")
    found = (
        bkp091(arns["a3-not-equals-missing-key"], plan, BACKED_UP_NOT_PREDICTED, reading="A3", evidence=job),
        bkp091(arns["a6-exact-arn-opt-in-off"], plan, PREDICTED_NOT_BACKED_UP, reading="A6"),
    )
    path = tmp_path / "findings.json"
    write_findings(dataclasses.replace(result, findings=others + found), path, version)
    assert json.loads(path.read_text())["version"] == version
    code, text, _ = _run(capsys, str(path))
    assert code == 0
    rows = _rows(text)
    a3 = rows["a3-not-equals-missing-key"]
    assert a3[1:6] == ["A3", "not backed up", "backed up", "disagree", "the opposite reading"]
    assert "backup-job job-a3 at 2026-11-20T04:05:00+00:00" in a3[6]
    a6 = rows["a6-exact-arn-opt-in-off"]
    assert a6[1:6] == ["A6", "backed up", "not backed up", "disagree", "the opposite reading"]
    # the BKP-091 findings prove the plan ran: the other probes agree where BKP-091 is a rule
    rest = {
        r[4] for pid, r in rows.items() if pid not in ("a3-not-equals-missing-key", "a6-exact-arn-opt-in-off")
    }
    assert rest == ({"agree"} if HAS_BKP091 else {"no evidence yet"})
    assert "2 disagree" in text


def test_missing_probe_and_unmet_precondition_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opt_in = {ProbeKind.DYNAMODB_TABLE: True, ProbeKind.EBS_VOLUME: True, ProbeKind.EFS_FILE_SYSTEM: False}
    bundle, arns, _ = kit_bundle(tmp_path / "bundle", opt_in=opt_in)
    result = evaluate_bundle(read_bundle(bundle))
    gone = arns["a1-question-mark"]
    result = dataclasses.replace(result, resources=tuple(r for r in result.resources if r["arn"] != gone))
    write_findings(result, tmp_path / "findings.json")
    code, text, _ = _run(capsys, str(tmp_path / "findings.json"))
    assert code == 0
    rows = _rows(text)
    assert rows["a1-question-mark"][1:3] == ["A1", "-"] and "probe not found" in rows["a1-question-mark"]
    assert "precondition not met: 111111111111/eu-west-1: the EBS opt-in is on; the kit needs it off" in text
    # with the EBS opt-in on, the tags-only control is predicted backed up: the row says why
    control = rows["control-ebs-opt-in-off"]
    assert control[2] == "backed up" and "check the opt-in preconditions" in control[-1]


def _one_line_exit_2(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backup-auditor: error: "), err
    for needle in needles:
        assert needle in lines[0]


def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(tmp_path / "nope.json"))
    _one_line_exit_2(code, err, "nope.json", "no such file")
    assert out == ""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = _run(capsys, str(bad))
    _one_line_exit_2(code, err, "bad.json", "malformed JSON")
    (tmp_path / "empty").mkdir()
    code, _, err = _run(capsys, str(tmp_path / "empty"))
    _one_line_exit_2(code, err, "not an audit output directory")


def test_a_bkp091_finding_breaking_the_contract_exits_2(
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, result, arns, plan = kit
    broken = bkp091(arns["a3-not-equals-missing-key"], plan, "maybe")
    path = tmp_path / "findings.json"
    write_findings(dataclasses.replace(result, findings=(*result.findings, broken)), path)
    assert read_findings(path).findings[-1].details["disagreement"] == "maybe"
    code, _, err = _run(capsys, str(path))
    _one_line_exit_2(code, err, "findings.json", "details.disagreement must be one of")


def test_a_missing_evidence_bundle_exits_2(
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, _, _, _ = kit
    code, _, err = _run(capsys, str(out / "findings.json"), "--evidence", str(tmp_path / "no-bundle"))
    _one_line_exit_2(code, err, "no-bundle")


def test_a_partly_audited_region_is_not_audited_and_a_missing_plan_is_no_evidence(
    kit: tuple[Path, EvaluationResult, dict[str, str], str],
) -> None:
    out, result, _, _ = kit
    runs = load_bundle_runs(out / "evidence")
    partial = tuple(dataclasses.replace(c, status="partial") for c in result.coverage)
    rows, _ = verify(dataclasses.replace(result, coverage=partial), out, bundle=runs, known_rules=["BKP-091"])
    assert {(r.result, r.note) for r in rows} == {(Result.NOT_AUDITED, "its account-Region is partial")}
    no_plan = dataclasses.replace(result, plans=())
    rows, _ = verify(no_plan, out, bundle=runs, known_rules=["BKP-091"])
    assert {r.result for r in rows} == {Result.NO_EVIDENCE}
    assert rows[0].note == "no plan named backup-auditor-verify-readings in the probe's account and Region"
    assert all(r.predicted is None and r.aws_did is None for r in rows)
