"""A missing Chromium is a failure where the browser is required (``make test``), a skip elsewhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_browser_test(require: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BACKUP_AUDITOR_CHROMIUM": str(ROOT / "no-such-chromium")}
    env.pop("BACKUP_AUDITOR_REQUIRE_BROWSER", None)
    if require:
        env["BACKUP_AUDITOR_REQUIRE_BROWSER"] = "1"
    test = "tests/report/test_browser.py::test_loads_offline_without_console_errors_or_requests"
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", test]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("require", [True, False])
def test_missing_chromium(require: bool) -> None:
    run = _run_browser_test(require)
    if require:
        assert run.returncode == 1, run.stdout
        assert re.search(r"\b1 error\b", run.stdout), run.stdout
        assert "BACKUP_AUDITOR_REQUIRE_BROWSER=1 makes this a failure" in run.stdout
    else:
        assert run.returncode == 0, run.stdout
        assert re.search(r"\b1 skipped\b", run.stdout) and "no-such-chromium missing" in run.stdout


def _dry_run(target: str) -> list[str]:
    dry = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return [line for line in dry.stdout.splitlines() if "-m pytest" in line]


def test_make_test_requires_the_browser_and_make_unit_does_not() -> None:
    [in_test] = _dry_run("test")
    assert in_test.startswith("BACKUP_AUDITOR_REQUIRE_BROWSER=1 ")
    [in_unit] = _dry_run("unit")
    assert in_unit.startswith("BACKUP_AUDITOR_REQUIRE_BROWSER=0 ")
