"""Markdown summary: counts, protection, not-audited scopes, top findings; AWS values escaped."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.model.results import EvaluationResult
from auditor.report.markdown import TOP_FINDINGS, MarkdownFormat, md
from tests.report.report_fixtures import XSS_NAME


def test_counts_by_severity_match_the_findings(result: EvaluationResult) -> None:
    text = MarkdownFormat().render(result)
    rows = dict(re.findall(r"^\| (critical|high|medium|low|info) \| (\d+) \|$", text, flags=re.M))
    expected = {s: str(sum(1 for f in result.findings if f.severity.value == s)) for s in rows}
    assert rows == expected and set(rows) == {"critical", "high", "medium", "low", "info"}
    assert f"## backup-auditor: {len(result.findings)} findings" in text


def test_protection_and_cost_lines(result: EvaluationResult) -> None:
    text = MarkdownFormat().render(result)
    assert (
        "**Effective protection: 60.0%**: 9 protected, 6 unprotected, 2 unknown (not audited) of 17" in text
    )
    assert "$33.25" in text  # 8.65 + 23.40 + 1.20


def test_not_audited_scopes_are_listed_with_their_reason(result: EvaluationResult) -> None:
    text = MarkdownFormat().render(result)
    section = text.split("### :warning: Not audited: 1 of 7 account-regions, 1 partial", 1)[1].split(
        "###", 1
    )[0]
    assert "account 444444444444 legacy\\-sandbox (whole account)" not in section  # '-' is not escaped
    assert "account 444444444444 legacy-sandbox (whole account): sts.AssumeRole: AccessDenied" in section
    assert "account 333333333333 staging, region us-east-1: backup.ListBackupPlans" in section


def test_no_not_audited_section_when_everything_was_read(result: EvaluationResult) -> None:
    clean = replace(result, coverage=tuple(c for c in result.coverage if c.status == "audited"))
    assert "### :warning: Not audited" not in MarkdownFormat().render(clean)


def test_top_findings_are_most_severe_first_and_capped(result: EvaluationResult) -> None:
    text = MarkdownFormat().render(result)
    table = re.findall(r"^\| (\w+) \| (BKP-\d+) \| .* \| (\d+) \|$", text, flags=re.M)
    assert len(table) == TOP_FINDINGS
    assert table[0][:2] == ("critical", "BKP-930")
    assert ("high", "BKP-002", "4") in table
    assert "…and 2 more rules" in text


def test_values_from_aws_cannot_inject_markup() -> None:
    assert md(XSS_NAME) == '"&gt;&lt;img src=x onerror=alert(2)&gt;'
    assert md("a|b`c`*d*\n[x](y)") == "a\\|b\\`c\\`\\*d\\* \\[x\\](y)"
    assert md("eu-west-1") == "eu-west-1"


def test_a_title_with_a_pipe_does_not_break_the_table(result: EvaluationResult) -> None:
    f = replace(result.findings[0], title="evil | title <b>")
    text = MarkdownFormat().render(replace(result, findings=(f,)))
    assert "| evil \\| title &lt;b&gt; | 1 |" in text
