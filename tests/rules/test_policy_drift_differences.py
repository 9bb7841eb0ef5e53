"""What BKP-041 reports between a policy plan and its deployed plan, part by part: every rule's and
selection's differences kept, copy actions extra / missing / with their lifecycle, completion
window, continuous backup, excluded resources, a policy selection without a role, and how values
read (mutation-run survivors of ``auditor.rules._policy_drift``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.evidence import read_bundle
from auditor.rules._policy_drift import Difference
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
ROLE = f"arn:aws:iam::{A}:role/service-role/AWSBackupDefaultServiceRole"
EXTRA = f"arn:aws:backup:us-east-1:{A}:backup-vault:archive"
DR = f"arn:aws:backup:us-east-1:{A}:backup-vault:dr"
SCRATCH = f"arn:aws:ec2:{R}:{A}:volume/vol-0scratch"
VOLUMES = "arn:aws:ec2:*:*:volume/*"
DAILY = "cron(0 5 ? * * *)"


def _rule(**more: Any) -> dict[str, Any]:
    return {
        "schedule_expression": DAILY,
        "target_backup_vault_name": "org-vault",
        "lifecycle": {"delete_after_days": "35"},
        **more,
    }


def _differences(b: BundleBuilder, tmp_path: Path, policy: dict[str, Any]) -> list[dict[str, Any]]:
    b.effective_policy(A, {"plans": {"org-baseline": {"regions": [R], **policy}}})
    b.vault("org-vault")
    (found,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-041")
    differences: list[dict[str, Any]] = found.details["differences"]
    return differences


def test_rule_differences_of_every_rule_and_of_its_copy_actions_are_kept(tmp_path: Path) -> None:
    copy = {
        "target_backup_vault_arn": DR,
        "lifecycle": {"delete_after_days": "28", "move_to_cold_storage_after_days": "7"},
    }
    policy = {
        "rules": {
            "alpha": _rule(
                complete_backup_window_minutes="120",
                enable_continuous_backup="true",
                copy_actions={DR: copy},
            ),
            "beta": _rule(),
        },
        "selections": {
            "tags": {
                "baseline": {
                    "iam_role_arn": "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole",
                    "tag_key": "backup",
                    "tag_value": ["daily"],
                }
            }
        },
    }
    b = BundleBuilder()
    copies = [
        {"DestinationBackupVaultArn": EXTRA, "Lifecycle": {"DeleteAfterDays": 10}},
        {
            "DestinationBackupVaultArn": DR,
            "Lifecycle": {"DeleteAfterDays": 28, "MoveToColdStorageAfterDays": 7},
        },
    ]
    pid = b.plan(
        "org-baseline",
        [
            b.rule(
                RuleName="alpha",
                TargetBackupVaultName="org-vault",
                CompletionWindowMinutes=180,
                EnableContinuousBackup=True,
                CopyActions=copies,
            ),
            b.rule(RuleName="beta", TargetBackupVaultName="org-vault"),
        ],
    )
    b.selection(pid, "baseline", list_of_tags=[("backup", "daily")])
    assert _differences(b, tmp_path, policy) == [
        {"part": "rule alpha: completion window minutes", "policy": 120, "deployed": 180},
        {"part": f"rule alpha: copy to {EXTRA}", "policy": "absent", "deployed": "present"},
    ]


def test_selection_resources_excluded_resources_and_a_policy_selection_without_a_role(tmp_path: Path) -> None:
    policy = {
        "rules": {"daily": _rule()},
        "selections": {
            "resources": {
                "vols": {
                    "resource_types": [VOLUMES],
                    "not_resource_types": ["arn:aws:ec2:$region:$account:volume/vol-0scratch"],
                }
            }
        },
    }
    b = BundleBuilder()
    pid = b.plan("org-baseline", [b.rule(RuleName="daily", TargetBackupVaultName="org-vault")])
    other = f"arn:aws:ec2:{R}:{A}:volume/vol-0other"
    b.selection(pid, "vols", resources=[VOLUMES, other], not_resources=[SCRATCH])
    assert _differences(b, tmp_path, policy) == [
        {"part": "selection vols: IAM role", "policy": None, "deployed": ROLE},
        {
            "part": "selection vols: resource types (Resources)",
            "policy": [VOLUMES],
            "deployed": [VOLUMES, other],
        },
    ]


def test_tag_values_without_a_tag_key_ask_for_no_tag(tmp_path: Path) -> None:
    """A deployed ``ListOfTags`` entry needs a ``ConditionKey`` (botocore's ``Condition`` shape
    requires it), so tag values without ``tag_key`` ask for no tag at all."""
    policy = {
        "rules": {"daily": _rule()},
        "selections": {
            "tags": {"t": {"iam_role_arn": ROLE, "tag_value": ["daily"], "resource_types": [VOLUMES]}}
        },
    }
    b = BundleBuilder()
    pid = b.plan(
        "org-baseline", [b.rule(RuleName="daily", TargetBackupVaultName="org-vault", DeleteAfterDays=7)]
    )
    b.selection(pid, "t", resources=[VOLUMES])
    assert _differences(b, tmp_path, policy) == [
        {"part": "rule daily: lifecycle delete after days", "policy": 35, "deployed": 7}
    ]


def test_values_read_unset_none_or_as_a_list() -> None:
    assert Difference("p", None, ["a", "b"]).text() == "p: policy unset, deployed [a, b]"
    assert Difference("p", [], 7).text() == "p: policy none, deployed 7"
