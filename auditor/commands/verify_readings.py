"""``backup-auditor verify-readings REPORT``: did AWS Backup do what we predicted with each probe
of the verification kit (deploy/verify-readings.yaml, guide docs/verify-readings.md)?

REPORT is a findings JSON (version 1 or 2) or an audit output directory (its ``findings.json``,
and its ``evidence/`` bundle when present: the backup jobs and recovery points the kit's plan
created tell that it ran). ``--evidence BUNDLE`` names the bundle explicitly. Exit codes: 0 the
table was printed (whatever it says); 2 bad input (missing or malformed file, a BKP-091 finding
that breaks its contract); 3 unexpected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.errors import BadInputError
from auditor.findings_json import read_findings
from auditor.rules import rules
from auditor.verify_readings import NO_BUNDLE, load_bundle_runs, precondition_problems, to_text, verify

FINDINGS_NAME = "findings.json"
EVIDENCE_NAME = "evidence"


def _sources(report: Path, evidence: Path | None) -> tuple[Path, Path | None]:
    """(findings file, bundle or None) of REPORT and --evidence."""
    if report.is_dir():
        findings = report / FINDINGS_NAME
        if not findings.is_file():
            raise BadInputError(f"{report}: not an audit output directory (no {FINDINGS_NAME})")
        own = report / EVIDENCE_NAME
        bundle = evidence or (own if (own / "manifest.json").is_file() else None)
        return findings, bundle
    return report, evidence


@app.command("verify-readings")
def verify_readings_command(
    report: Annotated[
        Path, typer.Argument(help="A findings JSON, or an audit output directory (findings.json, evidence/).")
    ],
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="The evidence bundle of the same run: its jobs and recovery points show the kit's plan ran.",
        ),
    ] = None,
) -> None:
    """Print, per probe of the verification kit: reading, our prediction, what AWS did, agree/disagree.

    Exit codes: 0 printed; 2 bad input."""
    findings_path, bundle = _sources(report, evidence)
    result = read_findings(findings_path)
    runs = load_bundle_runs(bundle) if bundle is not None else NO_BUNDLE
    rows, run = verify(result, findings_path, bundle=runs, known_rules=rules.ids())
    problems = precondition_problems(result, rows)
    typer.echo(to_text(rows, run, problems), nl=False)
