"""What ``evaluate`` frees to keep its peak memory down: the rules sharing the job window's
evidence run first and what they shared is dropped before the others run; after the rules, the
frames only the rules read are dropped (what it builds afterwards is the same without them)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from auditor.evaluate import (
    RULE_ONLY_FRAMES,
    WINDOW_EVIDENCE_RULES,
    account_ous,
    coverage_records,
    plan_records,
    resource_records,
    rules_not_evaluated,
    run_rules,
    sort_findings,
    without_rule_inputs,
)
from auditor.evidence import read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.model.results import Finding
from auditor.not_evaluated import not_evaluated
from auditor.protection.resolver import resolve
from auditor.rules.base import RuleContext
from auditor.rules.registry import rules
from tests.builders import COLLECTED_AT, BundleBuilder


def _inventory(tmp_path: Path) -> Inventory:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a", tags={"backup": "yes"})
    plan = b.plan("daily", [{"DeleteAfterDays": 35}])
    b.selection(plan, "tagged", list_of_tags=[("backup", "yes")])
    b.efs("fs-0unprotected")  # BKP-002
    b.recovery_point(vol, "EBS", plan_id=plan, created=COLLECTED_AT)
    b.job(vol, "EBS", plan_id=plan, created=COLLECTED_AT)
    b.copy_job(vol, "EBS", "arn:aws:backup:eu-central-1:111111111111:backup-vault:dr", created=COLLECTED_AT)
    b.restore_job(vol, "EBS", created=COLLECTED_AT)
    b.protected_resource(vol, "EBS", restore_minutes=5)
    return load_inventory(read_bundle(b.build(tmp_path / "bundle")))


def test_rule_only_frames_are_emptied_keeping_their_columns_and_the_original(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    slim = without_rule_inputs(inventory)
    for name in RULE_ONLY_FRAMES:
        full, empty = getattr(inventory, name), getattr(slim, name)
        assert len(full) > 0, name  # the bundle has rows of each: the test would prove nothing
        assert len(empty) == 0
        assert list(empty.columns) == list(full.columns) and list(empty.dtypes) == list(full.dtypes)
    kept = [f for f in Inventory.__dataclass_fields__ if f not in RULE_ONLY_FRAMES]
    assert all(getattr(slim, f) is getattr(inventory, f) for f in kept)


def test_the_emptied_frames_are_freed_with_the_original_inventory(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    frames = [weakref.ref(getattr(inventory, name)) for name in RULE_ONLY_FRAMES]
    slim = without_rule_inputs(inventory)
    del inventory
    gc.collect()
    assert [f() for f in frames] == [None] * len(frames)
    assert all(len(getattr(slim, name)) == 0 for name in RULE_ONLY_FRAMES)


def test_what_evaluate_builds_after_the_rules_does_not_read_them(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    protection = resolve(inventory)
    slim = without_rule_inputs(inventory)
    assert coverage_records(slim) == coverage_records(inventory)
    assert resource_records(slim, protection) == resource_records(inventory, protection)
    plans = plan_records(inventory, protection)
    assert plans and plans[0]["selections"][0]["protected_arns"]
    assert plan_records(slim, protection) == plans
    assert not_evaluated(slim) == not_evaluated(inventory)
    assert rules_not_evaluated(slim) == rules_not_evaluated(inventory)
    assert account_ous(slim) == account_ous(inventory)


class _Recorder:
    """A rule double: notes the order rules ran in and what the shared memo held then."""

    seen: ClassVar[list[tuple[str, frozenset[object]]]] = []
    metadata = rules.get("BKP-012").metadata

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        self.seen.append((self.metadata.id, frozenset(ctx.memo)))
        ctx.shared(("note", self.metadata.id), lambda: 1)
        if self.metadata.id == "BKP-017":
            raise ValueError("late failure")
        if self.metadata.id == "BKP-033":
            raise KeyError("early failure")
        return iter(())


def _double(rule_id: str) -> type[_Recorder]:
    return type(f"_Rule{rule_id}", (_Recorder,), {"metadata": rules.get(rule_id).metadata})


def test_window_evidence_rules_run_first_then_the_memo_is_cleared(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    ctx = RuleContext(inventory, resolve(inventory), COLLECTED_AT)
    _Recorder.seen = []
    order = ["BKP-033", "BKP-091", "BKP-012", "BKP-017"]
    run = run_rules(ctx, [_double(r) for r in order])  # type: ignore[misc]  # duck-typed doubles
    assert [rule for rule, _ in _Recorder.seen] == ["BKP-091", "BKP-017", "BKP-033", "BKP-012"]
    memos = dict(_Recorder.seen)
    assert memos["BKP-017"] == {("note", "BKP-091")}
    assert memos["BKP-033"] == frozenset()  # cleared after the window evidence rules
    assert memos["BKP-012"] == {("note", "BKP-033")}
    # failures in the order the rules were given, not the order they ran in
    assert [f.rule_id for f in run.failures] == ["BKP-033", "BKP-017"]
    assert set(WINDOW_EVIDENCE_RULES) == {"BKP-001", "BKP-002", "BKP-017", "BKP-091"}


def test_the_run_order_does_not_change_the_findings(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    protection = resolve(inventory)
    classes = list(rules)
    together = run_rules(RuleContext(inventory, protection, COLLECTED_AT), classes).findings
    one_by_one = [
        f
        for cls in classes
        for f in run_rules(RuleContext(inventory, protection, COLLECTED_AT), [cls]).findings
    ]
    assert together == tuple(sort_findings(one_by_one))
    assert any(f.rule_id in WINDOW_EVIDENCE_RULES for f in together)
