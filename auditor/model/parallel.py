"""Load a bundle's account-regions in several processes (``--jobs``).

The account-regions, in the order :class:`auditor.model.frames._Loader` walks them, are cut into
``jobs`` contiguous blocks of about the same number of bytes of operation files. The process that
evaluates loads the first block itself while forked children load the others, each into its own
:class:`Sinks`; each child sends back, pickled once, every sink's column stores
(:meth:`Sink.export`), the files it read and each account-region's coverage bookkeeping (files
present, incomplete files). The parent appends the blocks in order, shifting each row's file
number by the files the blocks before it read (:meth:`Sink.absorb`): the frames, their row order
and the files named in errors are those of a load in one process.

Processes are forked (:class:`auditor.forked.Forked`: a pipe per child, no semaphore, so no
``/dev/shm``, which AWS Lambda lacks). Where fork is not offered, with ``jobs`` 1, or for a
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

import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Final

from auditor.errors import RunError
from auditor.forked import Forked, can_fork
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


def _in_processes(
    files: BundleFiles, out: Sinks, walk: Sequence[AccountRegion], cut: list[range], load_one: LoadOne
) -> list[Bookkeeping]:
    children: list[tuple[list[AccountRegion], Forked[_Loaded]]] = []
    try:
        for part in cut[1:]:
            block = [walk[i] for i in part]
            load = partial(_load_block, files, block, load_one)
            children.append((block, Forked(load, "loading a block of account-regions")))
        result = [load_one(files, out, walk[i]) for i in cut[0]]
        for block, child in children:
            loaded = child.result()
            if loaded is None:
                if child.error is not None:
                    raise child.error  # as a load in one process raises it
                raise RunError(_died(block, child.exitcode))
            before = len(files.read_paths)
            out.absorb(loaded.parts, before)
            files.read_paths.extend(loaded.read_paths)
            result.extend(loaded.bookkeeping)
        return result
    finally:
        for _, child in children:
            child.close()


def _died(block: Sequence[AccountRegion], code: int | None) -> str:
    how = (
        f"was killed by signal {-code} ({signal.Signals(-code).name})"
        if isinstance(code, int) and code < 0
        else f"exited with status {code}"
    )
    first, last = block[0], block[-1]
    hint = " (out of memory?)" if code == -signal.SIGKILL else ""
    return (
        f"the process loading account-regions {first.account_id}/{first.region} to "
        f"{last.account_id}/{last.region} {how}{hint} before it answered; "
        "run again with --jobs 1 to load the bundle in one process"
    )


def _load_block(files: BundleFiles, block: Sequence[AccountRegion], load_one: LoadOne) -> _Loaded:
    """In a forked child: load ``block`` into sinks of its own, files numbered from 0."""
    with paused_gc():
        mine = files.sibling()
        out = Sinks()
        bookkeeping = [load_one(mine, out, ar) for ar in block]
        return _Loaded(bookkeeping, out.export(), mine.read_paths)
