"""SARIF 2.1.0: driver rules, results with logical locations, stable fingerprints."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from auditor.model.results import EvaluationResult
from auditor.report.sarif import FINGERPRINT_KEY, LEVELS, SarifFormat


def _run(result: EvaluationResult) -> dict[str, Any]:
    doc = json.loads(SarifFormat().render(result))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    run: dict[str, Any] = doc["runs"][0]
    return run


def test_driver_lists_each_rule_once_with_its_metadata(result: EvaluationResult) -> None:
    driver = _run(result)["tool"]["driver"]
    assert driver["name"] == "backup-auditor" and driver["version"] == result.tool_version
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted({f.rule_id for f in result.findings})
    by_id = {r["id"]: r for r in driver["rules"]}
    for f in result.findings:
        rule = by_id[f.rule_id]
        assert rule["shortDescription"]["text"] == f.title
        assert rule["helpUri"] == f.doc_url
        assert rule["defaultConfiguration"]["level"] == LEVELS[f.severity]
        assert rule["name"].isidentifier()


def test_one_result_per_finding_pointing_at_its_rule(result: EvaluationResult) -> None:
    run = _run(result)
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(result.findings)
    for res, f in zip(run["results"], result.findings, strict=True):
        assert res["ruleId"] == f.rule_id
        assert rules[res["ruleIndex"]]["id"] == f.rule_id
        assert res["level"] == LEVELS[f.severity]
        assert res["message"]["text"] == f.message


def test_levels_map_severities() -> None:
    assert {s.value: lvl for s, lvl in LEVELS.items()} == {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "note",
        "info": "note",
    }


def test_logical_location_is_the_arn_else_account_and_region(result: EvaluationResult) -> None:
    run = _run(result)
    for res, f in zip(run["results"], result.findings, strict=True):
        loc = res["locations"][0]["logicalLocations"][0]
        if f.resource_arn:
            assert loc == {"fullyQualifiedName": f.resource_arn, "name": f.resource_arn, "kind": "resource"}
        elif f.region:
            assert loc["fullyQualifiedName"] == f"{f.account_id}/{f.region}" and loc["kind"] == "region"
        else:
            assert loc["fullyQualifiedName"] == f.account_id and loc["kind"] == "account"


def test_fingerprints_are_unique_and_stable_across_runs_and_changing_numbers(
    result: EvaluationResult,
) -> None:
    first = [r["partialFingerprints"][FINGERPRINT_KEY] for r in _run(result)["results"]]
    assert len(set(first)) == len(first)
    # next run: same findings with other counts / costs, in another order
    changed = tuple(
        replace(f, message=f.message + " (again)", details={**f.details, "recovery_points": 99})
        for f in reversed(result.findings)
    )
    second = [
        r["partialFingerprints"][FINGERPRINT_KEY] for r in _run(replace(result, findings=changed))["results"]
    ]
    assert sorted(second) == sorted(first)


def test_findings_about_different_subjects_differ(result: EvaluationResult) -> None:
    na = [f for f in result.findings if f.rule_id == "BKP-090"]
    prints = {
        r["partialFingerprints"][FINGERPRINT_KEY]
        for r in _run(replace(result, findings=tuple(na)))["results"]
    }
    assert len(prints) == 2


def test_rule_properties_carry_the_controls_each_rule_gives_evidence_for(
    bundle_result: EvaluationResult,
) -> None:
    driver_rules = {r["id"]: r for r in _run(bundle_result)["tool"]["driver"]["rules"]}
    frequency = [(c["framework"], c["id"]) for c in driver_rules["BKP-030"]["properties"]["controls"]]
    assert frequency == [
        ("audit-manager", "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"),
        ("config", "backup-plan-min-frequency-and-min-retention-check"),
    ]
    protected = {c["id"]: c["url"] for c in driver_rules["BKP-002"]["properties"]["controls"]}
    assert (
        protected["EC2.28"]
        == "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-28"
    )
    assert driver_rules["BKP-014"]["properties"]["controls"] == []
    assert all(
        c["url"].startswith("https://docs.aws.amazon.com/")
        for r in driver_rules.values()
        for c in r["properties"]["controls"]
    )
