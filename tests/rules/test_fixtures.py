"""Every rule of the registry against its pass and fail scenarios (``tests/rules/scenarios.py``).

The bundles are built at test time into a temporary folder and evaluated exactly as
``backup-auditor evaluate BUNDLE -q -o FILE`` would; the findings are checked against the
scenario's subjects and, byte for byte, against the committed ``fixtures/rules/<ID>/*.findings.json``
(regenerate with ``make fixtures`` and review the diff).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.rules.registry import rules
from tests.rules import rule_fixtures
from tests.rules.rule_fixtures import EXPECTED, FIXTURES, KINDS, compact, diff, findings_file, indented
from tests.rules.scenarios import SCENARIOS

RULE_IDS = rules.ids()
Findings = Callable[[str, str], str]


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Findings:
    """``(rule_id, kind) -> findings JSON`` of the scenario's bundle, built and evaluated once."""
    root = tmp_path_factory.mktemp("rule-scenarios")
    done: dict[tuple[str, str], str] = {}
    # mutmut's stats run records which functions each test reaches, and later runs a mutant's
    # tests only: an evaluation kept for the next tests would count for the first test alone, and
    # the byte-for-byte comparisons below would run for no mutant. There, every test evaluates.
    keep = os.environ.get("MUTANT_UNDER_TEST") != "stats"

    def get(rule_id: str, kind: str) -> str:
        if (rule_id, kind) not in done or not keep:
            bundle = rule_fixtures.build_bundle(rule_id, kind, root / rule_id / kind)
            done[rule_id, kind] = rule_fixtures.evaluate(bundle)
        return done[rule_id, kind]

    return get


def _matches(finding: dict[str, Any], subject: dict[str, Any]) -> bool:
    for key, want in subject.items():
        if key == "details":
            if any(finding["details"].get(k) != v for k, v in want.items()):
                return False
        elif finding[key] != want:
            return False
    return True


def _of(doc: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule_id"] == rule_id]


def _rule_errors(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in doc["errors"] if e.get("kind") == "rule"]


PUBLIC_IDS = [
    "BKP-001", "BKP-002", "BKP-003", "BKP-004", "BKP-005", "BKP-006", "BKP-007", "BKP-008",
    "BKP-010", "BKP-011", "BKP-012", "BKP-013", "BKP-014", "BKP-015", "BKP-016", "BKP-017", "BKP-020", "BKP-021",
    "BKP-030", "BKP-031", "BKP-032", "BKP-033", "BKP-035", "BKP-090",
    "BKP-040", "BKP-041", "BKP-042", "BKP-043",  # organization backup policies
    "BKP-022", "BKP-036", "BKP-037", "BKP-039",  # copies and air-gapped vaults
    "BKP-023", "BKP-034", "BKP-038",  # restore jobs, vault lock, restore testing
    "BKP-091",  # prediction vs evidence
]  # fmt: skip


def test_public_rule_ids_are_all_registered() -> None:
    """Rule ids are a public interface: none may disappear or be renumbered."""
    assert set(PUBLIC_IDS) <= set(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_a_scenario_committed_findings_and_metadata(rule_id: str) -> None:
    assert rule_id in SCENARIOS, f"{rule_id}: no pass/fail scenario in tests/rules/scenarios.py"
    assert (SCENARIOS[rule_id].__doc__ or "").strip(), f"{rule_id}: the scenario has no docstring"
    for name in (EXPECTED, *(findings_file(kind) for kind in KINDS)):
        assert (FIXTURES / rule_id / name).is_file(), f"{rule_id}: no {name} (run `make fixtures`)"
    meta = rules.get(rule_id).metadata
    assert meta.doc_url.startswith("https://docs.aws.amazon.com/")
    assert meta.remediation.console and meta.remediation.cli.startswith("aws ")


def test_scenarios_and_fixture_folders_belong_to_registered_rules() -> None:
    assert sorted(SCENARIOS) == RULE_IDS
    dirs = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))
    assert dirs == RULE_IDS


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fires_on_fail_scenario(rule_id: str, findings: Findings) -> None:
    doc = json.loads(findings(rule_id, "fail"))
    found = _of(doc, rule_id)
    subjects = rule_fixtures.expected_subjects(rule_id)
    assert subjects, f"{rule_id}: the scenario names no subject"
    assert not _rule_errors(doc), "a rule raised on the scenario"
    assert len(found) == len(subjects), [f["message"] for f in found]
    for subject in subjects:
        assert any(_matches(f, subject) for f in found), (subject, found)
    for f in found:
        assert f["severity"] == rules.get(rule_id).metadata.severity.value
        assert f["message"] and f["remediation"] and f["doc_url"]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_silent_on_pass_scenario(rule_id: str, findings: Findings) -> None:
    doc = json.loads(findings(rule_id, "pass"))
    assert not _rule_errors(doc), "a rule raised on the scenario"
    assert _of(doc, rule_id) == [], [f["message"] for f in _of(doc, rule_id)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_committed_findings_are_byte_identical(rule_id: str, kind: str, findings: Findings) -> None:
    """Any change in any finding, resource, plan or summary of a scenario shows here as a diff."""
    committed = (FIXTURES / rule_id / findings_file(kind)).read_text(encoding="utf-8")
    built = findings(rule_id, kind)
    assert compact(committed) == built, "\n".join(
        diff(committed, indented(built), f"{rule_id}/{findings_file(kind)}")
    )
    assert committed == indented(built), "committed file is not indented as `make fixtures` writes it"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_committed_expected_subjects_match_the_scenario(rule_id: str) -> None:
    committed = (FIXTURES / rule_id / EXPECTED).read_text(encoding="utf-8")
    assert committed == rule_fixtures.expected_text(rule_id), "run `make fixtures` and review the diff"


def test_check_mode_names_a_stale_file_and_shows_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_id = "BKP-007"
    copy = tmp_path / rule_id
    copy.mkdir()
    for name in (EXPECTED, *(findings_file(kind) for kind in KINDS)):
        (copy / name).write_text((FIXTURES / rule_id / name).read_text(encoding="utf-8"), encoding="utf-8")
    args = ["--check", "--only", rule_id, "--fixtures", str(tmp_path)]
    assert rule_fixtures.main(args) == 0
    stale = copy / findings_file("fail")
    stale.write_text(stale.read_text(encoding="utf-8").replace('"high"', '"low"'), encoding="utf-8")
    capsys.readouterr()
    assert rule_fixtures.main(args) == 1
    out = capsys.readouterr().out
    assert f"stale: {stale}" in out
    assert '-      "severity": "low",' in out and '+      "severity": "high",' in out
    assert "pass.findings.json" not in out
