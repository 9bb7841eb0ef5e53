"""``backup-auditor report``: bundle or findings JSON in, any format out, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.findings_json import dumps, read_findings
from auditor.model.results import EvaluationResult
from auditor.report import OutputFormat, render
from auditor.summary import summarize


def test_bundle_to_html_file_with_summary_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundle_result: EvaluationResult, report_bundle: Path
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(report_bundle), "--format", "html", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert out.read_text(encoding="utf-8") == render(bundle_result, OutputFormat.HTML)
    assert summarize(bundle_result).findings_sentence() in captured.err  # the evaluator's counts
    assert summarize(bundle_result).findings > 0
    assert "5 of 8 account-regions audited, 1 partial, 2 NOT AUDITED" in captured.err
    assert "not (fully) audited: 444444444444 all Regions, 333333333333 us-east-1" in captured.err
    assert str(out) in captured.err


def test_findings_json_to_markdown_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundle_result: EvaluationResult, report_bundle: Path
) -> None:
    findings = tmp_path / "findings.json"
    assert main(["report", str(report_bundle), "-f", "json", "-o", str(findings)]) == 0
    assert read_findings(findings).findings == bundle_result.findings
    capsys.readouterr()
    assert main(["report", str(findings), "--format", "markdown"]) == 0
    assert capsys.readouterr().out == render(bundle_result, OutputFormat.MARKDOWN)


def test_manifest_path_means_its_bundle(capsys: pytest.CaptureFixture[str], report_bundle: Path) -> None:
    assert main(["report", str(report_bundle / "manifest.json"), "-f", "sarif"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"


def test_resources_csv_is_written_next_to_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], report_bundle: Path
) -> None:
    res = tmp_path / "resources.csv"
    assert (
        main(
            [
                "report",
                str(report_bundle),
                "-f",
                "csv",
                "-o",
                str(tmp_path / "f.csv"),
                "--resources-csv",
                str(res),
            ]
        )
        == 0
    )
    lines = res.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("arn,account_id,region,resource_type") and len(lines) == 1 + 17
    assert f"resources csv: {res}" in capsys.readouterr().err


def test_format_from_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], report_bundle: Path
) -> None:
    monkeypatch.setenv("BACKUP_AUDITOR_FORMAT", "asff")
    assert main(["report", str(report_bundle)]) == 0
    assert "Findings" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "does/not/exist"], "does/not/exist: no such file or directory"),
        (["report", "{bad}"], "malformed JSON"),
        (["report", "{other}"], "unknown format"),
        (["report", "{empty_dir}"], "manifest.json: missing"),
        (["report", "{bundle}", "-o", "{empty_dir}"], "is a directory"),
        (["report", "{bundle}", "--format", "pdf"], "'pdf' is not one of"),
    ],
)
def test_bad_input_exits_2_with_a_message_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str, report_bundle: Path
) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"format": "something-else"}', encoding="utf-8")
    (tmp_path / "empty").mkdir()
    subst = {
        "{bad}": str(tmp_path / "bad.json"),
        "{other}": str(tmp_path / "other.json"),
        "{empty_dir}": str(tmp_path / "empty"),
        "{bundle}": str(report_bundle),
    }
    assert main([subst.get(a, a) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_fail_on_exits_1_after_writing_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], report_bundle: Path
) -> None:
    out = tmp_path / "r.sarif"
    assert main(["report", str(report_bundle), "-f", "sarif", "-o", str(out), "--fail-on", "high"]) == 1
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert "--fail-on high: 16 findings at or above (FAILED); exit 1" in capsys.readouterr().err
    assert main(["report", str(report_bundle), "-f", "sarif", "-o", str(out), "--fail-on", "critical"]) == 0


def test_evaluation_flags_apply_to_a_bundle(capsys: pytest.CaptureFixture[str], report_bundle: Path) -> None:
    assert main(["report", str(report_bundle), "-f", "json", "--as-of", "2027-01-01T00:00:00+00:00"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2027-01-01T00:00:00+00:00"
    assert main(["report", str(report_bundle), "-f", "json", "--aurora-cost-per-gb-month", "0.042"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["estimated_monthly_cost_usd"] == pytest.approx(2 * 10.15, abs=0.02)


def test_evaluation_flags_with_a_findings_json_are_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], report_bundle: Path
) -> None:
    findings = tmp_path / "findings.json"
    assert main(["report", str(report_bundle), "-f", "json", "-o", str(findings)]) == 0
    capsys.readouterr()
    assert main(["report", str(findings), "--as-of", "2027-01-01T00:00:00Z"]) == 2
    err = capsys.readouterr().err
    assert "already evaluated; --as-of only apply" in err and "Traceback" not in err


def test_bad_fail_on_value_exits_2(capsys: pytest.CaptureFixture[str], report_bundle: Path) -> None:
    assert main(["report", str(report_bundle), "-f", "markdown", "--fail-on", "severe"]) == 2
    assert "severe" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "value", "member"),
    [
        (("plans", 0, "rules"), "daily", "plans[0].rules"),
        (("plans", 0, "selections", 0, "protected_arns"), [1, 2], "plans[0].selections[0].protected_arns"),
        (("resources", 1, "tags"), ["a"], "resources[1].tags"),
        (("audit", "accounts", 0, "regions"), "eu-west-1", "audit.accounts[0].regions"),
    ],
)
def test_a_findings_json_with_a_malformed_member_exits_2_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bundle_result: EvaluationResult,
    path: tuple[str | int, ...],
    value: object,
    member: str,
) -> None:
    doc = json.loads(dumps(bundle_result, version=1))  # version 1's shapes (test_findings_v2: version 2's)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    bad = tmp_path / "findings.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["report", str(bad), "-f", "html"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: member '{member}' must be" in err and "Traceback" not in err
