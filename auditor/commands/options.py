"""Option declarations shared by several commands (``Annotated`` typer options).

Every option that maps to an :class:`auditor.config.AuditConfig` field also reads its
``BACKUP_AUDITOR_<FIELD>`` environment variable and the config file through
:func:`auditor.config.load_config`; the flag wins. Defaults shown in ``--help`` are the
built-in ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.config import AuditConfig
from auditor.discovery.accounts_file import accounts_option

ConfigFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (TOML). Default: $BACKUP_AUDITOR_CONFIG, else ./backup-auditor.toml if present.",
        dir_okay=False,
    ),
]
AccountsOpt = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated account ids to audit instead of every ACTIVE account of the organization."
    ),
]
AccountsFromOpt = Annotated[
    Path | None,
    typer.Option(
        "--accounts-from",
        help="File of account ids to audit (one per line, # comments; or a JSON list; or the output "
        "of `aws organizations list-accounts`). Excludes --accounts.",
        dir_okay=False,
    ),
]
OuOpt = Annotated[
    str | None,
    typer.Option(
        "--ou",
        help="Audit only the accounts under these organizational units (comma-separated ids such as "
        "ou-ab12-cdefgh34, or paths such as Workloads/Production), units below them included.",
    ),
]
RegionsOpt = Annotated[
    str | None,
    typer.Option(help="Comma-separated regions. Default: each account's enabled regions."),
]
RoleNameOpt = Annotated[
    str | None,
    typer.Option(help="Role assumed in each member account. [default: OrganizationAccountAccessRole]"),
]
ExternalIdOpt = Annotated[str | None, typer.Option(help="External ID for sts:AssumeRole.")]
EndpointUrlOpt = Annotated[
    str | None,
    typer.Option(help="Send every AWS call to this endpoint (a sandbox); default: real AWS."),
]
MaxConcurrencyOpt = Annotated[
    int | None, typer.Option(help="AWS calls in flight across the run. [default: 64]", min=1)
]
PerRegionConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--per-region-concurrency", help="AWS calls in flight per account-region. [default: 8]", min=1
    ),
]
MaxAttemptsOpt = Annotated[
    int | None,
    typer.Option(help="Attempts per AWS call, retries of throttling and 5xx included. [default: 8]", min=1),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        help="Seconds the collection may take; calls not made by then are recorded as not collected "
        "(reported as not audited) and the bundle is still written. [default: no limit]",
        min=0.001,
    ),
]
JobWindowOpt = Annotated[
    int | None, typer.Option(help="Days of backup jobs to collect and judge. [default: 14]", min=1)
]
ShardOpt = Annotated[
    str | None, typer.Option(help="Collect only shard I of N (I/N, 0-based) of the sorted account list.")
]
GzipOpt = Annotated[bool, typer.Option("--gzip", help="Store bundle files gzip-compressed.")]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an earlier run's output (a bundle, or an audit's evidence / findings / reports); "
        "never a directory holding other files.",
    ),
]
JobsOpt = Annotated[
    str | None,
    typer.Option(
        "--jobs",
        metavar="N",
        help="Processes that load the bundle and run the rules when evaluating (1: no child process; each adds its "
        "own memory while loading). [default: the CPUs this process may use, at most 4]",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display on stderr.")]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        help="Exit 1 when a finding at or above this severity exists (info, low, medium, high, critical)."
    ),
]
FailOnNotAuditedOpt = Annotated[
    bool,
    typer.Option(
        "--fail-on-not-audited",
        help="Exit 1 when any account-region of the run is partial or not audited (coverage gate; "
        "env BACKUP_AUDITOR_FAIL_ON_NOT_AUDITED, TOML fail-on-not-audited).",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(help="Evaluate as of this ISO 8601 instant (default: the bundle's collected_at)."),
]
AccountFilterOpt = Annotated[
    str | None,
    typer.Option("--account", help="Show only these accounts (comma-separated ids) in the outputs."),
]
OuFilterOpt = Annotated[
    str | None,
    typer.Option(
        "--ou",
        help="Show only the accounts under these organizational units (ids or paths such as "
        "Workloads/Production), units below them included.",
    ),
]
RegionFilterOpt = Annotated[
    str | None,
    typer.Option("--region", help="Show only these Regions (comma-separated); account-wide items are kept."),
]
RuleFilterOpt = Annotated[
    str | None, typer.Option("--rule", help="Show only the findings of these rules (comma-separated ids).")
]
SeverityFilterOpt = Annotated[
    str | None, typer.Option("--severity", help="Show only findings at or above this severity.")
]
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="Index of run summaries this audit appends to (the report draws its trend). "
        "Default: history.jsonl in the parent of --out.",
        dir_okay=False,
    ),
]
PreviousOpt = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        help="The previous run to compare with (its findings JSON, audit output directory or evidence "
        "bundle): 'since last run' goes into the summary, the findings JSON and the reports.",
    ),
]
FailOnNewOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on-new",
        help="Exit 1 when a finding at or above this severity is new against --previous (waived ones "
        "excepted).",
    ),
]
WaiversOpt = Annotated[
    Path | None,
    typer.Option(
        "--waivers",
        help="Waivers file (TOML [[waiver]] entries: accepted risks with owner and expiry). Default: "
        "backup-auditor-waivers.toml beside the config file (or here) when present.",
        dir_okay=False,
    ),
]
FrameworkFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--framework-file",
        help="AWS Backup Audit Manager framework (JSON of `aws backup describe-framework`) whose "
        "controls' parameters and scopes to evaluate across the organization "
        "(env BACKUP_AUDITOR_FRAMEWORK_FILE, TOML framework-file).",
        dir_okay=False,
    ),
]
AuroraCostOpt = Annotated[
    float | None,
    typer.Option(help="USD per GB-month to estimate billed Aurora snapshot storage. [default: 0.021]"),
]


def collect_flags(
    *,
    accounts: str | None = None,
    accounts_from: Path | None = None,
    ou: str | None = None,
    regions: str | None = None,
    role_name: str | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
    max_concurrency: int | None = None,
    per_region_concurrency: int | None = None,
    max_attempts: int | None = None,
    job_window_days: int | None = None,
    shard: str | None = None,
    timeout: float | None = None,
    gzip: bool = False,
    quiet: bool = False,
) -> dict[str, object]:
    """Map collection flags to AuditConfig field names for :func:`auditor.config.load_config`.

    Boolean switches only count when given (``True``), so env / file can still turn them on.
    """
    return {
        "accounts": accounts_option(accounts, accounts_from),
        "ou": ou,
        "regions": regions,
        "role_name": role_name,
        "external_id": external_id,
        "endpoint_url": endpoint_url,
        "max_concurrency": max_concurrency,
        "per_account_region_concurrency": per_region_concurrency,
        "max_attempts": max_attempts,
        "job_window_days": job_window_days,
        "shard": shard,
        "timeout": timeout,
        "compress": True if gzip else None,
        "quiet": True if quiet else None,
    }


def warn_framework(config: AuditConfig) -> None:
    """Print on stderr what the framework file asks that this version does not evaluate."""
    for line in config.framework_warnings:
        typer.echo(f"warning: {line}", err=True)
