"""The format enum: every choice renders, dispatch is total, writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.model.results import EvaluationResult
from auditor.report import OutputFormat, ReportFormat, render, write_report


def test_every_format_renders_non_empty_text(result: EvaluationResult) -> None:
    for fmt in OutputFormat:
        formatter = fmt.to_format()
        assert isinstance(formatter, ReportFormat)
        out = formatter.render(result)
        assert isinstance(out, str) and out.strip(), fmt


def test_values_and_extensions_are_the_documented_ones() -> None:
    assert [f.value for f in OutputFormat] == ["html", "json", "csv", "markdown", "sarif", "asff"]
    assert {f.value: f.extension for f in OutputFormat} == {
        "html": "html",
        "json": "json",
        "csv": "csv",
        "markdown": "md",
        "sarif": "sarif",
        "asff": "asff.json",
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
