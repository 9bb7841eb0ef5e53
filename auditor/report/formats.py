"""The output formats behind one enum (pip-audit ``OutputFormatChoice`` style)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import assert_never

from auditor.model.results import EvaluationResult
from auditor.report.asff import AsffFormat
from auditor.report.base import ReportFormat
from auditor.report.csv_format import CsvFormat
from auditor.report.html import HtmlFormat
from auditor.report.json_format import JsonFormat
from auditor.report.markdown import MarkdownFormat
from auditor.report.ocsf import OcsfFormat
from auditor.report.sarif import SarifFormat


class OutputFormat(StrEnum):
    """``--format`` values."""

    HTML = "html"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    ASFF = "asff"
    OCSF = "ocsf"

    @property
    def extension(self) -> str:
        """File name extension without the dot (``report.<extension>``)."""
        return self.to_format().suffix.lstrip(".")

    def to_format(self) -> ReportFormat:
        """The formatter for this choice."""
        match self:
            case OutputFormat.HTML:
                return HtmlFormat()
            case OutputFormat.JSON:
                return JsonFormat()
            case OutputFormat.CSV:
                return CsvFormat()
            case OutputFormat.MARKDOWN:
                return MarkdownFormat()
            case OutputFormat.SARIF:
                return SarifFormat()
            case OutputFormat.ASFF:
                return AsffFormat()
            case OutputFormat.OCSF:
                return OcsfFormat()
            case _:
                assert_never(self)


def render(result: EvaluationResult, fmt: OutputFormat | str) -> str | bytes:
    """``result`` in format ``fmt`` (an ``OutputFormat`` or its value; ``ValueError`` if unknown)."""
    return OutputFormat(fmt).to_format().render(result)


def write_report(result: EvaluationResult, fmt: OutputFormat | str, path: Path) -> None:
    """Write ``result`` in format ``fmt`` to ``path`` (atomically: temporary file, then rename)."""
    OutputFormat(fmt).to_format().write(result, path)


write = write_report
