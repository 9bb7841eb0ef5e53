"""``backup-auditor explain BUNDLE ARN``: the decision trail of one resource."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.explain import explain, render_text
from auditor.protection.resolver import resolve


@app.command("explain")
def explain_command(
    bundle: Annotated[Path, typer.Argument(help="Evidence bundle directory.")],
    arn: Annotated[
        str,
        typer.Argument(
            help="ARN of the resource to explain (a DB instance that is a cluster member: its cluster)."
        ),
    ],
) -> None:
    """Show why AWS Backup will (or will not) back up one resource: every selection of its
    account-region, which pattern or condition decided, the opt-in in force, and the verdict (for
    an EBS volume, also the verdict of each EC2 instance it is attached to).

    Exit codes: 0 explained; 2 bad bundle or an ARN that is not a resource of the bundle."""
    inventory = load_inventory(read_bundle(bundle))
    protection = resolve(inventory)
    typer.echo(render_text(explain(inventory, protection, arn)), nl=False)
