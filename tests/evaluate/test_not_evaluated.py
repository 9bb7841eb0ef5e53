"""Types outside the protection rate: not inventoried by this version, or evidence not collected."""

from __future__ import annotations

from pathlib import Path

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import dumps, read_findings
from auditor.not_evaluated import NOT_INVENTORIED, NotEvaluated
from auditor.services import resource_types
from auditor.summary import summarize
from tests.builders import OPT_IN_TYPES, BundleBuilder


def test_region_settings_types_this_version_does_not_list_are_not_inventoried(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account("111111111111", ["eu-west-1", "us-east-1"])
    # EKS: a type AWS Backup lists that this version does not inventory (Timestream is now).
    b.opt_in("EKS", True, region="eu-west-1")
    b.opt_in("EKS", False, region="us-east-1")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    entries = {e["resource_type"]: e for e in result.summary["not_evaluated"]}
    expected = sorted([*(t for t in OPT_IN_TYPES if t not in resource_types()), "EKS"])
    assert sorted(entries) == expected and "Timestream" not in entries
    assert entries["EKS"] == {
        "resource_type": "EKS",
        "why": NOT_INVENTORIED,
        "operations": [],
        "listed_in_account_regions": 2,
        "opted_in_account_regions": 1,
    }
    assert "EBS" not in entries


def test_not_evaluated_types_survive_the_findings_json_and_reach_the_summary(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EKS", True)
    b.efs("fs-0123456789abcdef0")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    path = tmp_path / "findings.json"
    path.write_text(dumps(result), encoding="utf-8")
    summary = summarize(read_findings(path))
    eks = [n for n in summary.not_evaluated if n.resource_type == "EKS"]
    assert eks == [NotEvaluated("EKS", NOT_INVENTORIED, (), 1, 1)]
    assert "not inventoried by this version: " in summary.not_evaluated_sentence()
    assert "EKS (opted in 1/1)" in summary.not_evaluated_sentence()
    assert any(line.startswith("  not evaluated: ") for line in summary.lines())
    assert summary.resources_sentence().endswith(
        "effective protection 0.0% of judged (inventoried types only)"
    )
    assert summary.to_json()["not_evaluated"][-1]["resource_type"] in {
        n.resource_type for n in summary.not_evaluated
    }


def test_every_listed_type_inventoried_means_nothing_outside_the_rate(tmp_path: Path) -> None:
    b = BundleBuilder()
    for t in OPT_IN_TYPES:
        if t not in resource_types():
            b.drop_opt_in(t)
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert result.summary["not_evaluated"] == []
    summary = summarize(result)
    assert summary.not_evaluated == () and not any("not evaluated" in line for line in summary.lines())
