"""``backup-auditor demo`` runs the sandbox organization two nights in a row: a gap fixed and one
added in between, a waivers file with one active and one expired waiver. The second night's outputs
must say exactly that (``auditor/sandbox/night.py``), in the findings JSON and in the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.findings_json import read_findings
from auditor.sandbox.night import NightChanges


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--out", str(out), "-q"]) == 0  # 3 when either night differs from the plan
    return out


def test_the_second_night_reports_each_change_exactly(demo: Path) -> None:
    doc = json.loads((demo / "findings.json").read_text())
    since = doc["summary"]["since_previous"]
    assert len(since["new_ids"]) == 1 and len(since["resolved"]) == 3
    assert {f["rule_id"] for f in since["resolved"]} == {"BKP-002"}
    assert since["previous"] == str(demo.parent / "demo.previous")
    result = read_findings(demo / "findings.json")
    new = [f for f in result.findings if f.id in set(since["new_ids"])]
    assert [(f.rule_id, f.resource_type) for f in new] == [("BKP-002", "DynamoDB")]
    assert new[0].resource_arn is not None and new[0].resource_arn.endswith(":table/night-table")
    waived = [f for f in result.findings if f.waived]
    expired = [f for f in result.findings if f.waiver is not None and not f.waived]
    assert [(f.rule_id, f.resource_type) for f in waived] == [("BKP-002", "S3")]
    assert len(expired) == 1 and expired[0].waiver is not None and expired[0].waiver.days_left == -1
    assert doc["summary"]["waivers"]["stale"] == []
    # the history index beside the output holds both nights, and the report draws them
    history = (demo.parent / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["run"] for line in history] == [str(demo.parent / "demo.previous"), str(demo)]


def test_the_report_shows_the_diff_and_the_accepted_risks(demo: Path) -> None:
    page = (demo / "report.html").read_text()
    for section in ('id="since-last-run"', 'id="accepted"', 'id="trend"'):
        assert section in page, section
    assert page.count('data-new="1"') == 1
    markdown = (demo / "report.md").read_text()
    assert "### Since the last run: 1 new (1 high), 3 resolved" in markdown
    assert "### Accepted risks: 1 waived findings" in markdown


def test_the_comparison_fails_on_a_wrong_expectation(demo: Path) -> None:
    result = read_findings(demo / "findings.json")
    wrong = NightChanges(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
    lines = wrong.compare(result)
    assert any(line.startswith("UNEXPECTED new: ('BKP-002'") for line in lines)
    assert sum(line.startswith("UNEXPECTED resolved") for line in lines) == 3
    assert any(line.startswith("UNEXPECTED waived") for line in lines)
