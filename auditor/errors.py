"""Errors that cross module boundaries, each with the CLI exit code it maps to.

Exit codes (documented in the README and ``--help``):

* 0 - clean: no finding at or above ``--fail-on``
* 1 - findings at or above ``--fail-on``
* 2 - usage error or bad input (unreadable bundle, bad config, bad flag value)
* 3 - the run itself could not be carried out (no credentials, organization unreadable), or an
  unexpected error (one line; ``--debug`` shows the traceback)
* 130 - interrupted (Ctrl-C / SIGINT); the line printed says which outputs were kept
"""

from __future__ import annotations

from pathlib import Path

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 3
EXIT_INTERRUPTED = 130


class AuditorError(Exception):
    """Base class: a failure with a message meant for the person running the tool."""

    exit_code: int = EXIT_RUN_FAILED


class BadInputError(AuditorError):
    """The user gave input the tool cannot use (a file, a flag, a config value)."""

    exit_code = EXIT_BAD_INPUT


class BundleError(BadInputError):
    """An evidence bundle (or one of its files) is missing, malformed or of an unknown format."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self) -> tuple[type[BundleError], tuple[Path, str]]:
        # pickled as its two arguments (a loading process sends it to its parent)
        return (type(self), (self.path, self.problem))


class OutputError(BadInputError):
    """An output path cannot be written (missing permission, a file where a directory must be)."""

    def __init__(self, path: Path | str, what: str, exc: OSError | str) -> None:
        self.path = Path(path)
        reason = exc if isinstance(exc, str) else (exc.strerror or str(exc))
        if isinstance(exc, FileExistsError | NotADirectoryError) and exc.filename:
            reason = f"{exc.filename} is a file, not a directory"
        elif isinstance(exc, OSError) and exc.filename and Path(str(exc.filename)) != self.path:
            reason = f"{reason} ({exc.filename})"
        super().__init__(f"{self.path}: cannot write {what}: {reason}")


class ConfigError(BadInputError):
    """A configuration file, environment variable or flag value is invalid."""


class RunError(AuditorError):
    """The audit could not run at all (for example no usable credentials)."""

    exit_code = EXIT_RUN_FAILED
