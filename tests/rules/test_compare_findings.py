"""``scripts/compare_findings.py --saved``: identical findings pass, one changed byte fails with a diff.

(``--base REV`` runs the same comparison against a temporary ``git worktree`` of REV; it is left to
the refactors that need it rather than checked out here on every run.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.rules.rule_fixtures import FIXTURES, compact, findings_file

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "compare_findings.py"
RULE = "BKP-007"
NAMES = [f"{RULE}-pass", f"{RULE}-fail"]


def _saved(folder: Path) -> Path:
    """The committed findings of one rule, in the evaluator's compact form, as ``<name>.json``."""
    folder.mkdir()
    for kind in ("pass", "fail"):
        text = (FIXTURES / RULE / findings_file(kind)).read_text(encoding="utf-8")
        (folder / f"{RULE}-{kind}.json").write_text(compact(text), encoding="utf-8")
    return folder


def _compare(saved: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--saved", str(saved), "--only", *NAMES, *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.slow
def test_identical_findings_exit_0(tmp_path: Path) -> None:
    done = _compare(_saved(tmp_path / "saved"))
    assert done.returncode == 0, done.stderr
    assert "byte-identical" in done.stdout and "2 documents" in done.stdout


@pytest.mark.slow
def test_a_changed_finding_exits_1_with_its_diff(tmp_path: Path) -> None:
    saved = _saved(tmp_path / "saved")
    fail = saved / f"{RULE}-fail.json"
    text = fail.read_text(encoding="utf-8")
    finding = f'"rule_id":"{RULE}","severity":"high"'
    assert text.count(finding) == 1
    fail.write_text(text.replace(finding, finding.replace("high", "medium")), encoding="utf-8")
    done = _compare(saved)
    assert done.returncode == 1, done.stderr
    assert f"--- {RULE}-fail (saved {saved})" in done.stdout
    changed = [line.replace(" ", "") for line in done.stdout.splitlines() if line[:1] in "+-"]
    assert '-"severity":"medium",' in changed and '+"severity":"high",' in changed
    assert f"1 of 2 documents differ from saved {saved}: {RULE}-fail" in done.stderr


def test_an_unknown_revision_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--base", "no-such-revision-anywhere"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--base no-such-revision-anywhere: not a commit" in done.stderr
