"""Outputs a command has finished writing, so an interrupted run can say what it kept.

A command records each output once it is complete on disk (a committed bundle, a findings file,
a report); :func:`auditor.cli.main` prints them when Ctrl-C ends the run. Outputs still being
written are not recorded: they are written atomically and discarded when interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from auditor.errors import BadInputError, OutputError

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


def _entries(out_dir: Path) -> list[Path]:
    """Visible entries of ``out_dir`` (hidden ones are this tool's staging files or the user's)."""
    if not out_dir.is_dir():
        return []
    return sorted(p for p in out_dir.iterdir() if not p.name.startswith("."))


def _names(paths: list[Path], limit: int = 5) -> str:
    shown = ", ".join(p.name for p in paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def check_audit_dir(out_dir: Path, output_names: Collection[str], *, force: bool) -> None:
    """Before an audit writes into ``out_dir`` (nothing is collected if this raises):

    * without ``force``, an earlier audit's output there (its evidence, findings.json or a
      report) is not overwritten: exit 2 naming it;
    * with ``force``, the directory must hold only audit outputs: a stray file is never deleted
      or left to pass for this run's output; exit 2 naming it.
    """
    entries = _entries(out_dir)
    ours = [p for p in entries if p.name in output_names]
    strays = [p for p in entries if p.name not in output_names]
    if ours and not force:
        raise BadInputError(
            f"{out_dir}: holds an earlier audit's output ({_names(ours)}); pass --force to replace it"
        )
    if strays and force:
        raise BadInputError(
            f"{out_dir}: holds files that are not audit outputs ({_names(strays)}); --force replaces "
            "only an earlier audit's outputs: remove them yourself or choose another --out"
        )


def remove_stale_outputs(out_dir: Path, output_names: Collection[str], keep: Collection[str]) -> None:
    """Delete an earlier audit's findings and reports (files named in ``output_names`` but not in
    ``keep``), so no report of another run stays next to this run's evidence."""
    for path in _entries(out_dir):
        if path.name in output_names and path.name not in keep and path.is_file():
            try:
                path.unlink()
            except OSError as exc:
                raise OutputError(path, "over an earlier audit's report (cannot remove it)", exc) from exc
