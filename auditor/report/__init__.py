"""Output formats (html, json, csv, markdown, sarif, asff) behind :class:`OutputFormat`.

``OutputFormat(name).to_format()`` gives a :class:`ReportFormat` with ``render(result)`` and
``write(result, path)``; :func:`render` / :func:`write_report` are shortcuts taking the enum or its value.
"""

from auditor.report.base import ReportFormat, fingerprint, subject
from auditor.report.csv_format import ResourcesCsv
from auditor.report.formats import OutputFormat, render, write, write_report

__all__ = [
    "OutputFormat",
    "ReportFormat",
    "ResourcesCsv",
    "fingerprint",
    "render",
    "subject",
    "write",
    "write_report",
]
