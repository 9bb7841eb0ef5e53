"""Atomic bundle writing under interruption, --force, and the ``collect`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.collect.engine import collect_to_bundle
from auditor.errors import BundleError
from auditor.evidence import read_bundle
from tests.collect.support import ENV, Org, base_config

ROOT = Path(__file__).resolve().parents[2]


def _start_slow_collection(org: Org, target: Path) -> subprocess.Popen[bytes]:
    """`backup-auditor collect` of every enabled region, one call at a time: several seconds."""
    argv = [
        "collect",
        "--out",
        str(target),
        "--endpoint-url",
        org.endpoint_url,
        "--max-concurrency",
        "1",
        "--per-region-concurrency",
        "1",
        "--quiet",
    ]
    # Ctrl-C as in a terminal even where this test runs with SIGINT ignored (a job started in the
    # background by a non-interactive shell inherits SIG_IGN, and Python then keeps it)
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"from auditor.cli import main; sys.exit(main({argv!r}))"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and not k.startswith("BACKUP_AUDITOR_")
    }
    env.update(ENV)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE)


def _wait_for_partial_files(parent: Path, process: subprocess.Popen[bytes]) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for partial in parent.glob(".bundle.partial-*"):
            if (partial / "accounts").is_dir():
                return partial
        assert process.poll() is None, "collection ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("no partial bundle appeared")


@pytest.mark.slow
def test_interrupted_collection_leaves_nothing_that_looks_complete(org: Org, tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    process = _start_slow_collection(org, target)
    _wait_for_partial_files(tmp_path, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0, stderr.decode()
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [], "the staging directory is removed on Ctrl-C"


@pytest.mark.slow
def test_killed_collection_leaves_no_target(org: Org, tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    process = _start_slow_collection(org, target)
    partial = _wait_for_partial_files(tmp_path, process)
    process.kill()
    process.wait(timeout=30)
    assert not target.exists()
    assert partial.is_dir() and not (partial / "manifest.json").exists()
    with pytest.raises(BundleError, match="no such bundle directory"):
        read_bundle(target)


def test_existing_target_is_not_overwritten_without_force(org: Org, tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    config = base_config(org, accounts=(org.beta,), regions=("eu-west-1",))
    with pytest.raises(BundleError, match="already exists"):
        collect_to_bundle(config, target, progress=False)
    assert (target / "keep.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"], "no staging directory left behind"
    with pytest.raises(BundleError, match="not an evidence bundle"):  # --force never deletes other files
        collect_to_bundle(config, target, force=True, progress=False)
    assert (target / "keep.txt").read_text() == "mine"
    (target / "keep.txt").unlink()
    collect_to_bundle(config, target, force=True, progress=False)  # an empty directory is replaced
    path, manifest = collect_to_bundle(config, target, force=True, progress=False)  # and a bundle
    assert path == target and not (target / "keep.txt").exists()
    assert read_bundle(target).manifest.to_json() == manifest.to_json()


def test_cli_collect_writes_gzip_bundle(org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    code = main(
        [
            "collect",
            "--out",
            str(target),
            "--endpoint-url",
            org.endpoint_url,
            "--accounts",
            f"{org.alpha},{org.denied}",
            "--regions",
            "eu-west-1",
            "--gzip",
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == str(target)
    assert "collected 2 accounts, 1 account-regions" in captured.err
    assert (target / "accounts" / org.alpha / "eu-west-1" / "backup.ListBackupPlans.json.gz").is_file()
    bundle = read_bundle(target)
    assert [a.id for a in bundle.manifest.accounts] == sorted([org.alpha, org.denied])
    assert [(e.account_id, e.operation) for e in bundle.manifest.errors] == [(org.denied, "AssumeRole")]
    plans = bundle.calls(org.alpha, "eu-west-1", "backup", "ListBackupPlans")
    assert plans is not None and len(plans[0].response["BackupPlansList"]) == 7


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--shard", "2/2"], "--shard"),
        (["--shard", "x"], "--shard"),
        (["--accounts", "12345"], "not 12-digit"),
    ],
)
def test_cli_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    code = main(["collect", "--out", str(tmp_path / "b"), *flags])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_cli_existing_target_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "b").mkdir()
    assert main(["collect", "--out", str(tmp_path / "b"), "--accounts", "123456789012"]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err


def test_unreachable_endpoint_is_a_run_failure(
    aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("BACKUP_AUDITOR_MAX_ATTEMPTS", "1")  # no retries to wait for

    with socket.socket() as probe:  # a free port with nothing listening once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = tmp_path / "b"
    code = main(["collect", "--out", str(target), "--endpoint-url", f"http://127.0.0.1:{port}", "--quiet"])
    assert code == 3
    err = capsys.readouterr().err
    assert "cannot identify the caller (sts GetCallerIdentity): EndpointConnectionError" in err
    assert not target.exists() and list(tmp_path.iterdir()) == []
