"""BKP-041 judges every policy plan (one not deployed or deployed as the policy says does not stop
the check of the next) and counts its differences in words: "1 point", "3 points", and "(and N
more)" only past the three shown (mutation-run survivors of bkp_041's ``evaluate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
WHERE = f"(account {A}, {R})"
SCHEDULE = "rule daily: schedule: policy cron(0 5 ? * * *), deployed cron(0 3 ? * * *)"
VAULT = "rule daily: target vault: policy org-vault, deployed Default"
KEPT = "rule daily: lifecycle delete after days: policy 35, deployed 40"


def _policy_plan() -> dict[str, Any]:
    """Rule ``daily`` (05:00 into ``org-vault``, kept 35 days) and tag selection ``baseline``."""
    rule = {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "org-vault",
        "start_backup_window_minutes": "60",
        "lifecycle": {"delete_after_days": "35"},
    }
    role = "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole"
    selection = {"iam_role_arn": role, "tag_key": "org-backup", "tag_value": ["baseline"]}
    return {"regions": [R], "rules": {"daily": rule}, "selections": {"tags": {"baseline": selection}}}


def _found(tmp_path: Path, deployed: dict[str, dict[str, Any]], *policy_plans: str) -> list[Finding]:
    """``deployed``: plan name -> the fields of its one rule that differ from the policy's."""
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {name: _policy_plan() for name in policy_plans}})
    b.vault("org-vault")
    for name, fields in deployed.items():
        pid = b.plan(name, [b.rule(**{"TargetBackupVaultName": "org-vault", **fields})])
        b.selection(pid, "baseline", list_of_tags=[("org-backup", "baseline")])
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-041")


def test_every_policy_plan_is_judged_and_three_differences_are_all_shown(tmp_path: Path) -> None:
    drifted = {
        "TargetBackupVaultName": "Default",
        "DeleteAfterDays": 40,
        "ScheduleExpression": "cron(0 3 ? * * *)",
    }
    found = _found(tmp_path, {"b-same": {}, "c-drifted": drifted}, "a-missing", "b-same", "c-drifted")
    (finding,) = found
    assert finding.details["policy_plan"] == "c-drifted"
    assert finding.message == (
        f"Backup plan c-drifted {WHERE} differs from plan c-drifted of the account's effective backup "
        f"policy in 3 points: {SCHEDULE}; {VAULT}; {KEPT}."
    )


def test_one_difference_is_one_point(tmp_path: Path) -> None:
    (finding,) = _found(tmp_path, {"kept": {"DeleteAfterDays": 40}}, "kept")
    assert finding.message == (
        f"Backup plan kept {WHERE} differs from plan kept of the account's effective backup policy in "
        f"1 point: {KEPT}."
    )
