"""Findings JSON: what evaluate writes reads back to the same result; bad files fail clearly."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auditor.config import parse_severity
from auditor.controls import Controls
from auditor.errors import EXIT_BAD_INPUT, BadInputError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import (
    FindingsError,
    at_or_above,
    dumps,
    fails,
    from_document,
    read_findings,
    to_document,
    write_findings,
)
from auditor.model.results import EvaluationResult, Severity
from auditor.rules.base import RuleSettings
from tests.rules.rule_fixtures import build_bundle


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> EvaluationResult:
    # BKP-090's fail scenario: partial coverage, a resource, a plan, a collection error and findings
    bundle = build_bundle("BKP-090", "fail", tmp_path_factory.mktemp("scenario") / "bundle")
    # Without the controls its protected file system fails too: copies elsewhere (medium findings),
    # vault lock and restore testing.
    off = {
        f: replace(getattr(Controls(), f), enabled=False)
        for f in ("bkp_036", "bkp_037", "bkp_039", "bkp_034", "bkp_038")
    }
    return evaluate_bundle(read_bundle(bundle), settings=RuleSettings(controls=replace(Controls(), **off)))


@pytest.mark.parametrize("version", [1, 2])
def test_round_trip_through_a_file(result: EvaluationResult, tmp_path: Path, version: int) -> None:
    target = tmp_path / "findings.json"
    write_findings(result, target, version)
    assert json.loads(target.read_text())["version"] == version
    back = read_findings(target)
    assert back == result
    assert back.findings == result.findings
    assert back.coverage == result.coverage
    assert back.as_of == result.as_of and back.collected_at == result.collected_at
    assert to_document(back) == to_document(result)
    assert [p["plan_name"] for p in back.plans] == ["daily"]
    assert back.errors and back.errors[0]["operation"] == "ListBackupJobs"


def test_document_shape_version_1(result: EvaluationResult) -> None:
    doc = json.loads(dumps(result, version=1))
    assert list(doc) == [
        "format", "version", "as_of", "audit", "summary", "coverage", "resources", "plans", "findings", "errors",
    ]  # fmt: skip
    assert set(doc["coverage"][0]) == {"account_id", "region", "status", "missing", "reasons"}
    resource = doc["resources"][0]
    assert {"arn", "account_id", "region", "resource_type", "protected", "reason", "selections"} <= set(
        resource
    )
    assert set(resource["selections"][0]) == {"plan_id", "plan_name", "selection_id", "selection_name"}
    finding = doc["findings"][0]
    assert set(finding) == {
        "id", "rule_id", "severity", "account_id", "region", "resource_arn", "resource_type",
        "title", "message", "remediation", "doc_url", "details",
    }  # fmt: skip
    assert doc["audit"]["tool"]["name"] == "backup-auditor"
    assert finding["id"] == result.findings[0].id and len(finding["id"]) == 64


def test_write_to_a_stream(result: EvaluationResult) -> None:
    buf = io.StringIO()
    write_findings(result, buf)
    assert json.loads(buf.getvalue())["format"] == "backup-auditor-findings"


def _doc(result: EvaluationResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(dumps(result, version=1))
    return doc


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="other"), "unknown format 'other'"),
        (lambda d: d.update(version=3), "unsupported version 3 (this tool reads versions 1 and 2)"),
        (lambda d: d.update(version=True), "unsupported version True"),
        (lambda d: d.pop("findings"), "missing member 'findings'"),
        (lambda d: d.update(findings={}), "member 'findings' must be a list, found dict"),
        (lambda d: d["findings"][0].update(severity="severe"), "findings[0].severity': unknown severity"),
        (lambda d: d["findings"][0].pop("rule_id"), "missing member 'findings[0].rule_id'"),
        (lambda d: d["coverage"][0].update(status="fine"), "coverage[0].status' must be one of"),
        (
            lambda d: d["resources"][0].update(protected="yes"),
            "resources[0].protected' must be true, false or null",
        ),
        (lambda d: d.update(as_of="last tuesday"), "member 'as_of' is not an ISO 8601 timestamp"),
        (lambda d: d.update(as_of="2026-11-20T06:00:00"), "has no UTC offset"),
    ],
)
def test_invalid_documents_name_file_and_member(
    result: EvaluationResult, tmp_path: Path, mutate: Any, message: str
) -> None:
    doc = _doc(result)
    mutate(doc)
    target = tmp_path / "bad.json"
    target.write_text(json.dumps(doc))
    with pytest.raises(FindingsError) as info:
        read_findings(target)
    assert message in str(info.value) and str(target) in str(info.value)
    assert info.value.exit_code == EXIT_BAD_INPUT


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(FindingsError, match="no such file"):
        read_findings(tmp_path / "missing.json")
    (tmp_path / "x.json").write_text("[1, 2")
    with pytest.raises(FindingsError, match="malformed JSON"):
        read_findings(tmp_path / "x.json")
    with pytest.raises(FindingsError, match="must be an object, found list"):
        from_document([], tmp_path / "y.json")


def test_fail_on_thresholds(result: EvaluationResult) -> None:
    severities = {f.severity for f in result.findings}
    assert severities == {Severity.HIGH}  # the BKP-090 finding
    assert fails(result.findings, Severity.HIGH) and fails(result.findings, Severity.INFO)
    assert not fails(result.findings, Severity.CRITICAL) and not fails(result.findings, None)
    assert at_or_above(result.findings, Severity.CRITICAL) == []
    assert parse_severity(" Medium ") is Severity.MEDIUM
    with pytest.raises(BadInputError, match="unknown severity 'urgent'"):
        parse_severity("urgent")


@pytest.mark.parametrize("version", [1, 2])
def test_streamed_and_indented_text_hold_the_same_document(result: EvaluationResult, version: int) -> None:
    compact = dumps(result, version=version)
    assert "\n" not in compact.rstrip("\n")
    indented = json.loads(dumps(result, indent=2, version=version))
    assert json.loads(compact) == to_document(result, version) == indented


def test_written_file_is_replaced_atomically_with_normal_permissions(
    result: EvaluationResult, tmp_path: Path
) -> None:
    target = tmp_path / "findings.json"
    target.write_text("old")
    write_findings(result, target)
    assert read_findings(target).findings == result.findings
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # as any file the user creates
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]  # no partial file left


def test_finding_id_is_stable_and_ignores_numbers_but_not_the_subject(result: EvaluationResult) -> None:
    f = result.findings[0]
    same_subject_other_numbers = replace(f, message="other words", details={**f.details, "count": 99})
    assert same_subject_other_numbers.id == f.id
    for other in (
        replace(f, rule_id="BKP-999"),
        replace(f, account_id="999999999999"),
        replace(f, region="xx-test-9"),
        replace(f, resource_arn=(f.resource_arn or "") + "-other"),
    ):
        assert other.id != f.id


def test_a_findings_id_that_is_not_a_string_names_the_member(
    tmp_path: Path, result: EvaluationResult
) -> None:
    doc = json.loads(dumps(result, version=1))
    doc["findings"][0]["id"] = 7
    target = tmp_path / "f.json"
    target.write_text(json.dumps(doc))
    with pytest.raises(FindingsError, match=r"findings\[0\]\.id' must be a string"):
        read_findings(target)
