"""Issue 11 item 3: no traceback ever, and exit 1 only for findings.

Bad input or an unwritable output is one ``backup-auditor: error:`` line and exit 2; anything
unexpected is one line and exit 3 (``--debug`` adds the traceback); Ctrl-C is one line and 130.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.cli_app import app
from tests.builders import BundleBuilder
from tests.rules.rule_fixtures import build_bundle

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing is ever contacted in these tests


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    error_lines = [line for line in lines if line.startswith("backup-auditor: ")]
    assert len(error_lines) == 1, err
    return error_lines[0]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The BKP-010 fail scenario's bundle (``tests/rules/scenarios.py``), built once."""
    return build_bundle("BKP-010", "fail", tmp_path_factory.mktemp("scenario") / "bundle")


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain-file"
    path.write_text("not a directory")
    return path


def test_evaluate_output_under_a_file_is_bad_input(
    bundle: Path, a_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = a_file / "findings.json"
    assert main(["evaluate", str(bundle), "-q", "-o", str(target)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == (
        f"backup-auditor: error: {target}: cannot write the findings JSON: {a_file} is a file, not a directory"
    )


def test_evaluate_output_in_a_missing_proc_dir_is_bad_input(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = Path("/proc/backup-auditor-nonexistent/findings.json")  # /proc refuses new entries, even to root
    assert main(["evaluate", str(bundle), "-q", "-o", str(target)]) == 2
    assert _one_error_line(capsys.readouterr().err).startswith(
        f"backup-auditor: error: {target}: cannot write"
    )


@pytest.mark.parametrize("command", ["audit", "collect"])
def test_out_under_a_file_is_bad_input(
    command: str, a_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = a_file / "sub"
    argv = [command, "--out", str(target), "--accounts", "111111111111", "--regions", "us-east-1"]
    assert main([*argv, "--endpoint-url", UNREACHABLE, "--quiet"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"backup-auditor: error: {target}") and "is a file, not a directory" in line
    assert a_file.read_text() == "not a directory"
    assert sorted(p.name for p in a_file.parent.iterdir()) == ["plain-file"], "nothing left behind"


def test_demo_out_under_a_file_fails_before_starting_the_sandbox(
    a_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = a_file / "demo"
    assert main(["demo", "--out", str(target), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "starting the sandbox" not in err
    assert f"{target}: cannot write the demo outputs: {a_file} is a file" in _one_error_line(err)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_non_finite_aurora_cost_flag_is_bad_input(
    bundle: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(bundle), "-q", f"--aurora-cost-per-gb-month={value}"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--aurora-cost-per-gb-month: expected a finite number of USD" in line


def test_non_finite_aurora_cost_from_env_and_toml(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKUP_AUDITOR_AURORA_COST_PER_GB_MONTH", "nan")
    assert main(["evaluate", str(bundle), "-q"]) == 2
    assert "BACKUP_AUDITOR_AURORA_COST_PER_GB_MONTH: expected a finite" in _one_error_line(
        capsys.readouterr().err
    )
    monkeypatch.delenv("BACKUP_AUDITOR_AURORA_COST_PER_GB_MONTH")
    config = tmp_path / "backup-auditor.toml"
    config.write_text("aurora-cost-per-gb-month = inf\n")
    assert main(["evaluate", str(bundle), "-q", "--config", str(config)]) == 2
    assert f"{config}: key 'aurora_cost_per_gb_month': expected a finite" in _one_error_line(
        capsys.readouterr().err
    )


@pytest.mark.parametrize("command", ["evaluate", "report"])
def test_a_bad_jobs_value_is_one_line_exit_2_from_flag_env_and_toml(
    command: str,
    bundle: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    quiet = ["-q"] if command == "evaluate" else ["-o", str(tmp_path / "r.html")]
    for value in ("0", "-1", "two", "1.5"):
        assert main([command, str(bundle), *quiet, "--jobs", value]) == 2
        line = _one_error_line(capsys.readouterr().err)
        assert (
            line
            == f"backup-auditor: error: option --jobs: expected a whole number of processes >= 1, got {value!r}"
        )
    monkeypatch.setenv("BACKUP_AUDITOR_JOBS", "0")
    assert main([command, str(bundle), *quiet]) == 2
    assert "environment variable BACKUP_AUDITOR_JOBS: expected a whole number of processes >= 1, got '0'" in (
        _one_error_line(capsys.readouterr().err)
    )
    monkeypatch.delenv("BACKUP_AUDITOR_JOBS")
    config = tmp_path / "backup-auditor.toml"
    config.write_text("jobs = 0\n")
    assert main([command, str(bundle), *quiet, "--config", str(config)]) == 2
    assert f"{config}: key 'jobs': expected a whole number of processes >= 1, got 0" in _one_error_line(
        capsys.readouterr().err
    )


@pytest.fixture
def crashing_command() -> Iterator[str]:
    """A command whose body raises what no code path expects (a bug stand-in)."""

    def crash() -> None:
        raise ZeroDivisionError("planted bug")

    app.command("planted-crash")(crash)
    try:
        yield "planted-crash"
    finally:
        app.registered_commands[:] = [c for c in app.registered_commands if c.name != "planted-crash"]


def test_unexpected_error_is_one_line_and_exit_3(
    crashing_command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([crashing_command]) == 3
    line = _one_error_line(capsys.readouterr().err)
    assert line == (
        "backup-auditor: unexpected error: ZeroDivisionError: planted bug "
        "(run again with --debug for the traceback)"
    )


@pytest.mark.parametrize("where", ["flag", "env"])
def test_debug_shows_the_traceback(
    where: str, crashing_command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if where == "env":
        monkeypatch.setenv("BACKUP_AUDITOR_DEBUG", "1")
        argv = [crashing_command]
    else:
        argv = ["--debug", crashing_command]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and 'raise ZeroDivisionError("planted bug")' in err
    assert err.rstrip().endswith("backup-auditor: unexpected error: ZeroDivisionError: planted bug")


def _hanging_endpoint() -> tuple[socket.socket, str]:
    """A TCP endpoint that accepts connections and never answers: a collection hangs on it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


def _cli(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BACKUP_AUDITOR_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        PYTHONPATH=str(ROOT),
    )
    # Ctrl-C as in a terminal even where this test runs with SIGINT ignored (a job started in the
    # background by a non-interactive shell inherits SIG_IGN, and Python then keeps it)
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"from auditor.cli import main; sys.exit(main({argv!r}))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_sigint_during_collection_says_what_was_kept(tmp_path: Path) -> None:
    server, endpoint = _hanging_endpoint()
    try:
        target = tmp_path / "bundle"
        process = _cli(["collect", "--out", str(target), "--endpoint-url", endpoint, "--quiet"], tmp_path)
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(".bundle.partial-*")):
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        time.sleep(0.5)  # the first call is in flight against the endpoint that never answers
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        server.close()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "backup-auditor: interrupted; nothing was written; unfinished outputs were discarded "
        "(an existing bundle or report is left as it was)"
    )
    assert list(tmp_path.iterdir()) == [], "the staging directory is removed"


def test_closed_stdout_is_an_unwritable_output_not_findings(tmp_path: Path) -> None:
    """``evaluate BUNDLE | head -c 10``: typer alone would exit 1, the code of findings."""
    b = BundleBuilder()
    for i in range(400):  # 400 unprotected file systems: a findings JSON far larger than a pipe buffer
        b.efs(f"fs-{i:017x}")
    bundle = b.build(tmp_path / "bundle")
    process = _cli(["evaluate", str(bundle), "-q"], tmp_path)
    assert process.stdout is not None
    process.stdout.read(10)
    process.stdout.close()  # the reader goes away with most of the findings JSON unread
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert err.strip().splitlines() == [
        "backup-auditor: error: standard output was closed before everything was written (broken pipe)"
    ]


@pytest.fixture
def interrupted_after_a_bundle(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A command that commits a bundle, then is interrupted (Ctrl-C) before writing more."""
    from auditor.evidence import BundleWriter, Manifest, ToolInfo

    target = tmp_path / "kept-bundle"

    def write_then_interrupt() -> None:
        with BundleWriter(target) as writer:
            at = datetime(2026, 11, 20, tzinfo=UTC)
            writer.commit(
                Manifest(
                    collected_at=at, tool=ToolInfo("backup-auditor", "0"), organization=None, accounts=()
                )
            )
        with BundleWriter(tmp_path / "unfinished"):
            raise KeyboardInterrupt

    app.command("planted-interrupt")(write_then_interrupt)
    try:
        yield "planted-interrupt", target
    finally:
        app.registered_commands[:] = [c for c in app.registered_commands if c.name != "planted-interrupt"]


def test_interrupt_names_the_outputs_that_were_complete(
    interrupted_after_a_bundle: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    command, target = interrupted_after_a_bundle
    assert main([command]) == 130
    assert capsys.readouterr().err.strip().splitlines() == [
        f"backup-auditor: interrupted; kept {target}; unfinished outputs were discarded "
        "(an existing bundle or report is left as it was)"
    ]
    assert sorted(p.name for p in target.parent.iterdir()) == ["kept-bundle"]
