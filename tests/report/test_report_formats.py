"""The format enum: every choice renders, dispatch is total, writes are atomic."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from html import escape
from pathlib import Path

import pytest

from auditor.findings_json import from_document
from auditor.model.results import EvaluationResult
from auditor.report import OutputFormat, ReportFormat, render, write_report


def _keys(result: EvaluationResult) -> Counter[tuple[str, str | None]]:
    return Counter((f.rule_id, f.resource_arn) for f in result.findings)


def test_every_format_renders_the_findings_of_the_result(result: EvaluationResult) -> None:
    """Each format, read back, holds the result's findings (rule and subject, one for one)."""
    for fmt in OutputFormat:
        assert isinstance(fmt.to_format(), ReportFormat)
    want = _keys(result)
    assert len(want) > 5 and sum(want.values()) == len(result.findings)

    # The findings JSON (version 2 leaves out members equal to the rule's or null): read back
    # through the project's reader, and the raw document holds one entry per finding.
    data = json.loads(render(result, OutputFormat.JSON))
    assert len(data["findings"]) == len(result.findings)
    assert _keys(from_document(data, Path("report.json"))) == want

    rows = list(csv.DictReader(io.StringIO(_text(result, OutputFormat.CSV))))
    assert Counter((r["rule_id"], r["resource_arn"] or None) for r in rows) == want

    sarif = json.loads(render(result, OutputFormat.SARIF))["runs"][0]["results"]
    assert Counter(r["ruleId"] for r in sarif) == Counter(f.rule_id for f in result.findings)
    located = Counter(
        place["name"]
        for r in sarif
        for loc in r.get("locations", [])
        for place in loc["logicalLocations"]
        if place["kind"] == "resource"
    )
    assert located == Counter(f.resource_arn for f in result.findings if f.resource_arn)

    asff = json.loads(render(result, OutputFormat.ASFF))["Findings"]
    assert Counter(a["Id"].split("/")[1] for a in asff) == Counter(f.rule_id for f in result.findings)

    ocsf = json.loads(render(result, OutputFormat.OCSF))
    assert Counter(e["metadata"]["event_code"] for e in ocsf) == Counter(f.rule_id for f in result.findings)
    assert Counter(e["finding_info"]["uid"] for e in ocsf) == Counter(f.id for f in result.findings)

    html = render(result, OutputFormat.HTML)
    for finding in result.findings:
        assert finding.rule_id in html and escape(finding.title, quote=False) in html, finding.rule_id
        if finding.resource_arn:
            assert finding.resource_arn in html


def _text(result: EvaluationResult, fmt: OutputFormat) -> str:
    out = render(result, fmt)
    assert isinstance(out, str), fmt
    return out


def test_markdown_summary_counts_what_the_result_holds(result: EvaluationResult) -> None:
    md = _text(result, OutputFormat.MARKDOWN)
    assert md.startswith(f"## backup-auditor: {len(result.findings)} findings")
    for severity, n in Counter(f.severity.value for f in result.findings).items():
        assert f"| {severity} | {n} |" in md
    per_rule = Counter(f.rule_id for f in result.findings)
    listed = re.findall(r"^\| \w+ \| (BKP-\d+) \| .* \| (\d+) \|$", md, flags=re.M)
    assert listed and all(per_rule[rule] == int(n) for rule, n in listed)


def test_values_and_extensions_are_the_documented_ones() -> None:
    assert [f.value for f in OutputFormat] == ["html", "json", "csv", "markdown", "sarif", "asff", "ocsf"]
    assert {f.value: f.extension for f in OutputFormat} == {
        "html": "html",
        "json": "json",
        "csv": "csv",
        "markdown": "md",
        "sarif": "sarif",
        "asff": "asff.json",
        "ocsf": "ocsf.json",
    }


def test_render_accepts_the_enum_or_its_value_and_rejects_unknown(result: EvaluationResult) -> None:
    assert render(result, "markdown") == render(result, OutputFormat.MARKDOWN)
    with pytest.raises(ValueError, match="pdf"):
        render(result, "pdf")


def test_write_report_writes_the_rendering_and_leaves_no_temporary_file(
    result: EvaluationResult, tmp_path: Path
) -> None:
    target = tmp_path / "sub" / "report.sarif"
    write_report(result, "sarif", target)
    assert target.read_text(encoding="utf-8") == render(result, OutputFormat.SARIF)
    assert [p.name for p in target.parent.iterdir()] == ["report.sarif"]


def test_written_reports_get_the_usual_file_mode(result: EvaluationResult, tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        write_report(result, OutputFormat.HTML, tmp_path / "r.html")
    finally:
        os.umask(old)
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o644


def test_write_report_replaces_an_existing_file(result: EvaluationResult, tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_text("old", encoding="utf-8")
    write_report(result, OutputFormat.MARKDOWN, target)
    assert target.read_text(encoding="utf-8").startswith("## backup-auditor")


def test_an_empty_evaluation_renders_in_every_format() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    empty = EvaluationResult(now, now, "0.1.0", None, (), (), (), ())
    for fmt in OutputFormat:
        assert render(empty, fmt), fmt
    html = render(empty, OutputFormat.HTML)
    assert isinstance(html, str)
    assert (
        "No findings." in html and "No resources were found." in html and "No backup plans were found" in html
    )
    assert "n/a" in html  # no rate without judged resources, never 0% or 100%
