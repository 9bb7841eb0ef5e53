"""``backup-auditor report BUNDLE_OR_FINDINGS --format FORMAT [-o FILE] [--resources-csv FILE]``.

Given an evidence bundle directory, evaluates it; given a findings JSON file (from ``evaluate`` or
``audit``), reads it. Writes the report to stdout or ``-o``; a one-paragraph summary goes to stderr.
Exit codes: 0 report written; 2 bad input (missing or malformed bundle / findings file, an output
path that cannot be written).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.errors import BadInputError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import read_findings
from auditor.model.results import EvaluationResult, Severity
from auditor.report import OutputFormat, ResourcesCsv
from auditor.report.base import ReportFormat
from auditor.report.view import build_view

MANIFEST = "manifest.json"


def load_result(source: Path) -> EvaluationResult:
    """Evaluate a bundle directory, or read a findings JSON file (``manifest.json`` means its bundle)."""
    if not source.exists():
        raise BadInputError(
            f"{source}: no such file or directory (expected an evidence bundle or findings JSON)"
        )
    if source.is_dir():
        return evaluate_bundle(read_bundle(source))
    if source.name == MANIFEST:
        return evaluate_bundle(read_bundle(source.parent))
    return read_findings(source)


def _write(fmt: ReportFormat, result: EvaluationResult, target: Path, what: str) -> None:
    if target.is_dir():
        raise BadInputError(f"{target}: is a directory; {what} needs a file path")
    try:
        fmt.write(result, target)
    except OSError as exc:
        raise BadInputError(f"{target}: cannot write {what}: {exc.strerror or exc}") from exc


def summary_line(result: EvaluationResult) -> str:
    sev = Counter(f.severity for f in result.findings)
    states = Counter(
        "protected"
        if r.get("protected") is True
        else "unprotected"
        if r.get("protected") is False
        else "unknown"
        for r in result.resources
    )
    not_audited = build_view(result).not_audited
    parts = [
        f"{len(result.findings)} findings ("
        + ", ".join(f"{sev[s]} {s.value}" for s in sorted(Severity, key=lambda s: -s.rank))
        + ")",
        f"{len(result.resources)} resources ({states['protected']} protected, {states['unprotected']} "
        f"unprotected, {states['unknown']} unknown)",
    ]
    if not_audited:
        scopes = [f"{n.account_id} {n.region or 'all Regions'}" for n in not_audited]
        parts.append(
            f"NOT AUDITED: {', '.join(scopes[:5])}"
            + (f" and {len(scopes) - 5} more" if len(scopes) > 5 else "")
        )
    return "; ".join(parts)


@app.command("report")
def report_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="Evidence bundle directory (evaluated now) or findings JSON file.", show_default=False
        ),
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            envvar="BACKUP_AUDITOR_FORMAT",
            case_sensitive=False,
            help="Report format.",
        ),
    ] = OutputFormat.HTML,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here instead of stdout.", dir_okay=False),
    ] = None,
    resources_csv: Annotated[
        Path | None,
        typer.Option(
            help="Also write the resource inventory (one row per resource) as CSV here.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Render a report (html, json, csv, markdown, sarif, asff) from a bundle or a findings JSON.

    The report goes to stdout or -o; a summary goes to stderr.
    Exit codes: 0 report written; 2 bad input or an output path that cannot be written."""
    result = load_result(source)
    fmt = output_format.to_format()
    if output is None:
        typer.echo(fmt.render(result), nl=False)
    else:
        _write(fmt, result, output, f"the {output_format.value} report")
    if resources_csv is not None:
        _write(ResourcesCsv(), result, resources_csv, "the resources CSV")
    typer.echo(f"backup-auditor report: {summary_line(result)}", err=True)
    if output is not None:
        typer.echo(f"  {output_format.value}: {output}", err=True)
    if resources_csv is not None:
        typer.echo(f"  resources csv: {resources_csv}", err=True)
