"""``tests.rules.one_rule.rule_findings`` gives each rule's findings exactly as ``evaluate_bundle`` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evaluate import evaluate_bundle, run_rules
from auditor.evidence import read_bundle
from auditor.rules.registry import rules
from tests.rules import rule_fixtures
from tests.rules.one_rule import rule_context, rule_findings

# scenarios whose fail bundle has findings of several rules, settings and errors of the manifest
CASES = ["BKP-035", "BKP-034", "BKP-038", "BKP-090", "BKP-041", "BKP-036"]


@pytest.mark.parametrize("scenario", CASES)
def test_one_rule_gives_the_findings_of_the_whole_evaluation(scenario: str, tmp_path: Path) -> None:
    bundle = read_bundle(rule_fixtures.build_bundle(scenario, "fail", tmp_path / "bundle"))
    whole = evaluate_bundle(bundle).findings
    own = [f for f in whole if f.rule_id == scenario]
    assert own, f"{scenario}: its fail scenario has no finding"
    assert rule_findings(bundle, scenario) == own
    ctx = rule_context(bundle)
    for cls in rules:
        assert list(run_rules(ctx, [cls]).findings) == [f for f in whole if f.rule_id == cls.metadata.id]
