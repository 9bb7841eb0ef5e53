"""The findings of one rule, exactly as ``evaluate_bundle`` gives them, without running the others.

Mutation testing (``make mutation``) runs, for each mutant, every test that reached the mutated
function. A rule test that evaluates the whole registry reaches every rule, so it would be run for
every rule's mutants without being able to kill them (it only looks at its own rule's findings).
Running the one rule keeps the test's meaning and makes it a test of that rule only.
``test_one_rule.py`` checks that both ways give the same findings.
"""

from __future__ import annotations

from datetime import UTC

from auditor.evaluate import run_rules
from auditor.evidence import Bundle
from auditor.model.frames import load_inventory
from auditor.model.results import Finding
from auditor.protection.resolver import resolve
from auditor.rules.base import RuleContext, RuleSettings
from auditor.rules.registry import rules


def rule_context(bundle: Bundle, settings: RuleSettings | None = None) -> RuleContext:
    """The context ``evaluate_bundle(bundle, settings=settings)`` gives its rules."""
    inventory = load_inventory(bundle)
    collected_at = bundle.manifest.collected_at
    if collected_at.tzinfo is None:
        collected_at = collected_at.replace(tzinfo=UTC)
    return RuleContext(
        inventory=inventory,
        protection=resolve(inventory),
        as_of=collected_at.astimezone(UTC),
        settings=settings or RuleSettings(),
        manifest_errors=bundle.manifest.errors,
    )


def rule_findings(bundle: Bundle, rule_id: str, settings: RuleSettings | None = None) -> list[Finding]:
    """The findings ``evaluate_bundle(bundle, settings=settings)`` has for ``rule_id``, in its order."""
    return list(run_rules(rule_context(bundle, settings), [rules.get(rule_id)]).findings)
