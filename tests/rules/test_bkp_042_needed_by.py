"""BKP-042 names every policy rule that needs the missing vault (mutation-run survivor of bkp_042)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def test_a_vault_two_policy_rules_need_is_one_finding_naming_both(tmp_path: Path) -> None:
    rule = {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "org-vault",
        "lifecycle": {"delete_after_days": "35"},
    }
    policy = {"plans": {"org-baseline": {"regions": [R], "rules": {"weekly": rule, "daily": rule}}}}
    b = BundleBuilder()
    b.effective_policy(A, policy)
    b.vault("Default")
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-042")
    needed_by = [
        "plan org-baseline / rule daily (target vault)",
        "plan org-baseline / rule weekly (target vault)",
    ]
    assert finding.details == {"vault_name": "org-vault", "needed_by": needed_by}
    assert finding.message == (
        f"Backup vault org-vault does not exist in account {A}, {R}, but the account's effective "
        f"backup policy needs it: {needed_by[0]}; {needed_by[1]}."
    )
