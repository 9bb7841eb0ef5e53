"""``--account``, ``--region``, ``--rule`` and ``--severity`` of ``report`` / ``evaluate``: what is
kept, the summary counted again, and a value the run does not have refused (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import EXIT_BAD_INPUT, BadInputError
from auditor.filters import apply_filter, parse_filter
from auditor.findings_json import write_findings
from auditor.model.results import EvaluationResult, Severity
from auditor.rules.registry import rules

KNOWN = [*rules.ids(), "BKP-930"]  # the hand-built result has one made-up rule


def test_an_account_filter_narrows_everything_and_recounts(result: EvaluationResult) -> None:
    out = apply_filter(result, parse_filter(account="111111111111"), KNOWN)
    assert {f.account_id for f in out.findings} == {"111111111111"}
    assert {r["account_id"] for r in out.resources} == {"111111111111"}
    assert {c.account_id for c in out.coverage} == {"111111111111"}
    assert out.summary["findings"] == len(out.findings) < len(result.findings)
    assert out.summary["resources"] == len(out.resources)
    assert out.summary["filter"]["accounts"] == ["111111111111"]
    assert [a["id"] for a in out.accounts] == ["111111111111"]


def test_a_region_filter_keeps_account_wide_items(result: EvaluationResult) -> None:
    out = apply_filter(result, parse_filter(region="eu-west-1"), KNOWN)
    assert {f.region for f in out.findings} == {"eu-west-1", None}
    assert ("444444444444", None) in {(c.account_id, c.region) for c in out.coverage}
    assert "us-east-1" not in {c.region for c in out.coverage}


def test_rule_and_severity_narrow_findings_only(result: EvaluationResult) -> None:
    out = apply_filter(result, parse_filter(rule="bkp-002,BKP-090", severity="high"), KNOWN)
    assert {f.rule_id for f in out.findings} <= {"BKP-002", "BKP-090"}
    assert all(f.severity.at_least(Severity.HIGH) for f in out.findings) and out.findings
    assert out.resources == result.resources and out.coverage == result.coverage


def test_no_filter_is_the_same_object(result: EvaluationResult) -> None:
    assert apply_filter(result, parse_filter(), KNOWN) is result


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"account": "111111111112"},
            r"--account: '111111111112' is not in this run \(did you mean 111111111111\?\)",
        ),
        ({"region": "eu-west-2"}, r"--region: 'eu-west-2' is not in this run"),
        ({"rule": "BKP-0002"}, r"--rule: 'BKP-0002' is not in this run"),
        ({"severity": "severe"}, r"--severity: unknown severity"),
        ({"account": " , "}, r"needs at least one value"),
    ],
)
def test_a_value_the_run_does_not_have_is_bad_input(
    result: EvaluationResult, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(BadInputError, match=message):
        apply_filter(result, parse_filter(**kwargs), KNOWN)


def test_report_command_filters_and_exits_2_on_a_typo(
    bundle_result: EvaluationResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = tmp_path / "findings.json"
    write_findings(bundle_result, findings)
    rule = bundle_result.findings[0].rule_id
    assert main(["report", str(findings), "--format", "json", "--rule", rule]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {f["rule_id"] for f in doc["findings"]} == {rule}
    assert doc["summary"]["by_rule"] == {rule: len(doc["findings"])}
    assert main(["report", str(findings), "--format", "json", "--account", "999999999999"]) == EXIT_BAD_INPUT
    assert "--account: '999999999999' is not in this run" in capsys.readouterr().err
