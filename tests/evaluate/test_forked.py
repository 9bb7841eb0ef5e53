"""Forked: a child that dies in the middle of its result gives ``None`` (its work is then done by
the caller), never an error of the pipe."""

from __future__ import annotations

import os
import signal

from auditor.forked import Forked


def test_a_child_killed_in_the_middle_of_its_result_gives_none_not_an_error() -> None:
    forked = Forked(lambda: b"x" * 50_000_000)  # far more than a pipe holds: it blocks sending
    assert forked.poll(60)  # it has begun to send
    assert forked.pid is not None
    os.kill(forked.pid, signal.SIGKILL)
    assert forked.result() is None
    assert forked.failure == "the worker process ended without a result (exit code -9)"
