"""A service AWS does not offer in a Region (the manifest's ``unavailable``) is said in words, per
account-region, by the CLI summary, the HTML and Markdown reports and the findings JSON: it must
read neither as "collected, none found" nor as "not audited"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import dumps, read_findings
from auditor.model.results import EvaluationResult
from auditor.report import OutputFormat, render
from auditor.summary import Unavailable, summarize
from tests.builders import BundleBuilder

A, B = "111111111111", "222222222222"
HOME, BARE = "eu-west-1", "eu-west-2"
SENTENCE = f"Timestream: not available in {BARE}, nothing to audit (2 account-regions)"


def _bundle(tmp_path: Path, *, unavailable: bool = True) -> Path:
    b = BundleBuilder(A, HOME)
    b.account(A, [HOME, BARE])
    b.account(B, [HOME, BARE])
    b.timestream_table("metrics", "cpu")
    if unavailable:
        b.unavailable("timestream-write", BARE)
    return b.build(tmp_path / ("bundle" if unavailable else "plain"))


@pytest.fixture
def result(tmp_path: Path) -> EvaluationResult:
    return evaluate_bundle(read_bundle(_bundle(tmp_path)))


def test_the_summary_says_it_per_region_and_counts_every_account_region(result: EvaluationResult) -> None:
    assert {(c.account_id, c.region): c.status for c in result.coverage} == {
        (a, r): "audited" for a in (A, B) for r in (HOME, BARE)
    }
    by_scope = {(c.account_id, c.region): c.unavailable for c in result.coverage}
    assert by_scope == {
        (A, HOME): (),
        (A, BARE): ("timestream-write",),
        (B, HOME): (),
        (B, BARE): ("timestream-write",),
    }
    summary = summarize(result)
    assert summary.unavailable == (Unavailable(BARE, ("timestream-write",), 2),)
    assert summary.unavailable_sentence() == SENTENCE
    assert f"  not in Region: {SENTENCE}" in summary.lines()
    assert summary.to_json()["unavailable"] == [
        {"region": BARE, "services": ["timestream-write"], "account_regions": 2}
    ]


def test_it_survives_the_findings_json(result: EvaluationResult, tmp_path: Path) -> None:
    path = tmp_path / "findings.json"
    path.write_text(dumps(result), encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    listed = {(c["account_id"], c["region"]): c.get("unavailable") for c in doc["coverage"]}
    assert listed == {
        (A, HOME): None,
        (A, BARE): ["timestream-write"],
        (B, HOME): None,
        (B, BARE): ["timestream-write"],
    }
    again = read_findings(path)
    assert [c.unavailable for c in again.coverage] == [c.unavailable for c in result.coverage]
    assert summarize(again).unavailable_sentence() == SENTENCE


def test_html_names_each_affected_account_region(result: EvaluationResult) -> None:
    html = render(result, OutputFormat.HTML)
    assert isinstance(html, str)
    section = html[html.index('id="not-in-region"') :]
    section = section[: section.index("</table>")]
    for account in (A, B):
        row = section[section.index(f'data-account="{account}" data-region="{BARE}"') :]
        row = row[: row.index("</tr>")]
        assert f"Timestream: not available in {BARE}, nothing to audit" in row
    assert f'data-region="{HOME}"' not in section
    assert "Every account and Region in scope was read completely." in html


def test_markdown_and_cli_say_it(
    result: EvaluationResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = render(result, OutputFormat.MARKDOWN)
    assert isinstance(markdown, str)
    assert f"- {SENTENCE}" in markdown
    assert main(["evaluate", str(_bundle(tmp_path / "cli")), "-q"]) == 0
    assert f"not in Region: {SENTENCE}" in capsys.readouterr().err


def test_nothing_is_said_when_every_region_offers_every_service(tmp_path: Path) -> None:
    result = evaluate_bundle(read_bundle(_bundle(tmp_path, unavailable=False)))
    assert not any(c.unavailable for c in result.coverage)
    summary = summarize(result)
    assert summary.unavailable == () and "unavailable" not in summary.to_json()
    assert not any("not in Region" in line for line in summary.lines())
    assert 'id="not-in-region"' not in str(render(result, OutputFormat.HTML))
    assert "nothing to audit" not in str(render(result, OutputFormat.MARKDOWN))
    assert all("unavailable" not in c for c in json.loads(dumps(result))["coverage"])
