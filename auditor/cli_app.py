"""The typer application object; command modules in ``auditor.commands`` register on it."""

from __future__ import annotations

from typing import Annotated

import typer

from auditor import __version__

HELP = f"""backup-auditor {__version__}: audit AWS Backup across an AWS Organization.

Exit codes: 0 clean (no finding at or above --fail-on); 1 findings at or above --fail-on;
2 usage error or bad input (unreadable bundle, bad config, unwritable output); 3 the run could
not be carried out, or an unexpected error (--debug shows its traceback); 130 interrupted.
"""

app = typer.Typer(
    name="backup-auditor",
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Print the traceback of an unexpected error (also BACKUP_AUDITOR_DEBUG=1)."
        ),
    ] = False,
) -> None:
    """Audit AWS Backup across an AWS Organization."""
    # auditor.cli.main takes --debug out of the arguments before typer sees them; it is declared
    # here so that --help lists it.
