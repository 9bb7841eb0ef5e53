"""Findings JSON version 2: rule text once, resources as rows, the same result read back as from v1."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.findings_json import FindingsError, dumps, from_document, read_findings, to_document
from auditor.model.results import EvaluationResult, Severity
from auditor.report.formats import OutputFormat, render


def _v2(result: EvaluationResult) -> dict[str, Any]:
    return dict(json.loads(dumps(result)))


def test_v2_is_written_by_default_and_reads_back_to_the_same_result(
    bundle_result: EvaluationResult, tmp_path: Path
) -> None:
    target = tmp_path / "findings.json"
    target.write_text(dumps(bundle_result))
    assert json.loads(target.read_text())["version"] == 2
    back = read_findings(target)
    assert back == bundle_result
    assert to_document(back, 1) == to_document(bundle_result, 1)


def test_rule_text_is_written_once_per_rule(bundle_result: EvaluationResult) -> None:
    doc = _v2(bundle_result)
    rule_ids = {f.rule_id for f in bundle_result.findings}
    assert set(doc["rules"]) == rule_ids
    for f in bundle_result.findings:
        assert doc["rules"][f.rule_id] == {
            "severity": f.severity.value,
            "title": f.title,
            "remediation": f.remediation,
            "doc_url": f.doc_url,
        }
    assert all(set(f).isdisjoint({"title", "remediation", "doc_url", "severity"}) for f in doc["findings"])
    text = dumps(bundle_result)
    for f in bundle_result.findings:
        assert text.count(json.dumps(f.remediation, ensure_ascii=False)) == 1


def test_a_finding_unlike_its_rule_keeps_its_own_members(
    bundle_result: EvaluationResult, tmp_path: Path
) -> None:
    first = bundle_result.findings[0]
    odd = dataclasses.replace(first, title="Rule failed", severity=Severity.INFO, details={})
    result = dataclasses.replace(bundle_result, findings=(*bundle_result.findings, odd))
    doc = _v2(result)
    assert doc["findings"][-1]["title"] == "Rule failed" and doc["findings"][-1]["severity"] == "info"
    assert "remediation" not in doc["findings"][-1] and "details" not in doc["findings"][-1]
    target = tmp_path / "f.json"
    target.write_text(json.dumps(doc))
    assert read_findings(target).findings == result.findings


def test_resources_are_rows_with_selection_and_arn_indexes(bundle_result: EvaluationResult) -> None:
    doc = _v2(bundle_result)
    columns = doc["resource_columns"]
    assert columns[0] == "arn" and columns[-1] == "selections"
    protected = [r for r in bundle_result.resources if r["selections"]]
    assert protected
    for row, resource in zip(doc["resources"], bundle_result.resources, strict=True):
        assert dict(zip(columns, row[:-1], strict=False)) == {k: resource[k] for k in columns[:-1]}
        assert [doc["selection_refs"][n] for n in row[-1]] == resource["selections"]
    arn_index = {r["arn"]: i for i, r in enumerate(bundle_result.resources)}
    for plan_v1, plan_v2 in zip(bundle_result.plans, doc["plans"], strict=True):
        for sel_v1, sel_v2 in zip(plan_v1["selections"], plan_v2["selections"], strict=True):
            assert sel_v2["protected_arns"] == [arn_index.get(a, a) for a in sel_v1["protected_arns"]]


def test_a_resource_with_extra_members_stays_an_object(
    bundle_result: EvaluationResult, tmp_path: Path
) -> None:
    extra = {**bundle_result.resources[0], "note": "added by a plug-in"}
    result = dataclasses.replace(bundle_result, resources=(extra, *bundle_result.resources[1:]))
    doc = _v2(result)
    assert doc["resources"][0] == json.loads(json.dumps(extra))
    target = tmp_path / "f.json"
    target.write_text(json.dumps(doc))
    assert read_findings(target).resources == result.resources


def test_v2_is_no_larger_than_v1(bundle_result: EvaluationResult) -> None:
    assert len(dumps(bundle_result)) < len(dumps(bundle_result, version=1))


@pytest.mark.parametrize(
    "fmt", [OutputFormat.SARIF, OutputFormat.ASFF, OutputFormat.CSV, OutputFormat.MARKDOWN, OutputFormat.HTML]
)
@pytest.mark.parametrize("version", [1, 2])
def test_every_format_from_either_version_equals_the_evaluation_s(
    bundle_result: EvaluationResult, tmp_path: Path, fmt: OutputFormat, version: int
) -> None:
    target = tmp_path / "findings.json"
    target.write_text(dumps(bundle_result, version=version))
    assert render(read_findings(target), fmt) == render(bundle_result, fmt)


def _mutated(result: EvaluationResult, tmp_path: Path, mutate: Any) -> Path:
    doc = _v2(result)
    mutate(doc)
    target = tmp_path / "bad.json"
    target.write_text(json.dumps(doc))
    return target


def test_report_from_a_bad_v2_document_exits_2_naming_the_member(
    bundle_result: EvaluationResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _mutated(bundle_result, tmp_path, lambda d: d["resources"][1].__setitem__(5, ["a"]))
    assert main(["report", str(target), "-f", "html"]) == 2
    err = capsys.readouterr().err
    assert f"{target}: member 'resources[1].tags' must be" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(rules=[]), "member 'rules' must be an object"),
        (
            lambda d: d["resources"][0].append(1),
            "member 'resources[0]' has 11 values for 10 resource_columns",
        ),
        (lambda d: d["resources"][0][-1].append(999), "index 999 is out of range"),
        (
            lambda d: d["resources"][0].__setitem__(6, "yes"),
            "resources[0].protected' must be true, false or null",
        ),
        (lambda d: d.update(selection_refs=[1]), "member 'selection_refs' must be a list of objects"),
        (lambda d: d["findings"][0].pop("rule_id"), "missing member 'findings[0].rule_id'"),
        (lambda d: d["findings"].append(None), "must be an object, found null"),
        (lambda d: d["rules"].clear(), "member 'findings[0].severity' must be a string, found null"),
        (
            lambda d: d["plans"][0]["selections"][0]["protected_arns"].append(10**6),
            "member 'plans[0].selections[0].protected_arns[",
        ),
    ],
)
def test_a_bad_v2_document_names_file_and_member(
    bundle_result: EvaluationResult, tmp_path: Path, mutate: Any, message: str
) -> None:
    target = _mutated(bundle_result, tmp_path, mutate)
    with pytest.raises(FindingsError) as info:
        read_findings(target)
    assert message in str(info.value) and str(target) in str(info.value)


_ODD_FINDINGS: list[tuple[str, Any]] = [
    ("own severity", lambda f: f.update(severity="info")),
    ("own title and doc url", lambda f: f.update(title="Rule failed", doc_url="https://example.com")),
    ("null remediation", lambda f: f.update(remediation=None)),
    ("no id", lambda f: f.pop("id")),
    ("explicit nulls", lambda f: f.update(region=None, resource_type=None)),
    ("unknown member", lambda f: f.update(note="from a plug-in")),
    (
        "a waiver",
        lambda f: f.update(
            waiver={
                "entry": 0,
                "reason": "r",
                "owner": "o",
                "expires": "2099-01-01",
                "ticket": None,
                "status": "active",
                "days_left": 9,
            }
        ),
    ),
    ("unknown rule", lambda f: f.update(rule_id="BKP-999")),
    ("rule id not a string", lambda f: f.update(rule_id=["BKP-001"])),
    ("bad severity", lambda f: f.update(severity="urgent")),
    ("details not an object", lambda f: f.update(details=[1])),
    ("message missing", lambda f: f.pop("message")),
    ("id not a string", lambda f: f.update(id=7)),
    ("region not a string", lambda f: f.update(region=3)),
]


@pytest.mark.parametrize(("label", "mutate"), _ODD_FINDINGS, ids=[label for label, _ in _ODD_FINDINGS])
def test_the_file_reader_makes_findings_as_the_document_reader_does(
    bundle_result: EvaluationResult, tmp_path: Path, label: str, mutate: Any
) -> None:
    """read_findings turns version 2's finding objects into findings in place (its own parsed
    document); from_document expands them to version 1's first: the same findings, or the same
    error naming the same member, either way."""
    doc = _v2(bundle_result)
    mutate(doc["findings"][1])
    target = tmp_path / "f.json"
    target.write_text(json.dumps(doc))
    try:
        expected: EvaluationResult | str = from_document(json.loads(target.read_text()), target)
    except FindingsError as exc:
        expected = str(exc)
    try:
        got: EvaluationResult | str = read_findings(target)
    except FindingsError as exc:
        got = str(exc)
    assert got == expected
    if isinstance(got, EvaluationResult):
        assert [f.to_json() for f in got.findings] == [
            f.to_json() for f in from_document(doc, target).findings
        ]


def test_a_bad_rule_entry_reads_as_before(bundle_result: EvaluationResult, tmp_path: Path) -> None:
    doc = _v2(bundle_result)
    rule_id = doc["findings"][0]["rule_id"]
    for entry, message in (
        (["x"], f"member 'rules.{rule_id}' must be an object"),
        ({"title": 1}, r"findings\[0\]\.severity"),
    ):
        doc["rules"][rule_id] = entry
        target = tmp_path / "f.json"
        target.write_text(json.dumps(doc))
        with pytest.raises(FindingsError, match=message) as info:
            read_findings(target)
        with pytest.raises(FindingsError) as again:
            from_document(json.loads(target.read_text()), target)
        assert str(info.value) == str(again.value)
