"""run_rules with ``jobs`` > 1: the rules split into shards run in forked children; the result is
the one of a single process, whatever happens to a child."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.evaluate import RULE_GROUPS, RuleRun, evaluate_bundle, rule_shards, run_rules
from auditor.evidence import read_bundle
from auditor.forked import Forked
from auditor.model.frames import load_inventory
from auditor.model.results import Finding
from auditor.protection.resolver import resolve
from auditor.rules.base import Rule, RuleContext
from auditor.rules.registry import rules
from tests.builders import BundleBuilder
from tests.evaluate.test_evaluate import _Boom as _Fails  # yields one finding, then raises
from tests.rules.scenarios import SCENARIOS

#: Rules whose fail scenarios, in one bundle, give findings in every shard of two and of three.
_MIXED = ("BKP-002", "BKP-006", "BKP-011", "BKP-035", "BKP-037", "BKP-091")


def _context(tmp_path: Path) -> RuleContext:
    b = BundleBuilder()
    for rule_id in _MIXED:
        SCENARIOS[rule_id](b, True)
    inventory = load_inventory(read_bundle(b.build(tmp_path / "bundle", force=True)))
    return RuleContext(inventory, resolve(inventory), datetime(2026, 11, 20, tzinfo=UTC))


def _fresh(ctx: RuleContext) -> RuleContext:
    """The same inputs without what an earlier run shared (``memo``)."""
    return RuleContext(ctx.inventory, ctx.protection, ctx.as_of)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> RuleContext:
    return _context(tmp_path_factory.mktemp("mixed"))


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_findings_in_processes_equal_one_process(mixed: RuleContext, jobs: int) -> None:
    one = run_rules(_fresh(mixed))
    many = run_rules(_fresh(mixed), jobs=jobs)
    assert many == one
    shards = rule_shards(list(rules), jobs)
    with_findings = [s for s in shards if {c.metadata.id for c in s} & {f.rule_id for f in one.findings}]
    assert len(shards) == jobs and len(with_findings) >= 2  # the children's findings are in the result
    assert {f.rule_id for f in one.findings} >= set(_MIXED)


@pytest.mark.parametrize("jobs", [1, 2, 3, 5, 40])
def test_shards_hold_every_rule_once_and_keep_groups_whole(jobs: int) -> None:
    classes = list(rules)
    shards = rule_shards(classes, jobs)
    assert 1 <= len(shards) <= jobs
    flat = [c for s in shards for c in s]
    assert sorted(flat, key=classes.index) == classes and len(flat) == len(set(flat))
    for shard in shards:
        assert shard == sorted(shard, key=classes.index)  # each shard runs in the registry's order
    for group in RULE_GROUPS:
        holding = [s for s in shards if {c.metadata.id for c in s} & set(group)]
        assert len(holding) == 1, group


def test_shards_of_two_are_balanced_and_the_two_largest_groups_apart() -> None:
    window, controls = (set(g) for g in RULE_GROUPS[:2])
    a, b = ({c.metadata.id for c in s} for s in rule_shards(list(rules), 2))
    assert (window <= a and controls <= b) or (window <= b and controls <= a)


def test_a_rule_failing_in_a_child_is_reported_as_in_one_process(mixed: RuleContext) -> None:
    classes: list[type[Rule]] = [rules.get("BKP-010"), _Fails, rules.get("BKP-091")]  # type: ignore[list-item]  # duck-typed double
    assert len(rule_shards(classes, 3)) == 3  # _Fails runs in a child
    one = run_rules(_fresh(mixed), classes)
    many = run_rules(_fresh(mixed), classes, jobs=3)
    assert [(f.rule_id, f.message) for f in many.findings] == [(f.rule_id, f.message) for f in one.findings]
    assert [f.error for f in many.failures] == [f.error for f in one.failures] == ["ZeroDivisionError: boom"]


class _DiesInAChild:
    """A rule double whose process is killed when it runs in a child (as the kernel's OOM killer
    would); in the parent it finds one thing."""

    metadata = rules.get("BKP-013").metadata
    parent = os.getpid()

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        if os.getpid() != self.parent:
            os.kill(os.getpid(), signal.SIGKILL)
        yield rules.get("BKP-013").finding(account_id="1", region="r", message="judged in the parent")


def test_a_child_that_dies_has_its_rules_run_in_this_process(mixed: RuleContext) -> None:
    classes: list[type[Rule]] = [rules.get("BKP-010"), _DiesInAChild]  # type: ignore[list-item]  # duck-typed double
    warned: list[str] = []
    run: RuleRun = run_rules(_fresh(mixed), classes, jobs=2, warn=warned.append)
    assert "judged in the parent" in {f.message for f in run.findings}
    assert run == run_rules(_fresh(mixed), classes)
    (line,) = warned
    assert "ended without a result (exit code -9)" in line and "BKP-013" in line


def test_forked_returns_the_value_or_says_why_not() -> None:
    assert Forked(lambda: ("a", 1, [2.5])).result() == ("a", 1, [2.5])
    failing = Forked(lambda: 1 // 0)
    assert failing.result() is None
    assert (
        failing.failure == "the worker process failed: ZeroDivisionError: integer division or modulo by zero"
    )


def test_evaluate_bundle_gives_one_result_whatever_the_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the thresholds below which loading and the rules stay in one process, lowered to this bundle
    monkeypatch.setattr("auditor.evaluate.MIN_PARALLEL_ROWS", 0)
    monkeypatch.setattr("auditor.model.parallel.MIN_PARALLEL_BYTES", 0)
    b = BundleBuilder()
    for rule_id in _MIXED:
        SCENARIOS[rule_id](b, True)
    bundle = read_bundle(b.build(tmp_path / "bundle", force=True))
    one = evaluate_bundle(bundle, jobs=1)
    assert evaluate_bundle(bundle, jobs=3) == one and len(one.findings) > 10


def test_the_first_shard_is_the_parents_and_counts_its_other_work() -> None:
    classes = list(rules)
    parent_group = {"BKP-010", "BKP-014"}
    for extra in (0, 70, 10**6):
        first = {c.metadata.id for c in rule_shards(classes, 2, extra)[0]}
        assert parent_group <= first
    # work the parent does meanwhile that outweighs every rule leaves it its own group only
    assert {c.metadata.id for c in rule_shards(classes, 2, 10**6)[0]} == parent_group
    assert len(rule_shards(classes, 2, 0)[0]) > len(rule_shards(classes, 2, 70)[0]) > 2
