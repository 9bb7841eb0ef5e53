"""``backup-auditor merge BUNDLE... --out DIR``: combine shard bundles into one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.evidence.merge import merge_bundles, merge_summary


@app.command("merge")
def merge(
    bundles: Annotated[
        list[Path],
        typer.Argument(
            metavar="BUNDLE",
            help="Shard bundles, e.g. written by `collect --shard I/N`.",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory of the merged bundle.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output directory.")] = False,
) -> None:
    """Merge shard bundles into one evidence bundle; conflicting shards are an error (exit 2)."""
    manifest = merge_bundles(bundles, out, force=force)
    info = merge_summary(manifest)
    typer.echo(
        f"merged {info['inputs']} bundles: {info['accounts']} accounts, {info['errors']} collection errors"
        f" -> {out}",
        err=True,
    )
    typer.echo(str(out))
