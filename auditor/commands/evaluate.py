"""``backup-auditor evaluate BUNDLE``: judge an evidence bundle offline and print the findings JSON.

Results go to stdout or ``-o FILE``; a short summary goes to stderr. Exit codes: 0 no gate failed;
1 findings at or above ``--fail-on`` (default: nothing fails) or, with ``--fail-on-not-audited``,
an account-region partial or not audited; 2 bad bundle, bad flag value or usage error. Flags also read ``BACKUP_AUDITOR_<FIELD>`` and the config file (flag wins).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from auditor.cli_app import app
from auditor.commands.options import (
    AccountFilterOpt,
    AsOfOpt,
    AuroraCostOpt,
    ConfigFileOpt,
    FailOnNewOpt,
    FailOnNotAuditedOpt,
    FailOnOpt,
    FrameworkFileOpt,
    JobsOpt,
    JobWindowOpt,
    OuFilterOpt,
    PreviousOpt,
    QuietOpt,
    RegionFilterOpt,
    RuleFilterOpt,
    SeverityFilterOpt,
    WaiversOpt,
    warn_framework,
)
from auditor.config import load_config
from auditor.errors import OutputError
from auditor.filters import apply_filter, parse_filter
from auditor.findings_json import write_findings
from auditor.model.results import FINDINGS_VERSION, EvaluationResult
from auditor.outputs import record_output
from auditor.rules.registry import rules
from auditor.run_evaluation import evaluate_path, summary_for
from auditor.summary import RunSummary


class EvaluateFormat(StrEnum):
    """Output formats of ``evaluate`` (the HTML and other reports are ``backup-auditor report``)."""

    JSON = "json"


@app.command("evaluate")
def evaluate_command(
    bundle: Annotated[Path, typer.Argument(help="Evidence bundle directory (written by collect).")],
    output_format: Annotated[
        EvaluateFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
    ] = EvaluateFormat.JSON,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the results to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fail_on: FailOnOpt = None,
    fail_on_not_audited: FailOnNotAuditedOpt = False,
    job_window_days: JobWindowOpt = None,
    aurora_cost_per_gb_month: AuroraCostOpt = None,
    waivers: WaiversOpt = None,
    account: AccountFilterOpt = None,
    ou: OuFilterOpt = None,
    region: RegionFilterOpt = None,
    rule: RuleFilterOpt = None,
    severity: SeverityFilterOpt = None,
    previous: PreviousOpt = None,
    fail_on_new: FailOnNewOpt = None,
    framework_file: FrameworkFileOpt = None,
    config_file: ConfigFileOpt = None,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    findings_version: Annotated[
        int,
        typer.Option(
            "--findings-version",
            min=1,
            max=FINDINGS_VERSION,
            help="Findings JSON format version to write (1: every finding carries its rule's text).",
        ),
    ] = FINDINGS_VERSION,
) -> None:
    """Evaluate every rule on an evidence bundle, offline, and print the findings JSON.

    Exit codes: 0 no gate failed; 1 findings at or above --fail-on, or (with --fail-on-not-audited)
    an account-region partial or not audited; 2 bad input or usage."""
    config = load_config(
        {
            "as_of": as_of,
            "fail_on": fail_on,
            "fail_on_not_audited": True if fail_on_not_audited else None,
            "job_window_days": job_window_days,
            "aurora_cost_per_gb_month": aurora_cost_per_gb_month,
            "waivers": waivers,
            "previous": previous,
            "fail_on_new": fail_on_new,
            "framework_file": framework_file,
            "quiet": True if quiet else None,
            "jobs": jobs,
        },
        config_file=config_file,
    )
    warn_framework(config)
    result = evaluate_path(bundle, config)
    result = apply_filter(result, parse_filter(account, region, rule, severity, ou), rules.ids())
    if output_format is EvaluateFormat.JSON:
        _write_output(result, output, findings_version)
    summary = summary_for(result, config)
    print_summary(result, summary, output)
    raise typer.Exit(summary.gate.exit_code)


def _write_output(result: EvaluationResult, output: Path | None, version: int = FINDINGS_VERSION) -> None:
    """The findings JSON to stdout or ``output``; an unwritable ``output`` is bad input (exit 2)."""
    if output is None:
        write_findings(result, sys.stdout, version)
        sys.stdout.flush()
        return
    try:
        write_findings(result, output, version)
    except OSError as exc:
        raise OutputError(output, "the findings JSON", exc) from exc
    record_output(output)


def summary_lines(result: EvaluationResult, summary: RunSummary) -> list[str]:
    """The human summary printed on stderr."""
    return [f"backup-auditor: evaluated as of {result.as_of.isoformat()}", *summary.lines()]


def print_summary(
    result: EvaluationResult, summary: RunSummary, output: Path | None, stream: TextIO | None = None
) -> None:
    lines = summary_lines(result, summary)
    if output is not None:
        lines.append(f"  written:   {output}")
    typer.echo("\n".join(lines), err=stream is None, file=stream)
