"""BKP-040 judges every plan of an effective backup policy: one deployed does not stop the check
of the next (mutation-run survivor of bkp_040's ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def test_a_deployed_plan_does_not_stop_the_check_of_the_next(tmp_path: Path) -> None:
    rule = {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "Default",
        "lifecycle": {"delete_after_days": "35"},
    }
    plans = {name: {"regions": [R], "rules": {"daily": rule}} for name in ("a-deployed", "b-missing")}
    b = BundleBuilder()
    b.effective_policy(A, {"plans": plans})
    b.plan("a-deployed")
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-040")
    assert (finding.account_id, finding.region, finding.details["policy_plan"]) == (A, R, "b-missing")
