"""``backup-auditor report BUNDLE_OR_FINDINGS --format FORMAT [-o FILE] [--resources-csv FILE]``.

Given an evidence bundle directory, evaluates it (thresholds and ``--as-of`` as for ``evaluate``:
flag > ``BACKUP_AUDITOR_*`` > config file > default); given a findings JSON file (from ``evaluate``
or ``audit``), reads it. Writes the report to stdout or ``-o``; a summary goes to stderr.
Exit codes: 0 report written; 1 report written and a gate failed (findings at or above
``--fail-on``, or with ``--fail-on-not-audited`` an account-region partial or not audited); 2 bad input
(missing or malformed bundle / findings file, an output path that cannot be written, an evaluation
flag given with a findings JSON).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.commands.options import (
    AccountFilterOpt,
    AsOfOpt,
    AuroraCostOpt,
    ConfigFileOpt,
    FailOnNotAuditedOpt,
    FailOnOpt,
    FrameworkFileOpt,
    JobsOpt,
    JobWindowOpt,
    OuFilterOpt,
    RegionFilterOpt,
    RuleFilterOpt,
    SeverityFilterOpt,
    WaiversOpt,
    warn_framework,
)
from auditor.config import AuditConfig, load_config
from auditor.errors import BadInputError, OutputError
from auditor.filters import apply_filter, parse_filter
from auditor.findings_json import read_findings
from auditor.gcpause import paused_gc
from auditor.model.results import EvaluationResult
from auditor.outputs import record_output
from auditor.report import OutputFormat, ResourcesCsv
from auditor.report.base import ReportFormat
from auditor.report.view import ReportView, build_view, forget_views, not_audited
from auditor.rules.registry import rules
from auditor.runner import evaluate_path, summary_for
from auditor.summary import RunSummary, summarize

MANIFEST = "manifest.json"


def load_result(
    source: Path, config: AuditConfig | None = None, *, evaluation_flags: Sequence[str] = ()
) -> EvaluationResult:
    """Evaluate a bundle directory with ``config``'s thresholds, or read a findings JSON file
    (``manifest.json`` means its bundle). ``evaluation_flags`` names flags given on the command line
    that only make sense for a bundle: with a findings JSON they are an error, not silently ignored."""
    if not source.exists():
        raise BadInputError(
            f"{source}: no such file or directory (expected an evidence bundle or findings JSON)"
        )
    bundle = source if source.is_dir() else source.parent if source.name == MANIFEST else None
    if bundle is None:
        if evaluation_flags:
            raise BadInputError(
                f"{source}: a findings JSON is already evaluated; {', '.join(evaluation_flags)} "
                "only apply when the input is an evidence bundle"
            )
        return read_findings(source)
    return evaluate_path(bundle, replace(config or AuditConfig(), quiet=True))


def _write(fmt: ReportFormat, result: EvaluationResult, target: Path, what: str) -> None:
    if target.is_dir():
        raise BadInputError(f"{target}: is a directory; {what} needs a file path")
    try:
        fmt.write(result, target)
    except OSError as exc:
        raise OutputError(target, what, exc) from exc
    record_output(target)


def summary_line(
    result: EvaluationResult, view: ReportView | None = None, summary: RunSummary | None = None
) -> str:
    """One line: findings, resources and coverage (the counts of :func:`auditor.summary.summarize`),
    then the scopes not (fully) audited by name."""
    counts = summary or summarize(result)
    parts = [counts.findings_sentence(), counts.resources_sentence(), counts.coverage_sentence()]
    scopes_not_audited = view.not_audited if view is not None else not_audited(result)
    if scopes_not_audited:
        scopes = [f"{n.account_id} {n.region or 'all Regions'}" for n in scopes_not_audited]
        parts.append(
            f"not (fully) audited: {', '.join(scopes[:5])}"
            + (f" and {len(scopes) - 5} more" if len(scopes) > 5 else "")
        )
    return "; ".join(parts)


def _report(
    source: Path,
    config: AuditConfig,
    flags: Sequence[str],
    filters: tuple[str | None, ...],
    output_format: OutputFormat,
    output: Path | None,
    resources_csv: Path | None,
) -> tuple[list[str], int]:
    """Read or evaluate ``source``, filter it, check it (the view), write the report(s); the
    summary lines for stderr and the exit code. Nothing it builds outlives it but the view cache.

    What was read, then the view, live as long as the report and hold no cycles: frozen
    (``gc.freeze``), they are out of the cyclic collector's reach, so the allocations that follow
    do not make it walk millions of objects again. A findings JSON is read with the collector
    paused until then: leaving the reader's own pause with millions of new objects would start a
    collection of every one of them."""
    pause = paused_gc() if source.is_file() and source.name != MANIFEST else nullcontext()
    with pause:
        result = load_result(source, config, evaluation_flags=flags)
        gc.freeze()
    result = apply_filter(result, parse_filter(*filters), rules.ids())
    try:
        view = build_view(result)  # checks the members the findings JSON reader leaves open
    except BadInputError as exc:
        raise BadInputError(f"{source}: {exc}") from exc
    gc.freeze()
    fmt = output_format.to_format()
    if output is None:
        typer.echo(fmt.render(result), nl=False)
    else:
        _write(fmt, result, output, f"the {output_format.value} report")
    if resources_csv is not None:
        _write(ResourcesCsv(), result, resources_csv, "the resources CSV")
    summary = summary_for(result, config)
    lines = [f"backup-auditor report: {summary_line(result, view, summary)}"]
    if output is not None:
        lines.append(f"  {output_format.value}: {output}")
    if resources_csv is not None:
        lines.append(f"  resources csv: {resources_csv}")
    if summary.gate.enabled:
        lines.append(f"  gate: {summary.gate.sentence()}")
    return lines, summary.gate.exit_code


@app.command("report")
def report_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="Evidence bundle directory (evaluated now) or findings JSON file.",
            show_default=False,
            metavar="BUNDLE_OR_FINDINGS",
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
    fail_on: FailOnOpt = None,
    fail_on_not_audited: FailOnNotAuditedOpt = False,
    as_of: AsOfOpt = None,
    job_window_days: JobWindowOpt = None,
    aurora_cost_per_gb_month: AuroraCostOpt = None,
    waivers: WaiversOpt = None,
    account: AccountFilterOpt = None,
    ou: OuFilterOpt = None,
    region: RegionFilterOpt = None,
    rule: RuleFilterOpt = None,
    severity: SeverityFilterOpt = None,
    framework_file: FrameworkFileOpt = None,
    jobs: JobsOpt = None,
    config_file: ConfigFileOpt = None,
) -> None:
    """Render a report (html, json, csv, markdown, sarif, asff) from a bundle or a findings JSON.

    The report goes to stdout or -o; a summary goes to stderr. --as-of, --job-window-days,
    --aurora-cost-per-gb-month and --jobs apply when evaluating a bundle.
    Exit codes: 0 report written; 1 report written and findings at or above --fail-on, or (with
    --fail-on-not-audited) an account-region partial or not audited; 2 bad input or an output path
    that cannot be written."""
    given = {
        "as_of": as_of,
        "job_window_days": job_window_days,
        "aurora_cost_per_gb_month": aurora_cost_per_gb_month,
        "waivers": waivers,
        "framework_file": framework_file,
        "jobs": jobs,
    }
    gates = {"fail_on": fail_on, "fail_on_not_audited": True if fail_on_not_audited else None}
    config = load_config({**given, **gates}, config_file=config_file)
    warn_framework(config)
    flags = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is not None]
    filters = (account, region, rule, severity, ou)
    try:
        lines, code = _report(source, config, flags, filters, output_format, output, resources_csv)
    finally:
        forget_views()  # what the report read and built is freed here, then unfrozen
        gc.unfreeze()
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)
