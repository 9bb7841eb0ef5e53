"""Run a function in a forked child process and get its result back (pickled through a pipe).

Evaluation uses this to spread CPU-bound work (rule shards) over the cores a machine has. The child
is a fork: it sees the parent's frames as they are (copy-on-write), so nothing large is sent to it;
only the (much smaller) result comes back.

A pipe (a socket pair) and ``fork`` only: no ``multiprocessing.Pool`` or ``Queue``, whose locks
need ``/dev/shm``, which AWS Lambda does not have.

A child that ends without a result (killed, out of memory, an exception outside ``fn``) is not an
error of the run: :meth:`Forked.result` returns ``None`` with the reason in :attr:`Forked.failure`,
and the caller does the work itself.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.context import ForkProcess

T = TypeVar("T")


def can_fork() -> bool:
    """Whether this platform can fork (Linux, macOS; not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _child(fn: Callable[[], object], conn: Connection, doing: str) -> None:
    # Ctrl-C is the parent's to handle: it stops the run and ends this child (a daemon); the child
    # printing its own KeyboardInterrupt traceback would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001  # anything: sent to the parent, which decides
        payload = _pickled_error(exc, doing)
    try:
        conn.send_bytes(payload)
    except BrokenPipeError:  # the parent is gone (killed): there is no one to answer
        return
    conn.close()


def _pickled_error(exc: BaseException, doing: str) -> bytes:
    """``(False, text, exc)`` pickled, ``exc`` with this process's traceback as a note (``--debug``
    shows it); one that does not survive pickling becomes a ``RuntimeError`` of its type and message."""
    text = "".join(traceback.format_exception_only(exc)).strip()
    note = f"raised in the process {doing}:\n{''.join(traceback.format_exception(exc))}"
    try:
        exc.add_note(note)
        data = pickle.dumps((False, text, exc), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)  # the bytes just made: do they load?
    except Exception:  # noqa: BLE001  # not picklable: its type and message still reach the parent
        error = RuntimeError(text)
        error.add_note(note)
        data = pickle.dumps((False, text, error), protocol=pickle.HIGHEST_PROTOCOL)
    return data


class Forked(Generic[T]):
    """``fn()`` running in a forked child; :meth:`result` waits for it. ``doing`` (what the child
    does, as in "the process ``doing``") names it in the note of an exception it raised."""

    def __init__(self, fn: Callable[[], T], doing: str = "forked by backup-auditor") -> None:
        ctx = multiprocessing.get_context("fork")
        sys.stdout.flush()  # what this process has buffered must not be written again by the child
        sys.stderr.flush()
        self._conn, child_end = ctx.Pipe(duplex=False)
        self._process: ForkProcess = ctx.Process(target=_child, args=(fn, child_end, doing), daemon=True)
        self._process.start()
        child_end.close()
        self.failure: str | None = None
        """Why :meth:`result` returned ``None``."""
        self.error: BaseException | None = None
        """The exception ``fn`` raised, when that is why :meth:`result` returned ``None``."""

    @property
    def pid(self) -> int | None:
        """The child's process id."""
        return self._process.pid

    @property
    def exitcode(self) -> int | None:
        """The child's exit status once it has ended (negative: the signal that ended it)."""
        return self._process.exitcode

    def poll(self, timeout: float) -> bool:
        """Whether the child has begun to send its result (waits up to ``timeout`` seconds)."""
        return self._conn.poll(timeout)

    def result(self) -> T | None:
        """The child's ``fn()`` (the child then exits), or ``None`` (see :attr:`failure`)."""
        try:
            try:
                data = self._conn.recv_bytes()
            except (EOFError, OSError):  # OSError: it ended in the middle of its message
                self._process.join()
                self.failure = (
                    f"the worker process ended without a result (exit code {self._process.exitcode})"
                )
                return None
            answer = pickle.loads(data)  # our own child's pickle, through our own pipe
            self._process.join()
            if not answer[0]:
                _, text, self.error = answer
                self.failure = f"the worker process failed: {text}"
                return None
            return answer[1]  # type: ignore[no-any-return]  # pickle gives Any; the child returned fn()'s T
        finally:
            self.close()

    def close(self) -> None:
        """End the child if it still runs (Ctrl-C, an error in the parent) and close the pipe."""
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
