"""The report's "Where AWS Backup's own record disagrees with our prediction" section (BKP-091):
grouped by the reading that decided the prediction, in HTML and Markdown; absent without BKP-091."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult
from auditor.report.html import HtmlFormat
from auditor.report.markdown import MarkdownFormat
from auditor.report.view import build_view
from tests.builders import COLLECTED_AT, BundleBuilder

HEADING = "Where AWS Backup's own record disagrees with our prediction"
RUN = COLLECTED_AT - timedelta(days=1)


def _result(tmp_path: Path, *, disagree: bool) -> EvaluationResult:
    b = BundleBuilder()
    named = b.dynamodb_table("named")
    untagged = b.dynamodb_table("untagged")
    plain = b.dynamodb_table("plain")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[named])
    b.selection(plan, "not-dev", conditions=[("StringNotEquals", "aws:ResourceTag/env", "dev")])
    b.job(named, "DynamoDB", created=RUN, plan_id=plan)
    if disagree:
        b.job(untagged, "DynamoDB", created=RUN, plan_id=plan)  # decided by reading A3
        b.job(plain, "DynamoDB", created=RUN + timedelta(hours=1), plan_id=plan)
    return evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))


def test_findings_are_grouped_by_reading_in_html_and_markdown(tmp_path: Path) -> None:
    result = _result(tmp_path, disagree=True)
    groups = build_view(result).disagreements
    assert [(g.reading, len(g.findings)) for g in groups] == [("A3", 2)]
    html = HtmlFormat().render(result)
    assert HEADING in html and 'href="#disagreements"' in html
    section = html[html.index('id="disagreements"') :]
    section = section[: section.index("</section>")]
    assert 'id="reading-a3"' in section and "backed up, not predicted" in section
    assert "StringNotEquals/StringNotLike on a resource that lacks the tag key do not hold" in section
    md = MarkdownFormat().render(result)
    assert "### Where AWS Backup's own record disagrees with our prediction" in md
    assert "**A3: StringNot\\* on a missing key** (2)" in md
    assert md.count("- backed up, not predicted: arn:aws:dynamodb") == 2


def test_no_section_without_a_disagreement(tmp_path: Path) -> None:
    result = _result(tmp_path, disagree=False)
    assert build_view(result).disagreements == ()
    assert HEADING not in HtmlFormat().render(result)
    assert "disagrees with our prediction" not in MarkdownFormat().render(result)
