"""One summary: the CLI, the HTML report, the Markdown report and the Lambda's SNS message state
the same counts for the same bundle, and the exit gates (``--fail-on``, ``--fail-on-not-audited``)
say which one failed.

The report bundle has 4 accounts x 2 Regions: account 444444444444's role cannot be assumed (both
of its account-regions not audited), 333333333333 us-east-1 is partial (one listing denied).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.lambda_handler import message, subject
from auditor.model.results import Coverage, EvaluationResult
from auditor.report import OutputFormat, render
from auditor.summary import summarize

REGIONS = r"(\d+) of (\d+) account-regions audited, (\d+) partial, (\d+) NOT AUDITED"
ACCOUNTS = r"(\d+) of (\d+) accounts fully audited, (\d+) partly, (\d+) NOT AUDITED"


def _numbers(pattern: str, text: str) -> tuple[int, ...]:
    found = {tuple(int(n) for n in m) for m in re.findall(pattern, text)}
    assert len(found) == 1, (pattern, found, text[:2000])
    return found.pop()


def _evaluate_stderr(capsys: pytest.CaptureFixture[str], bundle: Path, *args: str) -> tuple[int, str]:
    code = main(["evaluate", str(bundle), "-q", *args])
    return code, capsys.readouterr().err


def test_cli_html_markdown_and_sns_state_the_same_counts(
    report_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bundle_result: EvaluationResult
) -> None:
    findings = tmp_path / "findings.json"
    code, cli = _evaluate_stderr(capsys, report_bundle, "-o", str(findings))
    assert code == 0
    doc = json.loads(findings.read_text(encoding="utf-8"))
    coverage = doc["coverage"]
    statuses = [c["status"] for c in coverage]
    expected = (
        statuses.count("audited"),
        len(statuses),
        statuses.count("partial"),
        statuses.count("not_audited"),
    )
    assert expected == (5, 8, 1, 2)
    # the findings JSON's own summary member (format v1, unchanged) agrees with the run summary
    counts = summarize(bundle_result)
    assert doc["summary"]["coverage"] == {"audited": 5, "partial": 1, "not_audited": 2}
    json_resources = tuple(doc["summary"][k] for k in ("protected", "unprotected", "unknown"))
    assert json_resources == (counts.protected, counts.unprotected, counts.unknown)
    assert doc["summary"]["by_severity"] == {s.value: n for s, n in counts.findings_by_severity}
    assert _numbers(REGIONS, cli) == expected
    assert _numbers(ACCOUNTS, cli) == (2, 4, 1, 1)

    markdown = render(bundle_result, OutputFormat.MARKDOWN)
    assert isinstance(markdown, str)
    assert _numbers(REGIONS, markdown) == expected and _numbers(ACCOUNTS, markdown) == (2, 4, 1, 1)
    assert "### :warning: Not audited: 2 of 8 account-regions, 1 partial" in markdown

    html = render(bundle_result, OutputFormat.HTML)
    assert 'data-metric="account-regions-audited">5 of 8<' in html
    assert 'data-metric="accounts-audited">2 of 4<' in html
    assert "NOT AUDITED: 2 of 8 account-regions not audited, 1 partial</h2>" in html
    assert "<b>2</b> account-regions not audited, <b>1</b> partial" in html

    run = {"status": "ok", "run_id": "r-1", "mode": "audit", "bucket": "b", "objects": {}}
    sns = message(run, counts)
    assert _numbers(REGIONS, sns) == expected and _numbers(ACCOUNTS, sns) == (2, 4, 1, 1)
    assert "2 account-regions NOT AUDITED, 1 partial" in subject(run, counts)
    assert "gate: no gate set; exit 0" in sns
    # the findings and resource counts are the same sentences too
    for line in (counts.findings_sentence(), counts.resources_sentence()):
        assert line in cli and line in sns


def test_report_command_summary_uses_the_same_sentences(
    report_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bundle_result: EvaluationResult
) -> None:
    assert main(["report", str(report_bundle), "-f", "markdown", "-o", str(tmp_path / "r.md")]) == 0
    err = capsys.readouterr().err
    counts = summarize(bundle_result)
    assert counts.coverage_sentence() in err and counts.findings_sentence() in err


def test_no_gate_no_gate_line(report_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _evaluate_stderr(capsys, report_bundle)
    assert code == 0 and "gate:" not in err


def test_fail_on_not_audited_fails_on_coverage_and_says_so(
    report_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _evaluate_stderr(capsys, report_bundle, "--fail-on-not-audited", "--fail-on", "critical")
    assert code == 1
    assert "--fail-on critical: 0 findings at or above (passed)" in err
    assert "--fail-on-not-audited: 3 account-regions partial or not audited (FAILED); exit 1" in err


def test_fail_on_findings_gate_names_itself(report_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _evaluate_stderr(capsys, report_bundle, "--fail-on", "high")
    assert code == 1
    assert "gate:      --fail-on high: 16 findings at or above (FAILED); exit 1" in err
    assert "--fail-on-not-audited" not in err


@pytest.mark.parametrize(("value", "code"), [("true", 1), ("1", 1), ("false", 0)])
def test_fail_on_not_audited_from_the_environment(
    report_bundle: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    code: int,
) -> None:
    monkeypatch.setenv("BACKUP_AUDITOR_FAIL_ON_NOT_AUDITED", value)
    got, err = _evaluate_stderr(capsys, report_bundle)
    assert got == code
    assert ("(FAILED)" in err) is (code == 1)


def test_fail_on_not_audited_from_the_config_file(
    report_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "backup-auditor.toml"
    config.write_text("fail-on-not-audited = true\n", encoding="utf-8")
    code, err = _evaluate_stderr(capsys, report_bundle, "--config", str(config))
    assert code == 1 and "--fail-on-not-audited: 3 account-regions" in err
    config.write_text('fail-on-not-audited = "maybe"\n', encoding="utf-8")
    code, err = _evaluate_stderr(capsys, report_bundle, "--config", str(config))
    assert code == 2 and "backup-auditor.toml: key" in err and "expected true or false" in err


def test_report_gate_passes_when_every_account_region_was_read(
    report_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = tmp_path / "findings.json"
    assert main(["evaluate", str(report_bundle), "-q", "-o", str(findings)]) == 0
    report = tmp_path / "r.md"
    assert main(["report", str(findings), "-f", "markdown", "-o", str(report), "--fail-on-not-audited"]) == 1
    assert (
        "--fail-on-not-audited: 3 account-regions partial or not audited (FAILED)" in capsys.readouterr().err
    )
    assert report.is_file()  # the report is written before the gate exits 1
    doc = json.loads(findings.read_text(encoding="utf-8"))
    doc["coverage"] = [{**c, "status": "audited", "missing": [], "reasons": []} for c in doc["coverage"]]
    findings.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["report", str(findings), "-f", "markdown", "-o", str(report), "--fail-on-not-audited"]) == 0
    assert "--fail-on-not-audited: 0 account-regions partial or not audited (passed); exit 0" in (
        capsys.readouterr().err
    )


def test_a_partial_account_region_alone_fails_the_coverage_gate(bundle_result: EvaluationResult) -> None:
    partial_only = tuple(
        c if c.status != "not_audited" else Coverage(c.account_id, c.region, "audited")
        for c in bundle_result.coverage
    )
    counts = summarize(replace(bundle_result, coverage=partial_only), fail_on_not_audited=True)
    assert counts.account_regions.partial == 1 and counts.account_regions.not_audited == 0
    assert counts.gate.failed_gates() == ("coverage",) and counts.gate.exit_code == 1
    assert summarize(replace(bundle_result, coverage=partial_only)).gate.exit_code == 0  # gate off
