"""``backup-auditor collect``: discover and collect into an evidence bundle (no evaluation)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.commands.options import (
    AccountsFromOpt,
    AccountsOpt,
    ConfigFileOpt,
    EndpointUrlOpt,
    ExternalIdOpt,
    ForceOpt,
    GzipOpt,
    JobWindowOpt,
    MaxAttemptsOpt,
    MaxConcurrencyOpt,
    OuOpt,
    PerRegionConcurrencyOpt,
    QuietOpt,
    RegionsOpt,
    RoleNameOpt,
    ShardOpt,
    TimeoutOpt,
    collect_flags,
)
from auditor.config import load_config


@app.command("collect")
def collect(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Bundle directory to create (written atomically).", file_okay=False),
    ],
    force: ForceOpt = False,
    gzip: GzipOpt = False,
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
    quiet: QuietOpt = False,
    config: ConfigFileOpt = None,
) -> None:
    """Collect the organization's AWS Backup evidence into a bundle directory.

    Accounts come from Organizations (ACTIVE only) unless --accounts names them; regions are each
    account's enabled regions unless --regions names them. Calls that fail are recorded in the
    bundle's manifest (those parts are reported as not audited) and the rest is still collected.
    Prints the bundle path on stdout; progress and a summary go to stderr.
    Exit 0 bundle written, 2 bad input (bad flag, existing --out without --force), 3 run failed.
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
    cfg = load_config(flags, config_file=config)
    from auditor.collect.engine import collect_to_bundle  # aiobotocore: collecting only

    path, _manifest = collect_to_bundle(cfg, out, force=force, progress=not cfg.quiet)
    typer.echo(str(path))
