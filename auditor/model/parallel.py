"""Load a bundle's account-regions in several processes (``--jobs``).

The account-regions, in the order :class:`auditor.model.frames._Loader` walks them, are cut into
``jobs`` contiguous blocks of about the same number of bytes of operation files. The process that
evaluates loads the first block itself while forked children load the others, each into its own
:class:`Sinks`; each child sends back, pickled once, every sink's column stores
(:meth:`Sink.export`), the files it read and each account-region's coverage bookkeeping (files
present, incomplete files). The parent appends the blocks in order, shifting each row's file
number by the files the blocks before it read (:meth:`Sink.absorb`): the frames, their row order
and the files named in errors are those of a load in one process.

Processes are forked (``multiprocessing``'s fork context, a ``Pipe`` per child: no semaphore, so
no ``/dev/shm``, which AWS Lambda lacks). Where fork is not offered, with ``jobs`` 1, or for a
bundle too small to pay for a process (:data:`MIN_PARALLEL_BYTES`), everything loads in this
process.

Errors: a child that fails sends its exception; the parent raises the first one in walk order (a
:class:`BundleError` names its file as a load in one process does). A child that dies without an
answer (killed, out of memory) is reported as a :class:`RunError` naming its account-regions:
its block is not loaded again here, since a child killed for memory would most likely take the
run with it the second time, and a silent retry would hide that the machine is short of memory.
Children ignore Ctrl-C; the parent, interrupted, kills them.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from multiprocessing.connection import Connection
from typing import Any, Final

from auditor.errors import RunError
from auditor.forked import can_fork
from auditor.gcpause import paused_gc
from auditor.model.loading import BundleFiles, SinkPart, Sinks

MAX_DEFAULT_JOBS: Final = 4
"""The default ``jobs`` is the number of CPUs this process may use, at most this many."""
MIN_PARALLEL_BYTES: Final = 8 << 20
"""A bundle whose account-region files weigh less (:data:`FILE_WEIGHT`) loads in one process: a
process costs more than it saves there (the demo bundle weighs 5 MB and loads in 21 ms in one
process, 30 ms in two)."""
PARENT_SHARE: Final = 1.1
"""The evaluating process's block weighs this many times a child's: a child then pickles its rows
(about a tenth of the time it took to load them) while the parent finishes its own block."""
FILE_WEIGHT: Final = 12_000
"""The weight of a file, in bytes of content: opening, parsing and the loader's work per file cost
about as much as 12 KB of content (measured at 250,000 resources: 85 us a file, 7.3 ms a MB)."""

Present = dict[str, int | None]
"""``service.Operation`` -> items listed, for the files present in one account-region."""
Incomplete = dict[str, str]
"""``service.Operation`` -> why its file lacks calls, in one account-region."""
Bookkeeping = tuple[Present, Incomplete]


@dataclass(frozen=True)
class AccountRegion:
    """One account-region of the walk, with every audited Region of its account."""

    account_id: str
    region: str
    regions: tuple[str, ...]


LoadOne = Callable[[BundleFiles, Sinks, AccountRegion], Bookkeeping]
"""Runs every service loader over one account-region into the sinks given."""


def default_jobs() -> int:
    """The CPUs this process may use (its affinity mask), at most :data:`MAX_DEFAULT_JOBS`."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not offered on every platform
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_JOBS))


def blocks(weights: Sequence[int], jobs: int, first: float = 1.0) -> list[range]:
    """Cut ``len(weights)`` items into at most ``jobs`` contiguous, non-empty ranges of about the
    same total weight, the first ``first`` times as heavy as each other: a block ends once the
    blocks so far hold their share of the total."""
    n = len(weights)
    jobs = max(1, min(jobs, n))
    total = sum(weights)
    units = first + jobs - 1
    cuts = [0]
    acc = 0
    for i, w in enumerate(weights[:-1]):
        acc += w
        k = len(cuts)  # the block a cut after item i would start
        if k < jobs and (acc * units >= total * (first + k - 1) or n - (i + 1) <= jobs - k):
            cuts.append(i + 1)
    cuts.append(n)
    return [range(a, b) for a, b in pairwise(cuts)]


def load_account_regions(
    files: BundleFiles, out: Sinks, walk: Sequence[AccountRegion], jobs: int | None, load_one: LoadOne
) -> list[Bookkeeping]:
    """Run ``load_one`` over every account-region of ``walk`` into ``out`` (files numbered by
    ``files``), in ``jobs`` processes (``None``: :func:`default_jobs`); the bookkeeping of each
    account-region, in walk order. The result is the same whatever ``jobs``."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs > 1 and len(walk) > 1 and can_fork():
        sizes = files.sizes()
        weights = [_weight(*sizes.get((ar.account_id, ar.region), (0, 0))) for ar in walk]
        if sum(weights) >= MIN_PARALLEL_BYTES:
            return _in_processes(files, out, walk, blocks(weights, jobs, PARENT_SHARE), load_one)
    return [load_one(files, out, ar) for ar in walk]


def _weight(size: int, files: int) -> int:
    """What loading an account-region's files costs, in bytes of content."""
    return size + FILE_WEIGHT * files


@dataclass(frozen=True)
class _Loaded:
    """What a child sends back: the block's bookkeeping, its sinks' rows, the files it read."""

    bookkeeping: list[Bookkeeping]
    parts: dict[str, SinkPart]
    read_paths: list[str]


@dataclass(frozen=True)
class _Child:
    process: Any  # multiprocessing's ForkProcess
    conn: Connection
    block: Sequence[AccountRegion]

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _in_processes(
    files: BundleFiles, out: Sinks, walk: Sequence[AccountRegion], cut: list[range], load_one: LoadOne
) -> list[Bookkeeping]:
    context = multiprocessing.get_context("fork")
    # what the parent has buffered must not be written again by a child's exit
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[_Child] = []
    try:
        for part in cut[1:]:
            receive, send = context.Pipe(duplex=False)
            block = [walk[i] for i in part]
            inherited = [c.conn for c in children]
            process = context.Process(
                target=_child, args=(send, receive, inherited, files, block, load_one), daemon=True
            )
            process.start()
            send.close()  # the child's end: EOF here once it exits, answer or not
            children.append(_Child(process, receive, block))
        result = [load_one(files, out, walk[i]) for i in cut[0]]
        for child in children:
            loaded = _receive(child)
            before = len(files.read_paths)
            out.absorb(loaded.parts, before)
            files.read_paths.extend(loaded.read_paths)
            result.extend(loaded.bookkeeping)
            child.stop()
        return result
    finally:
        for child in children:
            child.stop()


def _receive(child: _Child) -> _Loaded:
    """The child's rows, or the exception it raised (raised here); a :class:`RunError` when it
    died without an answer."""
    try:
        data = child.conn.recv_bytes()
    except (EOFError, OSError):  # OSError: it died in the middle of its answer
        child.process.join()
        raise RunError(_died(child)) from None
    with paused_gc():
        answer = pickle.loads(data)  # our own child's bytes, over our own pipe
    del data
    if isinstance(answer, BaseException):
        raise answer
    if not isinstance(answer, _Loaded):
        raise TypeError(f"a loading process answered {type(answer).__name__}")
    return answer


def _died(child: _Child) -> str:
    code = child.process.exitcode
    how = (
        f"was killed by signal {-code} ({signal.Signals(-code).name})"
        if isinstance(code, int) and code < 0
        else f"exited with status {code}"
    )
    first, last = child.block[0], child.block[-1]
    hint = " (out of memory?)" if code == -signal.SIGKILL else ""
    return (
        f"the process loading account-regions {first.account_id}/{first.region} to "
        f"{last.account_id}/{last.region} {how}{hint} before it answered; "
        "run again with --jobs 1 to load the bundle in one process"
    )


def _child(
    send: Connection,
    receive: Connection,
    inherited: list[Connection],
    files: BundleFiles,
    block: list[AccountRegion],
    load_one: LoadOne,
) -> None:
    """A forked child: load ``block`` and send the result (or the exception) back, pickled once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops this process
    receive.close()
    for conn in inherited:  # the ends the parent keeps of the earlier children's pipes
        conn.close()
    try:
        with paused_gc():
            mine = files.sibling()
            out = Sinks()
            bookkeeping = [load_one(mine, out, ar) for ar in block]
            answer = _Loaded(bookkeeping, out.export(), mine.read_paths)
            data = pickle.dumps(answer, protocol=5)
    except Exception as exc:  # noqa: BLE001  # sent to the parent, which raises it
        data = _pickled_error(exc)
    try:
        send.send_bytes(data)
    except BrokenPipeError:  # the parent is gone (killed): there is no one to answer
        return
    send.close()


def _pickled_error(exc: Exception) -> bytes:
    """``exc`` pickled, with this process's traceback as a note (``--debug`` shows it); one that
    does not survive pickling becomes a ``RuntimeError`` of its type and message."""
    text = "".join(traceback.format_exception(exc))
    try:
        exc.add_note(f"raised in the process loading a block of account-regions:\n{text}")
        data = pickle.dumps(exc, protocol=5)
        pickle.loads(data)  # the bytes just made: do they load?
    except Exception:  # noqa: BLE001  # not picklable: its type and message still reach the parent
        error = RuntimeError(f"{type(exc).__name__}: {exc}")
        error.add_note(text)
        data = pickle.dumps(error, protocol=5)
    return data
