"""``backup-auditor audit``: collect + evaluate + report in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.commands.options import (
    AccountsFromOpt,
    AccountsOpt,
    AsOfOpt,
    AuroraCostOpt,
    ConfigFileOpt,
    EndpointUrlOpt,
    ExternalIdOpt,
    FailOnNewOpt,
    FailOnNotAuditedOpt,
    FailOnOpt,
    ForceOpt,
    FrameworkFileOpt,
    GzipOpt,
    HistoryOpt,
    JobsOpt,
    JobWindowOpt,
    MaxAttemptsOpt,
    MaxConcurrencyOpt,
    OuOpt,
    PerRegionConcurrencyOpt,
    PreviousOpt,
    QuietOpt,
    RegionsOpt,
    RoleNameOpt,
    ShardOpt,
    TimeoutOpt,
    WaiversOpt,
    collect_flags,
    warn_framework,
)
from auditor.config import load_config
from auditor.errors import BadInputError
from auditor.outputs import check_output_dir
from auditor.report import OutputFormat
from auditor.runner import print_summary, run_audit


def parse_formats(value: str) -> tuple[OutputFormat, ...]:
    """``"html,json"`` -> formats; unknown names are a usage error (exit 2)."""
    out: list[OutputFormat] = []
    for name in (p.strip().lower() for p in value.split(",")):
        if not name:
            continue
        try:
            out.append(OutputFormat(name))
        except ValueError:
            choices = ", ".join(f.value for f in OutputFormat)
            raise BadInputError(f"--format: unknown format {name!r} (choose from {choices})") from None
    if not out:
        raise BadInputError("--format: give at least one format")
    return tuple(out)


@app.command("audit")
def audit(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("reports/audit"),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated report formats written next to findings.json.")
    ] = "html,json",
    force: ForceOpt = False,
    fail_on: FailOnOpt = None,
    fail_on_not_audited: FailOnNotAuditedOpt = False,
    as_of: AsOfOpt = None,
    aurora_cost_per_gb_month: AuroraCostOpt = None,
    waivers: WaiversOpt = None,
    previous: PreviousOpt = None,
    history: HistoryOpt = None,
    fail_on_new: FailOnNewOpt = None,
    framework_file: FrameworkFileOpt = None,
    accounts: AccountsOpt = None,
    accounts_from: AccountsFromOpt = None,
    ou: OuOpt = None,
    regions: RegionsOpt = None,
    role_name: RoleNameOpt = None,
    external_id: ExternalIdOpt = None,
    endpoint_url: EndpointUrlOpt = None,
    max_concurrency: MaxConcurrencyOpt = None,
    per_region_concurrency: PerRegionConcurrencyOpt = None,
    max_attempts: MaxAttemptsOpt = None,
    job_window_days: JobWindowOpt = None,
    shard: ShardOpt = None,
    timeout: TimeoutOpt = None,
    gzip: GzipOpt = False,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    config: ConfigFileOpt = None,
) -> None:
    """Collect the organization's evidence, evaluate every rule and write the reports.

    Writes OUT/evidence/ (the bundle), OUT/findings.json and OUT/report.<format>. Progress and a
    summary go to stderr. Exit 0 clean; 1 findings at or above --fail-on, or (with
    --fail-on-not-audited) an account-region partial or not audited; 2 bad input; 3 run failed.
    """
    flags = collect_flags(
        accounts=accounts,
        accounts_from=accounts_from,
        ou=ou,
        regions=regions,
        role_name=role_name,
        external_id=external_id,
        endpoint_url=endpoint_url,
        max_concurrency=max_concurrency,
        per_region_concurrency=per_region_concurrency,
        max_attempts=max_attempts,
        job_window_days=job_window_days,
        shard=shard,
        timeout=timeout,
        gzip=gzip,
        quiet=quiet,
    )
    flags.update(
        {
            "fail_on": fail_on,
            "fail_on_not_audited": True if fail_on_not_audited else None,
            "as_of": as_of,
            "aurora_cost_per_gb_month": aurora_cost_per_gb_month,
            "waivers": waivers,
            "previous": previous,
            "history": history,
            "fail_on_new": fail_on_new,
            "framework_file": framework_file,
            "jobs": jobs,
        }
    )
    cfg = load_config(flags, config_file=config)
    warn_framework(cfg)
    check_output_dir(out, "the audit outputs")
    outcome = run_audit(cfg, out, force=force, formats=parse_formats(formats))
    print_summary(outcome)
    raise typer.Exit(outcome.exit_code)
