"""``backup-auditor demo``: audit the embedded sandbox organization end to end.

Starts the sandbox (moto's server plus what moto lacks) on 127.0.0.1, seeds the demo organization
declared in ``auditor/sandbox/org.py`` (the calls it plants as denied are answered AccessDenied by
the sandbox's fault layer), runs the same ``run_audit`` a real audit runs against it, and compares
the result with what was planted: every planted gap found, no other finding, every resource's
verdict as expected (``auditor/sandbox/truth.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from auditor.cli_app import app
from auditor.commands.audit import parse_formats
from auditor.commands.options import FailOnOpt, ForceOpt, QuietOpt
from auditor.config import AuditConfig, parse_severity
from auditor.errors import EXIT_RUN_FAILED, RunError
from auditor.outputs import check_output_dir
from auditor.report import OutputFormat
from auditor.runner import AuditOutcome, print_summary, run_audit

if TYPE_CHECKING:
    from auditor.sandbox.night import NightChanges
    from auditor.sandbox.seed import SeededOrg


@contextmanager
def sdk_environment(values: dict[str, str]) -> Iterator[None]:
    """Point the AWS SDK at the sandbox for the duration of the run, then restore."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("reports/demo"),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated report formats written next to findings.json.")
    ] = "html,json,markdown,sarif,csv",
    force: ForceOpt = False,
    fail_on: FailOnOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Audit the embedded sandbox organization (no AWS account needed).

    Writes OUT/evidence/, OUT/findings.json and OUT/report.html (plus the other formats) and
    compares the findings and verdicts with what was planted in the sandbox organization, one for
    one (exit 3 on any difference: a planted gap missed, a finding not planted, a wrong verdict).
    """
    try:
        from auditor.sandbox import start_sandbox
        from auditor.sandbox.seed import seed_demo_org
        from auditor.sandbox.truth import compare
    except ImportError as exc:  # moto is the optional 'sandbox' extra
        raise RunError(
            f"the demo needs the sandbox extra ({exc.name} is not installed): "
            "pip install 'backup-auditor[sandbox]'"
        ) from exc
    wanted = parse_formats(formats)
    check_output_dir(out, "the demo outputs")
    severity = parse_severity(fail_on) if fail_on is not None else None
    typer.echo("demo: starting the sandbox organization on 127.0.0.1 ...", err=True)
    with start_sandbox() as sandbox, sdk_environment(sandbox.client_env()):
        seeded = seed_demo_org(sandbox.endpoint_url)
        # The planted read failures (org.EVIDENCE_DENIED), for both nights.
        sandbox.set_faults(seeded.faults)
        typer.echo(
            f"demo: seeded {len(seeded.accounts)} accounts x {len(seeded.regions)} regions, "
            f"{len(seeded.expected)} planted gaps, {len(seeded.faults.rules)} denied operation(s); "
            "auditing ...",
            err=True,
        )
        config = AuditConfig(
            endpoint_url=sandbox.endpoint_url,
            role_name=seeded.audit_role_name,
            regions=seeded.regions,
            quiet=quiet,
            fail_on=severity,
            controls=seeded.controls,
        )
        first_out = out.parent / f"{out.name}.previous"
        check_output_dir(first_out, "the demo's first-night outputs")
        first = run_audit(config, first_out, force=force, formats=wanted)
        print_summary(first)
        truth = compare(seeded, first.result)
        typer.echo(f"demo: night 1: {truth.summary()}", err=True)
        for line in truth.diff():
            typer.echo(f"demo: {line}", err=True)
        night = _second_night(seeded, config, first_out, out, force, wanted)
    print_summary(night.outcome)
    typer.echo(f"demo: night 2: {night.sentence()}", err=True)
    for line in night.differences:
        typer.echo(f"demo: {line}", err=True)
    html = night.outcome.report_paths.get("html")
    if html is not None:
        typer.echo(f"demo: open {html.resolve()}", err=True)
    if not truth.ok or night.differences:
        raise typer.Exit(EXIT_RUN_FAILED)
    raise typer.Exit(night.outcome.exit_code)


@dataclass(frozen=True)
class SecondNight:
    outcome: AuditOutcome
    expected: NightChanges
    differences: tuple[str, ...]

    def sentence(self) -> str:
        e = self.expected
        counts = ", ".join(
            f"{len(items)} {name}"
            for name, items in (
                ("new", e.new),
                ("resolved", e.resolved),
                ("waived", e.waived),
                ("waiver expired", e.expired),
            )
        )
        verdict = "as expected" if not self.differences else f"{len(self.differences)} differences"
        return f"{self.outcome.summary.since_previous}; expected {counts}: {verdict}"


def _second_night(
    seeded: SeededOrg,
    config: AuditConfig,
    first_out: Path,
    out: Path,
    force: bool,
    wanted: tuple[OutputFormat, ...],
) -> SecondNight:
    """Change the organization overnight, write the team's waivers, audit again against the first
    night (``--previous``) and compare what changed with what was changed, one for one."""
    from auditor.sandbox.night import change_overnight, expected_changes, waivers_toml

    added = change_overnight(seeded)
    waivers = out.parent / f"{out.name}-waivers.toml"
    waivers.write_text(waivers_toml(seeded, datetime.now(UTC).date()), encoding="utf-8")
    typer.echo(f"demo: night 2: fixed one gap, added one, waivers in {waivers}; auditing again ...", err=True)
    outcome = run_audit(
        replace(config, previous=first_out, waivers=waivers), out, force=force, formats=wanted
    )
    expected = expected_changes(seeded, added)
    return SecondNight(outcome, expected, tuple(expected.compare(outcome.result)))
