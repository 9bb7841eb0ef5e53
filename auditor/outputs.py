"""Outputs a command has finished writing, so an interrupted run can say what it kept.

A command records each output once it is complete on disk (a committed bundle, a findings file,
a report); :func:`auditor.cli.main` prints them when Ctrl-C ends the run. Outputs still being
written are not recorded: they are written atomically and discarded when interrupted.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditor.errors import OutputError

_WRITTEN: list[Path] = []


def written_outputs() -> list[Path]:
    """The process-wide list of completed outputs (``main`` clears it at the start of a run)."""
    return _WRITTEN


def record_output(path: Path) -> None:
    if path not in _WRITTEN:
        _WRITTEN.append(path)


def check_output_dir(path: Path, what: str) -> None:
    """Fail fast (before any collection) when ``path`` cannot become a directory we write in:
    its nearest existing ancestor must be a writable directory. Creates nothing."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(path, what, f"{existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(path, what, f"no permission to write in {existing}")
