"""``backup-auditor evaluate BUNDLE``: judge an evidence bundle offline and print the findings JSON.

Results go to stdout or ``-o FILE``; a short summary goes to stderr. Exit codes: 0 no finding at
or above ``--fail-on`` (default: nothing fails); 1 findings at or above it; 2 bad bundle, bad flag
value or usage error. Flags also read ``BACKUP_AUDITOR_<FIELD>`` and the config file (flag wins).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from auditor.cli_app import app
from auditor.commands.options import AsOfOpt, AuroraCostOpt, ConfigFileOpt, FailOnOpt, JobWindowOpt, QuietOpt
from auditor.config import load_config
from auditor.errors import EXIT_FINDINGS, OutputError
from auditor.findings_json import at_or_above, write_findings
from auditor.model.results import EvaluationResult, Severity
from auditor.outputs import record_output
from auditor.runner import evaluate_path


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
    job_window_days: JobWindowOpt = None,
    aurora_cost_per_gb_month: AuroraCostOpt = None,
    config_file: ConfigFileOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate every rule on an evidence bundle, offline, and print the findings JSON.

    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 bad input or usage."""
    config = load_config(
        {
            "as_of": as_of,
            "fail_on": fail_on,
            "job_window_days": job_window_days,
            "aurora_cost_per_gb_month": aurora_cost_per_gb_month,
            "quiet": True if quiet else None,
        },
        config_file=config_file,
    )
    result = evaluate_path(bundle, config)
    if output_format is EvaluateFormat.JSON:
        _write_output(result, output)
    print_summary(result, config.fail_on, output)
    if config.fail_on is not None and at_or_above(result.findings, config.fail_on):
        raise typer.Exit(EXIT_FINDINGS)


def _write_output(result: EvaluationResult, output: Path | None) -> None:
    """The findings JSON to stdout or ``output``; an unwritable ``output`` is bad input (exit 2)."""
    if output is None:
        write_findings(result, sys.stdout)
        sys.stdout.flush()
        return
    try:
        write_findings(result, output)
    except OSError as exc:
        raise OutputError(output, "the findings JSON", exc) from exc
    record_output(output)


def summary_lines(result: EvaluationResult, fail_on: Severity | None = None) -> list[str]:
    """The human summary printed on stderr."""
    s = result.summary
    by_sev = s.get("by_severity", {})
    cov = s.get("coverage", {})
    rate = s.get("effective_protection_rate")
    lines = [
        f"backup-auditor: evaluated as of {result.as_of.isoformat()}",
        f"  coverage:  {cov.get('audited', 0)} audited, {cov.get('partial', 0)} partial, "
        f"{cov.get('not_audited', 0)} NOT AUDITED account-region(s)",
        f"  resources: {s.get('protected', 0)} protected, {s.get('unprotected', 0)} unprotected, "
        f"{s.get('unknown', 0)} unknown"
        + ("" if rate is None else f" (effective protection {rate:.1%} of judged)"),
        "  findings:  "
        + ", ".join(
            f"{by_sev.get(sev.value, 0)} {sev.value}" for sev in sorted(Severity, key=lambda x: -x.rank)
        ),
    ]
    cost = s.get("estimated_monthly_cost_usd")
    if cost:
        lines.append(f"  estimated avoidable backup storage: {cost:,.2f} USD/month")
    if s.get("rule_errors"):
        lines.append(f"  RULE ERRORS: {s['rule_errors']} rule(s) failed; see findings and 'errors'")
    if fail_on is not None:
        n = len(at_or_above(result.findings, fail_on))
        lines.append(f"  --fail-on {fail_on.value}: {n} finding(s) at or above -> exit {1 if n else 0}")
    return lines


def print_summary(
    result: EvaluationResult, fail_on: Severity | None, output: Path | None, stream: TextIO | None = None
) -> None:
    lines = summary_lines(result, fail_on)
    if output is not None:
        lines.append(f"  written:   {output}")
    typer.echo("\n".join(lines), err=stream is None, file=stream)
