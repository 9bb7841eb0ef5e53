"""Command-line entry point (console script ``backup-auditor``).

Each command lives in ``auditor.commands.<name>``; importing it registers it. Errors that are
the user's to fix (bad input, bad config) print one clear line on stderr and exit 2; nothing the
user did prints a traceback.
"""

from __future__ import annotations

import sys

import typer

# Command modules (importing one registers its command). Keep this list sorted.
import auditor.commands.audit
import auditor.commands.collect
import auditor.commands.demo
import auditor.commands.evaluate
import auditor.commands.explain
import auditor.commands.merge
import auditor.commands.report
import auditor.commands.rules
import auditor.commands.version  # noqa: F401
from auditor import __version__
from auditor.cli_app import app
from auditor.errors import EXIT_BAD_INPUT, AuditorError


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising ``SystemExit``."""
    try:
        app(args=argv, prog_name="backup-auditor", standalone_mode=True)
    except SystemExit as exc:  # typer/click end every run this way, usage errors with 2
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_BAD_INPUT)
    except AuditorError as exc:
        typer.echo(f"backup-auditor: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("backup-auditor: interrupted", err=True)
        return 130
    return 0


def entry() -> None:
    sys.exit(main())


__all__ = ["__version__", "app", "entry", "main"]
