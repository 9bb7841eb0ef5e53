"""``backup-auditor diff``, ``--previous`` and ``--fail-on-new`` on rule scenario bundles, and
``auditor.diff.compare`` on hand-built results (resolved vs not re-evaluated, verdicts, coverage)."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.controls import Controls
from auditor.diff import compare
from auditor.errors import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS
from auditor.model.results import Coverage, EvaluationResult, Finding, Severity
from tests.rules.rule_fixtures import build_bundle

LOST = "arn:aws:elasticfilesystem:eu-west-1:111111111111:file-system/fs-0lost"
AS_OF = "2026-11-20T06:00:00+00:00"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Findings JSON of BKP-002's pass run (nothing unprotected) and fail run (three high findings),
    plus the fail run's bundle and an audit-like output directory."""
    root = tmp_path_factory.mktemp("runs")
    config = root / "backup-auditor.toml"
    # every compliance control off: these runs differ in BKP-002's resources only
    config.write_text(
        "".join(f"[controls.{f.name.upper().replace('_', '-')}]\nenabled = false\n" for f in fields(Controls))
    )
    out: dict[str, Path] = {"config": config}
    for kind in ("pass", "fail"):
        bundle = build_bundle("BKP-002", kind, root / kind / "evidence")
        findings = root / kind / "findings.json"
        assert (
            main(
                [
                    "evaluate",
                    str(bundle),
                    "-q",
                    "-o",
                    str(findings),
                    "--config",
                    str(config),
                    "--as-of",
                    AS_OF,
                ]
            )
            == 0
        )
        out[kind], out[f"{kind}-bundle"], out[f"{kind}-dir"] = findings, bundle, root / kind
    return out


def _json_diff(
    old: Path, new: Path, capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[int, dict[str, Any]]:
    code = main(["diff", str(old), str(new), "--format", "json", *flags])
    return code, json.loads(capsys.readouterr().out)


def test_getting_worse_lists_new_findings_and_resources_that_lost_protection(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _json_diff(runs["pass"], runs["fail"], capsys)
    assert code == EXIT_CLEAN
    assert sorted(f["resource_arn"] for f in doc["new"] if f["rule_id"] == "BKP-002")[0] == (
        "arn:aws:ec2:eu-west-1:111111111111:instance/i-0app"
    )
    assert {f["rule_id"] for f in doc["new"]} == {"BKP-002"} and len(doc["new"]) == 3
    assert doc["resolved"] == [] and doc["not_reevaluated"] == []
    assert {c["arn"] for c in doc["became_unprotected"]} == {f["resource_arn"] for f in doc["new"]}
    assert doc["protection_rate"]["before"] == 1.0 and doc["protection_rate"]["after"] < 1.0
    assert doc["accounts"][0]["account_id"] == "111111111111" and doc["accounts"][0]["new"] == 3


def test_getting_better_resolves_them_and_every_input_kind_is_accepted(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # a bundle, an audit output directory and a findings file describe the same runs
    for old in (runs["fail"], runs["fail-dir"], runs["fail-bundle"]):
        code, doc = _json_diff(old, runs["pass"], capsys, "--config", str(runs["config"]))
        assert code == EXIT_CLEAN
        assert len(doc["resolved"]) == 3 and doc["new"] == [], old
        assert {c["arn"] for c in doc["became_protected"]} == {f["resource_arn"] for f in doc["resolved"]}


def test_the_same_run_twice_changes_nothing(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _json_diff(runs["fail"], runs["fail"], capsys)
    assert (code, doc["new"], doc["resolved"], doc["became_unprotected"]) == (EXIT_CLEAN, [], [], [])
    assert doc["unchanged"] == 3


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "NEW      high     BKP-002 " + LOST),
        ("markdown", "### New findings"),
        ("html", 'id="since-last-run"'),
    ],
)
def test_text_markdown_and_html(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], fmt: str, expected: str
) -> None:
    assert main(["diff", str(runs["pass"]), str(runs["fail"]), "--format", fmt]) == EXIT_CLEAN
    out, err = capsys.readouterr()
    assert expected in out
    assert "3 new (3 high), 0 resolved" in err


def test_fail_on_new_fails_only_on_what_is_new(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(runs["pass"]), str(runs["fail"]), "--fail-on-new", "high"]) == EXIT_FINDINGS
    assert main(["diff", str(runs["fail"]), str(runs["fail"]), "--fail-on-new", "low"]) == EXIT_CLEAN
    assert main(["diff", str(runs["pass"]), str(runs["fail"]), "--fail-on-new", "critical"]) == EXIT_CLEAN
    assert "--fail-on-new critical: 0 new at or above (passed)" in capsys.readouterr().err


def test_evaluate_with_previous_says_what_changed_and_gates_on_new(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        str(runs["fail-bundle"]),
        "--config",
        str(runs["config"]),
        "--as-of",
        AS_OF,
        "-o",
        str(tmp_path / "f.json"),
    ]
    # against the pass run: three new high findings; --fail-on-new high fails
    assert (
        main(["evaluate", *base, "--previous", str(runs["pass"]), "--fail-on-new", "high"]) == EXIT_FINDINGS
    )
    err = capsys.readouterr().err
    assert "since last run: 3 new (3 high), 0 resolved, 0 unchanged" in err
    assert "--fail-on-new high: 3 new findings at or above (FAILED)" in err
    since = json.loads((tmp_path / "f.json").read_text())["summary"]["since_previous"]
    assert len(since["new_ids"]) == 3 and since["previous"] == str(runs["pass"])
    # against itself: nothing is new, so the same three high findings pass --fail-on-new
    assert main(["evaluate", *base, "--previous", str(runs["fail"]), "--fail-on-new", "high"]) == EXIT_CLEAN
    # the HTML report badges the new findings and lists what was resolved
    assert main(["evaluate", *base, "--previous", str(runs["pass"])]) == EXIT_CLEAN
    html = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "f.json"), "--format", "html", "-o", str(html)]) == EXIT_CLEAN
    page = html.read_text()
    assert page.count('data-new="1"') == 3 and 'id="since-last-run"' in page


def test_fail_on_new_without_previous_and_a_bad_previous_are_bad_input(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = str(runs["fail-bundle"])
    assert main(["evaluate", bundle, "-q", "--fail-on-new", "high"]) == EXIT_BAD_INPUT
    assert "--fail-on-new needs --previous" in capsys.readouterr().err
    assert main(["evaluate", bundle, "-q", "--previous", str(tmp_path / "nope")]) == EXIT_BAD_INPUT
    assert str(tmp_path / "nope") in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{}")
    assert main(["diff", str(tmp_path / "bad.json"), str(runs["fail"])]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "bad.json" in err and "Traceback" not in err


# ------------------------------------------------------------------ compare() on hand-built results

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _result(
    findings: tuple[Finding, ...], coverage: tuple[Coverage, ...], resources: tuple[dict[str, Any], ...] = ()
) -> EvaluationResult:
    return EvaluationResult(T0, T0, "test", None, (), coverage, findings, resources)


def _finding(account: str, region: str, arn: str) -> Finding:
    return Finding("BKP-002", Severity.HIGH, account, region, arn, "EBS", "t", "m", "r", "u")


def test_a_finding_whose_scope_was_not_audited_now_is_not_resolved() -> None:
    a = _finding("111111111111", "eu-west-1", "arn:a")
    b = _finding("222222222222", "eu-west-1", "arn:b")
    old = _result(
        (a, b),
        (Coverage("111111111111", "eu-west-1", "audited"), Coverage("222222222222", "eu-west-1", "audited")),
    )
    new = _result(
        (),
        (
            Coverage("111111111111", "eu-west-1", "audited"),
            Coverage("222222222222", "eu-west-1", "not_audited", reasons=("sts.AssumeRole: AccessDenied",)),
        ),
    )
    d = compare(old, new)
    assert [f.resource_arn for f in d.resolved] == ["arn:a"]
    assert [f.resource_arn for f in d.not_reevaluated] == ["arn:b"]
    assert [(c.account_id, c.before, c.after, c.reasons) for c in d.coverage_lost] == [
        ("222222222222", "audited", "not_audited", ("sts.AssumeRole: AccessDenied",))
    ]
    assert "1 not re-evaluated (scope not audited now)" in d.headline()
    back = compare(new, old)
    assert [(c.account_id, c.after) for c in back.coverage_regained] == [("222222222222", "audited")]


def test_an_unknown_verdict_now_is_not_a_change_and_a_new_unprotected_resource_is() -> None:
    cov = (Coverage("1", "r", "audited"),)
    old = _result((), cov, ({"arn": "x", "protected": True}, {"arn": "y", "protected": False}))
    new = _result(
        (),
        cov,
        (
            {"arn": "x", "protected": None},
            {"arn": "y", "protected": False},
            {"arn": "z", "protected": False},
            {"arn": "w", "protected": True},
        ),
    )
    d = compare(old, new)
    assert [c.arn for c in d.became_unprotected] == ["z"] and d.became_protected == ()


def test_a_waived_new_finding_is_new_but_does_not_fail_the_gate() -> None:
    from auditor.model.results import FindingWaiver

    cov = (Coverage("111111111111", "eu-west-1", "audited"),)
    f = _finding("111111111111", "eu-west-1", "arn:a")
    waived = replace(f, waiver=FindingWaiver(1, "r", "o", "2030-01-01", None, "active", 100))
    d = compare(_result((), cov), _result((waived,), cov))
    assert len(d.new) == 1 and d.new_at_or_above(Severity.LOW) == []
    d = compare(_result((), cov), _result((f,), cov))
    assert d.new_at_or_above(Severity.HIGH) == [f]
