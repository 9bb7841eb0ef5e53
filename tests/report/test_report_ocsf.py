"""``--format ocsf``: every event is an OCSF 1.5.0 Detection Finding by Prowler's own models
(``py-ocsf-models``), none of our members is dropped by them (so none is outside the schema), and
the values carry the finding: id, severity, account, Region, resource, remediation, compliance."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from auditor.cli import main
from auditor.findings_json import write_findings
from auditor.model.results import EvaluationResult
from auditor.report.ocsf import OcsfFormat
from auditor.waivers import Waiver, WaiverSet, apply_waivers


def _missing(sent: object, kept: object, where: str = "") -> list[str]:
    """Members of ``sent`` that validation dropped (``unmapped`` is free-form by the schema)."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        out: list[str] = []
        for key, value in sent.items():
            if key not in kept:
                out.append(f"{where}{key}")
            elif key != "unmapped":
                out += _missing(value, kept[key], f"{where}{key}.")
        return out
    if isinstance(sent, list) and isinstance(kept, list):
        return [
            m for i, (a, b) in enumerate(zip(sent, kept, strict=True)) for m in _missing(a, b, f"{where}{i}.")
        ]
    return []


@pytest.fixture(scope="module")
def events(
    bundle_result: EvaluationResult, tmp_path_factory: pytest.TempPathFactory
) -> tuple[EvaluationResult, list[dict[str, Any]]]:
    first = next(f for f in bundle_result.findings if f.rule_id == "BKP-002")
    waivers = WaiverSet(
        Path("w.toml"), (Waiver(1, "BKP-002", "why", "owner", date(2099, 1, 1), resource=first.resource_arn),)
    )
    result = apply_waivers(bundle_result, waivers)
    return result, json.loads(OcsfFormat().render(result))


def test_every_event_is_a_valid_detection_finding_and_loses_no_member(
    events: tuple[EvaluationResult, list[dict[str, Any]]],
) -> None:
    result, docs = events
    assert len(docs) == len(result.findings) > 0
    for doc in docs:
        model = DetectionFinding.model_validate(doc)
        kept = model.model_dump(mode="json", exclude_none=True)
        assert _missing(doc, kept) == [], doc["finding_info"]["uid"]
        assert doc["metadata"]["version"] == OCSF_VERSION
        assert (doc["class_uid"], doc["category_uid"], doc["type_uid"]) == (2004, 2, 200401)


def test_events_carry_the_finding(events: tuple[EvaluationResult, list[dict[str, Any]]]) -> None:
    result, docs = events
    by_uid = {d["finding_info"]["uid"]: d for d in docs}
    levels = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
    for f in result.findings:
        d = by_uid[f.id]
        assert d["severity_id"] == levels[f.severity.value]
        assert d["message"] == f.message and d["remediation"]["references"] == [f.doc_url]
        assert d["unmapped"]["compliance"]["rule"] == f.rule_id
        if f.account_id:
            assert d["cloud"]["account"]["uid"] == f.account_id
        assert d["cloud"].get("region") == f.region
        assert d["resources"][0]["uid"] == (f.resource_arn or f"arn:aws:::{d['cloud']['account']['uid']}")
        assert (d["status_id"], "waiver" in d["unmapped"]) == ((3, True) if f.waived else (1, False))
    assert sum(1 for d in docs if d["status"] == "Suppressed") == 1
    unprotected = next(d for d in docs if d["metadata"]["event_code"] == "BKP-002")
    assert (
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN" in unprotected["unmapped"]["compliance"]["audit-manager"]
    )
    assert "EC2.28" in unprotected["unmapped"]["compliance"]["security-hub"]


def test_report_command_writes_ocsf(bundle_result: EvaluationResult, tmp_path: Path) -> None:
    findings = tmp_path / "findings.json"
    write_findings(bundle_result, findings)
    out = tmp_path / "events.ocsf.json"
    assert main(["report", str(findings), "--format", "ocsf", "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())) == len(bundle_result.findings)
