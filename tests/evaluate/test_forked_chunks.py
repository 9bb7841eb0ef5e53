"""ForkedChunks and the findings JSON written by two processes: the same bytes, whatever happens
to the child."""

from __future__ import annotations

import io
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.errors import RunError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import write_document
from auditor.forked import Forked, ForkedChunks
from auditor.model.results import EvaluationResult
from tests.builders import BundleBuilder
from tests.rules.scenarios import SCENARIOS


def test_chunks_come_in_order() -> None:
    parts = [bytes([i]) * (i * 1000) for i in range(1, 40)]
    forked = ForkedChunks(lambda: parts)
    stream = forked.stream()
    assert stream is not None and list(stream) == parts


def test_a_child_that_fails_before_sending_leaves_the_work_to_the_parent() -> None:
    def fails() -> list[bytes]:
        raise MemoryError("no room")

    forked = ForkedChunks(fails)
    assert forked.stream() is None
    assert forked.failure == "the worker process failed: MemoryError: no room"


def test_a_child_killed_while_sending_is_an_error_not_a_short_result() -> None:
    forked = ForkedChunks(lambda: [b"x" * 1_000_000] * 50)  # far more than a pipe holds
    stream = forked.stream()
    assert stream is not None
    assert next(stream) == b"x" * 1_000_000
    assert forked.pid is not None
    os.kill(forked.pid, signal.SIGKILL)
    with pytest.raises(RunError, match=r"ended .* while it handed its results over"):
        list(stream)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> EvaluationResult:
    b = BundleBuilder()
    for rule_id in ("BKP-002", "BKP-006", "BKP-011", "BKP-035", "BKP-037", "BKP-091"):
        SCENARIOS[rule_id](b, True)
    path = b.build(tmp_path_factory.mktemp("w") / "bundle", force=True)
    return evaluate_bundle(read_bundle(path), as_of=datetime(2026, 11, 20, tzinfo=UTC), jobs=1)


@pytest.mark.parametrize("version", [1, 2])
def test_two_processes_write_the_bytes_one_writes(
    result: EvaluationResult, version: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    one, two = io.StringIO(), io.StringIO()
    write_document(result, one, version, jobs=1)
    monkeypatch.setattr("auditor.findings_json.MIN_PARALLEL_FINDINGS", 1)
    write_document(result, two, version, jobs=2)
    assert two.getvalue() == one.getvalue() and len(result.findings) > 10
    assert '"findings":[{' in one.getvalue()


def test_a_writer_child_that_dies_has_its_part_written_here(
    result: EvaluationResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = io.StringIO(), io.StringIO()
    write_document(result, one, 2, jobs=1)
    parent = os.getpid()

    def killed(*_: object) -> list[bytes]:  # as the kernel's OOM killer would end the child
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("the child's function ran in the parent")

    monkeypatch.setattr("auditor.findings_json.MIN_PARALLEL_FINDINGS", 1)
    monkeypatch.setattr("auditor.findings_json._encoded_findings", killed)
    write_document(result, two, 2, jobs=2)
    assert two.getvalue() == one.getvalue()


def test_a_child_killed_in_the_middle_of_its_result_gives_none_not_an_error() -> None:
    forked = Forked(lambda: b"x" * 50_000_000)  # far more than a pipe holds: it blocks sending
    assert forked.poll(60)  # it has begun to send
    assert forked.pid is not None
    os.kill(forked.pid, signal.SIGKILL)
    assert forked.result() is None
    assert forked.failure == "the worker process ended without a result (exit code -9)"
