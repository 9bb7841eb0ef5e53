"""JSON format = the findings JSON; a report rebuilt from it equals the report of the evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.findings_json import dumps, read_findings
from auditor.model.results import EvaluationResult
from auditor.report import OutputFormat, render


def test_json_format_is_the_findings_json(bundle_result: EvaluationResult) -> None:
    text = render(bundle_result, OutputFormat.JSON)
    assert text == dumps(bundle_result)
    doc = json.loads(text)
    assert doc["format"] == "backup-auditor-findings" and doc["version"] == 2
    assert {"audit", "summary", "coverage", "resources", "plans", "findings", "errors"} <= set(doc)


def test_every_format_from_findings_json_equals_the_format_from_the_evaluation(
    bundle_result: EvaluationResult, tmp_path: Path
) -> None:
    path = tmp_path / "findings.json"
    text = render(bundle_result, OutputFormat.JSON)
    assert isinstance(text, str)
    path.write_text(text, encoding="utf-8")
    reread = read_findings(path)
    for fmt in OutputFormat:
        assert render(reread, fmt) == render(bundle_result, fmt), fmt
