"""Every command line of the README runs, as written, in a test.

``backup-auditor`` lines run through the real CLI in a scratch directory; the ones that need AWS
talk to the seeded sandbox organization, reached through the documented settings
``BACKUP_AUDITOR_ENDPOINT_URL`` and ``BACKUP_AUDITOR_REGIONS`` in the environment (the command
line is not changed). ``make demo`` runs its recipe's ``backup-auditor`` line; ``make test`` (this
suite), ``make bench`` and ``make mutation`` (minutes) and ``make rules-table`` (rewrites the README; its output is
checked by ``tests/rules/test_doc.py``) are checked with ``make -n`` only. Placeholders of inline
examples (``BUNDLE``, ``ARN``, ``ID``) are replaced by values of the same kind.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.commands.demo import sdk_environment
from auditor.readings import all_probes
from auditor.sandbox import Sandbox
from auditor.sandbox.seed import SeededOrg

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# Exit code each README command line must give (1: --fail-on high and the demo has high findings).
EXPECTED: dict[str, int] = {
    "make demo": 0,
    "make test": 0,
    "backup-auditor audit --out reports/2026-11-25 --fail-on high": 1,
    "backup-auditor collect --out evidence/ --regions us-east-1,eu-west-1": 0,
    "backup-auditor evaluate evidence/ -o findings.json": 0,
    "backup-auditor report evidence/ --format html -o report.html": 0,
    "backup-auditor explain evidence/ arn:aws:rds:us-east-1:744869389150:cluster:warehouse-aurora": 0,
    "backup-auditor rules": 0,
    "backup-auditor audit --out reports/2026-11-26 --previous reports/2026-11-25 --fail-on-new high": 0,
    "backup-auditor diff reports/2026-11-25 reports/2026-11-26 --format markdown": 0,
    "backup-auditor audit --accounts 744869389150 --regions us-east-1 --out reports/verify": 0,
    "backup-auditor verify-readings reports/verify": 0,
    "backup-auditor explain BUNDLE ARN": 0,
    "backup-auditor rules --framework audit-manager": 0,
    "make bench": 0,
    "make mutation": 0,
    "backup-auditor rules show ID": 0,
    "make rules-table": 0,
}
PLACEHOLDERS = {
    "BUNDLE": "evidence/",
    "ARN": "arn:aws:rds:us-east-1:744869389150:cluster:warehouse-aurora",
    "ID": "BKP-004",
}


def readme_command_lines() -> list[str]:
    """Lines of ``sh`` code blocks (comments cut) and inline `backup-auditor ...` / `make ...`."""
    text = README.read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        lines += [line.split("#", 1)[0].strip() for line in block.splitlines()]
    lines += re.findall(r"`((?:backup-auditor|make) [^`]+)`", text)
    return list(dict.fromkeys(line for line in lines if line))


def test_every_readme_command_line_has_an_expected_outcome() -> None:
    assert readme_command_lines() == list(EXPECTED)


@pytest.fixture(scope="module")
def workdir(
    sandbox: Sandbox, seeded_org: SeededOrg, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A scratch directory as cwd, the SDK pointed at the seeded sandbox through the environment."""
    where = tmp_path_factory.mktemp("readme")
    env = {
        **sandbox.client_env(),
        "BACKUP_AUDITOR_ENDPOINT_URL": sandbox.endpoint_url,
        "BACKUP_AUDITOR_REGIONS": ",".join(seeded_org.regions),
        "BACKUP_AUDITOR_QUIET": "true",
    }
    with pytest.MonkeyPatch.context() as mp, sdk_environment(env):
        mp.chdir(where)
        yield where


def _argv(line: str) -> list[str]:
    words = shlex.split(line)
    assert words[0] == "backup-auditor"
    return [PLACEHOLDERS.get(word, word) for word in words[1:]]


def test_backup_auditor_lines_run_as_written(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In README order: audit, collect into evidence/, then the offline commands read it."""
    for line, code in EXPECTED.items():
        if not line.startswith("backup-auditor"):
            continue
        assert main(_argv(line)) == code, line
        out = capsys.readouterr().out
        if " explain " in line:
            assert "warehouse-aurora" in out and "opt-in" in out.lower(), out
        if line.endswith("rules show ID"):
            assert "BKP-004" in out
        if line.startswith("backup-auditor diff"):
            assert "## Since the last run" in out and "0 new, 0 resolved" in out, out
        if line.startswith("backup-auditor verify-readings"):  # the demo holds no probe of the kit
            n = len(all_probes())
            assert f"{n} probe(s): {n} probe not found" in out, out
    assert (workdir / "reports/2026-11-25/report.html").is_file()
    assert (workdir / "evidence/manifest.json").is_file()
    assert (workdir / "findings.json").is_file() and (workdir / "report.html").is_file()
    assert (workdir / "reports/verify/evidence/manifest.json").is_file()


def _dry_run(target: str) -> list[str]:
    venv = Path(sys.prefix)
    run = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return run.stdout.splitlines()


def test_make_lines(workdir: Path) -> None:
    """``make demo`` runs its recipe's audit line; the other targets are dry runs."""
    venv_bin = str(Path(sys.prefix) / "bin") + "/"
    for line in EXPECTED:
        if not line.startswith("make "):
            continue
        recipe = _dry_run(line.split()[1])
        commands = [r.removeprefix(venv_bin) for r in recipe if r.startswith(venv_bin + "backup-auditor ")]
        if line == "make demo":
            assert commands == ["backup-auditor demo --out reports/demo --force"]
            assert main(_argv(commands[0])) == EXPECTED[line]
            assert (workdir / "reports/demo/report.html").is_file()
        else:
            assert recipe, line
