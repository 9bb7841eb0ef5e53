"""``backup-auditor diff OLD NEW``: what changed between two runs.

OLD and NEW are each a findings JSON file, an audit output directory (its ``findings.json``) or an
evidence bundle (evaluated with the usual settings). Prints new, resolved and unchanged findings,
resources that became unprotected or protected, coverage lost or regained, and the protection rate
before and after, per account. Exit codes: 0 written; 1 with ``--fail-on-new`` when a new finding
(not waived) is at or above it; 2 bad input.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.commands.options import ConfigFileOpt
from auditor.config import load_config, parse_severity
from auditor.diff import compare, to_html, to_json_text, to_markdown, to_text
from auditor.errors import EXIT_CLEAN, EXIT_FINDINGS, OutputError
from auditor.outputs import record_output
from auditor.runner import load_run


class DiffFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"


_RENDER = {
    DiffFormat.TEXT: to_text,
    DiffFormat.MARKDOWN: to_markdown,
    DiffFormat.JSON: to_json_text,
    DiffFormat.HTML: to_html,
}


@app.command("diff")
def diff_command(
    old: Annotated[
        Path, typer.Argument(help="The earlier run: findings JSON, audit output directory or bundle.")
    ],
    new: Annotated[Path, typer.Argument(help="The later run, same kinds.")],
    output_format: Annotated[
        DiffFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
    ] = DiffFormat.TEXT,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of stdout.", dir_okay=False),
    ] = None,
    fail_on_new: Annotated[
        str | None,
        typer.Option(
            "--fail-on-new", help="Exit 1 when a new finding (not waived) is at or above this severity."
        ),
    ] = None,
    config_file: ConfigFileOpt = None,
) -> None:
    """Compare two runs: new / resolved / unchanged findings, verdict and coverage changes, per account.

    Exit codes: 0 written; 1 a new finding at or above --fail-on-new; 2 bad input."""
    threshold = None if fail_on_new is None else parse_severity(fail_on_new, "--fail-on-new")
    config = load_config({"quiet": True}, config_file=config_file)
    result = compare(load_run(old, config), load_run(new, config))
    text = _RENDER[output_format](result)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(output, "the diff", exc) from exc
        record_output(output)
    typer.echo(f"backup-auditor diff: {result.headline()}", err=True)
    failing = [] if threshold is None else result.new_at_or_above(threshold)
    if threshold is not None:
        verdict = "FAILED" if failing else "passed"
        typer.echo(
            f"  gate: --fail-on-new {threshold.value}: {len(failing)} new at or above ({verdict})", err=True
        )
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_CLEAN)
