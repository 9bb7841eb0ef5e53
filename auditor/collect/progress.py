"""Progress on stderr: a rich bar counting account-regions done (on a terminal), or a periodic
one-line status (elsewhere: CI logs, files, the Lambda), notes, and the closing summary."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from auditor.config import AuditConfig


class Progress:
    """What a collection run shows on stderr.

    The bar (account-regions done of those discovered so far) is drawn only when ``enabled`` and
    the stream is a terminal; when ``enabled`` and the stream is not a terminal, :meth:`status`
    writes a one-line status instead (the engine calls it periodically). Notes (skipped
    accounts) and the summary line are always written.
    """

    def __init__(self, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self._enabled = enabled
        self._done = 0
        self._total = 0
        self._stream = stream if stream is not None else sys.stderr
        self._console = Console(file=self._stream, stderr=stream is None)
        interactive = enabled and self._stream.isatty()
        self._bar: RichProgress | None = None
        self._task = None
        if interactive:
            self._bar = RichProgress(
                TextColumn("collecting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("account-regions"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._task = self._bar.add_task("collect", total=0)

    @classmethod
    def for_config(
        cls, config: AuditConfig, *, enabled: bool = True, stream: TextIO | None = None
    ) -> Progress:
        """The bar is off with ``--quiet`` (``config.quiet``) or ``enabled=False``."""
        return cls(enabled=enabled and not config.quiet, stream=stream)

    @property
    def interactive(self) -> bool:
        return self._bar is not None

    def start(self) -> None:
        if self._bar is not None:
            self._bar.start()

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    def add_total(self, count: int) -> None:
        """More account-regions became known (discovery found an account's regions)."""
        self._total += count
        if self._bar is not None and self._task is not None and count:
            total = self._bar.tasks[0].total or 0
            self._bar.update(self._task, total=total + count)

    def advance(self, count: int = 1) -> None:
        self._done += count
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, count)

    def status(self, calls: int, errors: int, seconds: float) -> None:
        """One line of status when enabled without a bar (stderr is not a terminal)."""
        if self._enabled and self._bar is None:
            self.note(
                f"backup-auditor: collecting: {self._done}/{self._total} account-regions done, "
                f"{calls} API calls, {errors} errors, {seconds:.0f}s"
            )

    def note(self, message: str) -> None:
        """One line on stderr (above the bar when it is drawn)."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=self._stream, flush=True)

    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
