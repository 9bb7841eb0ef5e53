"""``backup-auditor version``."""

from __future__ import annotations

import typer

from auditor import __version__
from auditor.cli_app import app


@app.command("version")
def version() -> None:
    """Print the tool version."""
    typer.echo(__version__)
