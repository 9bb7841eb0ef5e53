"""Every rule of the registry against its pass and fail fixtures (``fixtures/rules/<ID>/``).

The fixtures are small evidence bundles written by ``fixtures/rules/generate.py`` and committed;
each is evaluated exactly as ``backup-auditor evaluate`` would (``evaluate_bundle``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult, Finding
from auditor.rules.registry import rules

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "rules"
RULE_IDS = rules.ids()


@cache
def _evaluate(path: Path) -> EvaluationResult:
    return evaluate_bundle(read_bundle(path))


def _expected(rule_id: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / rule_id / "expected.json").read_text())
    assert data["rule_id"] == rule_id
    subjects = data["fail"]
    assert isinstance(subjects, list) and subjects, f"{rule_id}: expected.json names no subject"
    return subjects


def _matches(finding: Finding, subject: dict[str, Any]) -> bool:
    for key, want in subject.items():
        if key == "details":
            if any(finding.details.get(k) != v for k, v in want.items()):
                return False
        elif getattr(finding, key) != want:
            return False
    return True


def _of(result: EvaluationResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


PUBLIC_IDS = [
    "BKP-001", "BKP-002", "BKP-003", "BKP-004", "BKP-005", "BKP-006", "BKP-007", "BKP-008",
    "BKP-010", "BKP-011", "BKP-012", "BKP-013", "BKP-014", "BKP-020", "BKP-021", "BKP-090",
]  # fmt: skip


def test_public_rule_ids_are_all_registered() -> None:
    """Rule ids are a public interface: none may disappear or be renumbered."""
    assert set(PUBLIC_IDS) <= set(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_both_fixtures_and_metadata(rule_id: str) -> None:
    for kind in ("pass", "fail"):
        assert (FIXTURES / rule_id / kind / "manifest.json").is_file(), f"{rule_id}: no {kind} fixture bundle"
    assert (FIXTURES / rule_id / "expected.json").is_file(), f"{rule_id}: no expected.json"
    meta = rules.get(rule_id).metadata
    assert meta.doc_url.startswith("https://docs.aws.amazon.com/")
    assert meta.remediation.console and meta.remediation.cli.startswith("aws ")


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fires_on_fail_fixture(rule_id: str) -> None:
    result = _evaluate(FIXTURES / rule_id / "fail")
    found = _of(result, rule_id)
    subjects = _expected(rule_id)
    assert not [e for e in result.errors if e.get("kind") == "rule"], "a rule raised on the fixture"
    assert len(found) == len(subjects), [f.message for f in found]
    for subject in subjects:
        assert any(_matches(f, subject) for f in found), (subject, [f.to_json() for f in found])
    for f in found:
        assert f.severity is rules.get(rule_id).metadata.severity
        assert f.message and f.remediation and f.doc_url


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_silent_on_pass_fixture(rule_id: str) -> None:
    result = _evaluate(FIXTURES / rule_id / "pass")
    assert not [e for e in result.errors if e.get("kind") == "rule"], "a rule raised on the fixture"
    assert _of(result, rule_id) == [], [f.message for f in _of(result, rule_id)]


def test_fixture_directories_belong_to_registered_rules() -> None:
    dirs = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("BKP-"))
    assert dirs == RULE_IDS


def test_committed_fixtures_match_the_generator() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
