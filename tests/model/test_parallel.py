"""Loading a bundle in several processes (``--jobs``, :mod:`auditor.model.parallel`): the same
frames, the same errors, no hang when a loading process dies, children stopped on Ctrl-C."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from types import FrameType
from typing import Any

import pandas as pd
import pytest

from auditor.cli import main
from auditor.errors import BundleError, RunError
from auditor.evidence import read_bundle
from auditor.model import parallel
from auditor.model.frames import Inventory, load_inventory
from auditor.model.loading import BundleFiles
from tests.builders import BundleBuilder

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444")
REGIONS = ("eu-west-1", "us-east-1")
LAST = (ACCOUNTS[-1], REGIONS[-1])
"""The last account-region with files (:func:`_in_last_block`)."""
DENIED = "555555555555"
"""An account whose role could not be assumed: its Region (eu-west-1) is last in the walk, no file."""


@pytest.fixture(autouse=True)
def any_size(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Fork for these small bundles too, and count the loads that did."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    forked: list[int] = []
    real = parallel._in_processes

    def counted(*args: Any) -> Any:
        forked.append(len(args[3]))
        return real(*args)

    monkeypatch.setattr(parallel, "_in_processes", counted)
    yield forked


def _org(tmp_path: Path, name: str = "bundle") -> Path:
    """Four accounts in two Regions, each account-region with its own resources, plans,
    recovery points, jobs, a cluster with members and a stack (files of different sizes)."""
    b = BundleBuilder(ACCOUNTS[0], REGIONS[0])
    for n, a in enumerate(ACCOUNTS):
        b.account(a, list(REGIONS))
        b.s3_bucket(f"bucket-{a}", tags={"backup": "daily"}, account_id=a)
        for r in REGIONS:
            plan = b.plan(f"daily-{r}", account_id=a, region=r)
            b.selection(plan, "tagged", list_of_tags=[("backup", "daily")], account_id=a, region=r)
            b.rds_cluster("orders", engine="aurora-mysql", member_instances=2, account_id=a, region=r)
            for i in range(3 + n):
                arn = b.ec2_instance(f"i-{n}{i:04d}", tags={"backup": "daily"}, account_id=a, region=r)
                b.recovery_point(arn, "EC2", plan_id=plan, account_id=a, region=r)
                b.job(arn, "EC2", state="FAILED" if i % 2 else "COMPLETED", account_id=a, region=r)
            vol = b.ebs_volume(f"vol-{n}", account_id=a, region=r)
            b.cloudformation_stack(
                "app", resources=[("AWS::EC2::Volume", f"vol-{n}")], account_id=a, region=r
            )
            assert vol
    b.assume_role_denied(DENIED)
    return b.build(tmp_path / name)


def _assert_same(a: Inventory, b: Inventory) -> None:
    for f in fields(Inventory):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, obj=f.name)
        else:
            assert x == y, f.name


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_jobs_load_the_same_frames_as_one_process(tmp_path: Path, jobs: int, any_size: list[int]) -> None:
    path = _org(tmp_path)
    one = load_inventory(read_bundle(path), 1)
    assert any_size == [], "jobs=1 forks nothing"
    many = load_inventory(read_bundle(path), jobs)
    assert any_size == [min(jobs, 8)], "it forked, one block per job (at most one per account-region)"
    assert len(one.resources) > 40 and len(one.recovery_points) > 30 and len(one.cluster_members) == 16
    assert one.resources["stacks"].map(len).sum() == 8
    _assert_same(one, many)


def test_blocks_are_contiguous_and_of_about_the_same_weight() -> None:
    assert parallel.blocks([1] * 10, 3) == [range(4), range(4, 7), range(7, 10)]
    assert parallel.blocks([9, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2) == [range(1), range(1, 10)]
    assert parallel.blocks([1, 1, 1, 1, 9], 2) == [range(4), range(4, 5)]
    assert parallel.blocks([5, 5], 4) == [range(1), range(1, 2)]
    assert parallel.blocks([3], 2) == [range(1)]
    # the first block (the evaluating process's) heavier: 3 parts of 7 with first=1.5 and 3 jobs
    assert parallel.blocks([1] * 14, 3, first=1.5) == [range(6), range(6, 10), range(10, 14)]


def _in_last_block(path: Path, jobs: int, at: tuple[str, str]) -> bool:
    """Whether ``at`` is in the last block a load with ``jobs`` cuts (as the loader weighs)."""
    walk = [(a.id, r) for a in read_bundle(path).manifest.accounts for r in a.regions]
    sizes = BundleFiles(read_bundle(path)).sizes()
    weights = [parallel._weight(*sizes.get(ar, (0, 0))) for ar in walk]
    cut = parallel.blocks(weights, jobs, parallel.PARENT_SHARE)
    return walk.index(at) in cut[-1] and len(cut) == jobs


def _bad_json(bundle: Path, at: tuple[str, str], name: str = "backup.ListBackupJobs.json") -> Path:
    target = bundle / "accounts" / at[0] / at[1] / name
    target.write_text('[{"params": {}, "response": {"BackupJobs": [')
    return target


def _error(path: Path, jobs: int) -> BundleError:
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(path), jobs)
    return info.value


def test_a_bad_file_in_the_last_block_is_the_error_of_one_process(tmp_path: Path) -> None:
    path = _org(tmp_path)
    target = _bad_json(path, LAST)
    sequential = _error(path, 1)
    assert sequential.path == target and "malformed JSON" in sequential.problem
    for jobs in (2, 3):
        assert _in_last_block(path, jobs, LAST)
        err = _error(path, jobs)
        assert (str(err), err.path, err.problem, err.exit_code) == (
            str(sequential),
            target,
            sequential.problem,
            2,
        )


def test_the_first_bad_file_in_walk_order_wins(tmp_path: Path) -> None:
    path = _org(tmp_path)
    _bad_json(path, LAST)
    second = _bad_json(path, (ACCOUNTS[2], REGIONS[0]), "ec2.DescribeInstances.json")
    assert _error(path, 1).path == second
    assert _error(path, 3).path == second


def test_a_bad_timestamp_in_the_last_block_names_its_file(tmp_path: Path) -> None:
    """Timestamps are checked when the frames are built, after the blocks are joined: the row's
    file must be the child's file, numbered after the parent's."""
    path = _org(tmp_path)
    target = path / "accounts" / LAST[0] / LAST[1] / "backup.ListBackupJobs.json"
    target.write_text(target.read_text().replace('"CreationDate":"2026', '"CreationDate":"someday', 1))
    sequential = _error(path, 1)
    assert sequential.path == target and "creation_date: not an ISO 8601 timestamp" in sequential.problem
    assert _in_last_block(path, 3, LAST)
    assert str(_error(path, 3)) == str(sequential)


def _fifo_in_last_block(path: Path) -> Path:
    """A loading process reading a FIFO waits for a writer that never comes."""
    target = path / "accounts" / LAST[0] / LAST[1] / "backup.ListBackupJobs.json"
    target.unlink()
    os.mkfifo(target)
    return target


class _Watchdog:
    """Fail (instead of hanging the test run) when the load does not return in time."""

    def __enter__(self) -> None:
        def timeout(signum: int, frame: FrameType | None) -> None:
            raise TimeoutError("the load hung")

        self._old = signal.signal(signal.SIGALRM, timeout)
        signal.alarm(60)

    def __exit__(self, *exc: object) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._old)


def _when_children(act: Any) -> threading.Thread:
    """Call ``act(children)`` once the loading processes are running."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if multiprocessing.active_children():
                time.sleep(0.3)  # let them all start and reach the FIFO
                act(multiprocessing.active_children())
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_killed_loading_process_is_reported_not_waited_for(tmp_path: Path) -> None:
    path = _org(tmp_path)
    _fifo_in_last_block(path)
    watcher = _when_children(lambda children: [c.kill() for c in children])
    with _Watchdog(), pytest.raises(RunError) as info:
        load_inventory(read_bundle(path), 2)
    watcher.join()
    message = str(info.value)
    assert "was killed by signal 9 (SIGKILL) (out of memory?) before it answered" in message
    assert f"to {DENIED}/eu-west-1 was killed" in message and "run again with --jobs 1" in message
    assert info.value.exit_code == 3
    assert multiprocessing.active_children() == []


def test_the_cli_says_so_in_one_line_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _org(tmp_path)
    _fifo_in_last_block(path)
    watcher = _when_children(lambda children: [c.kill() for c in children])
    with _Watchdog():
        code = main(["evaluate", str(path), "-q", "--jobs", "2", "-o", str(tmp_path / "f.json")])
    watcher.join()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1
    assert err[0].startswith("backup-auditor: error: the process loading account-regions ")
    assert not (tmp_path / "f.json").exists()


def test_ctrl_c_stops_the_loading_processes(tmp_path: Path) -> None:
    path = _org(tmp_path)
    _fifo_in_last_block(path)
    seen: list[multiprocessing.process.BaseProcess] = []

    def interrupt(children: list[multiprocessing.process.BaseProcess]) -> None:
        seen.extend(children)
        os.kill(os.getpid(), signal.SIGINT)

    watcher = _when_children(interrupt)
    with _Watchdog(), pytest.raises(KeyboardInterrupt):
        load_inventory(read_bundle(path), 3)
    watcher.join()
    # the child of the middle block has answered and exited; the one on the FIFO was killed
    assert len(seen) == 1 and seen[0].exitcode == -signal.SIGKILL
    assert multiprocessing.active_children() == []


def test_an_unexpected_error_in_a_child_is_raised_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loader bug (here: a loader that cannot handle the last account-region) reaches the
    parent as the same exception type and message, with the child's traceback as a note."""
    from auditor.model import frames

    real = frames._load_account_region

    def buggy(files: Any, out: Any, at: parallel.AccountRegion) -> parallel.Bookkeeping:
        if (at.account_id, at.region) == LAST:
            raise ZeroDivisionError("planted loader bug")
        return real(files, out, at)

    monkeypatch.setattr(frames, "_load_account_region", buggy)
    path = _org(tmp_path)
    for jobs in (1, 3):
        with pytest.raises(ZeroDivisionError) as info:
            load_inventory(read_bundle(path), jobs)
        assert str(info.value) == "planted loader bug"
    assert any("raised in the process loading" in n for n in getattr(info.value, "__notes__", []))


def test_default_jobs_is_the_cpus_this_process_may_use_at_most_4(monkeypatch: pytest.MonkeyPatch) -> None:
    for cpus, jobs in ((1, 1), (2, 2), (3, 3), (16, 4)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid, n=cpus: set(range(n)))
        assert parallel.default_jobs() == jobs


def test_a_small_bundle_loads_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, any_size: list[int]
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 8 << 20)
    path = _org(tmp_path)
    load_inventory(read_bundle(path), 4)
    assert any_size == []
