"""Command-line entry point (console script ``backup-auditor``).

Each command lives in ``auditor.commands.<name>``; importing it registers it. Every run ends in
one of the documented exit codes and never with a traceback (unless ``--debug``):

* an :class:`~auditor.errors.AuditorError` (bad input, unwritable output, run failure) prints one
  line ``backup-auditor: error: ...`` and exits with its code (2 or 3);
* anything else is a bug or an environment problem: one line naming the exception, exit 3
  (``--debug`` or ``BACKUP_AUDITOR_DEBUG=1`` prints the traceback as well);
* Ctrl-C (SIGINT) prints one line saying which outputs were kept and exits 130;
* a closed standard output (``| head``) is an output that cannot be written: one line, exit 2.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Final

import typer

from auditor import __version__, cli_app
from auditor.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_RUN_FAILED, AuditorError
from auditor.outputs import written_outputs

#: Command name -> the module that registers it (importing it registers it). Keep this sorted
#: by module: the order ``--help`` lists them in.
COMMAND_MODULES: Final[dict[str, str]] = {
    "audit": "auditor.commands.audit",
    "collect": "auditor.commands.collect",
    "demo": "auditor.commands.demo",
    "diff": "auditor.commands.diff",
    "evaluate": "auditor.commands.evaluate",
    "explain": "auditor.commands.explain",
    "merge": "auditor.commands.merge",
    "report": "auditor.commands.report",
    "rules": "auditor.commands.rules",
    "verify-readings": "auditor.commands.verify_readings",
    "version": "auditor.commands.version",
}


def load_commands(argv: Sequence[str] | None = None) -> typer.Typer:
    """Register the command ``argv`` names, alone (``evaluate`` does not pay for importing the
    report formats, the collector or the sandbox: a command's module imports what it needs), or
    every command when ``argv`` names none of them (``--help``, a misspelt command: typer lists
    them all). Returns the application."""
    name = next((a for a in argv or () if not a.startswith("-")), None)
    module = COMMAND_MODULES.get(name or "")
    for m in [module] if argv is not None and module is not None else COMMAND_MODULES.values():
        importlib.import_module(m)
    return cli_app.app


def __getattr__(name: str) -> typer.Typer:
    """``auditor.cli.app``: the application with every command registered."""
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEBUG_FLAG = "--debug"
DEBUG_ENV = "BACKUP_AUDITOR_DEBUG"


def _split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` (anywhere before a ``--``) from ``argv``; say whether it was there."""
    end = argv.index("--") if "--" in argv else len(argv)
    head = [a for a in argv[:end] if a != DEBUG_FLAG]
    debug = len(head) != end or os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    return head + argv[end:], debug


def _behind(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _interrupted(exc: BaseException) -> bool:
    """typer turns Ctrl-C into a silent ``Exit(130)``: find the KeyboardInterrupt behind it."""
    return any(isinstance(e, KeyboardInterrupt) for e in _behind(exc))


def _broken_pipe(exc: BaseException) -> bool:
    """typer turns a closed stdout (``... | head``) into a silent exit 1, the findings code."""
    return any(isinstance(e, OSError) and e.errno == errno.EPIPE for e in _behind(exc))


BROKEN_PIPE_LINE = (
    "backup-auditor: error: standard output was closed before everything was written (broken pipe)"
)


def interrupted_line() -> str:
    """What an interrupted run leaves behind: the outputs completed so far, nothing half-written."""
    kept = written_outputs()
    what = f"kept {', '.join(str(p) for p in kept)}" if kept else "nothing was written"
    return (
        f"backup-auditor: interrupted; {what}; unfinished outputs were discarded "
        "(an existing bundle or report is left as it was)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising ``SystemExit``."""
    args, debug = _split_debug(list(sys.argv[1:] if argv is None else argv))
    written_outputs().clear()
    try:
        load_commands(args)(args=args, prog_name="backup-auditor", standalone_mode=True)
    except SystemExit as exc:  # typer/click end every run this way, usage errors with 2
        if _interrupted(exc):
            typer.echo(interrupted_line(), err=True)
            return EXIT_INTERRUPTED
        if _broken_pipe(exc):
            typer.echo(BROKEN_PIPE_LINE, err=True)
            return EXIT_BAD_INPUT
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_BAD_INPUT)
    except AuditorError as exc:
        if debug:
            traceback.print_exc()
        typer.echo(f"backup-auditor: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo(interrupted_line(), err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001  # the last line of defence: one line, exit 3, no traceback
        if debug:
            traceback.print_exc()
        hint = "" if debug else f" (run again with {DEBUG_FLAG} for the traceback)"
        typer.echo(f"backup-auditor: unexpected error: {type(exc).__name__}: {exc}{hint}", err=True)
        return EXIT_RUN_FAILED
    return 0


def entry() -> None:
    sys.exit(main())


__all__ = ["COMMAND_MODULES", "__version__", "entry", "load_commands", "main"]  # and `app` (__getattr__)
