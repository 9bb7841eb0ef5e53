"""BKP-013: every Recycle Bin rule holding AWS Backup artefacts is reported, whatever rules come
before it, with its lock state and, when the bundle has one, its status (mutation survivors of its
``evaluate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.evidence import Call, read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-013")


def _listed(identifier: str, days: int = 7, **extra: Any) -> dict[str, Any]:
    """A ``RuleSummary`` of rbin ListRules (``extra``: more members)."""
    return {
        "Identifier": identifier,
        "RetentionPeriod": {"RetentionPeriodValue": days, "RetentionPeriodUnit": "DAYS"},
        "RuleArn": f"arn:aws:rbin:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:rule/{identifier}",
        **extra,
    }


def test_a_rule_holding_nothing_does_not_stop_the_rules_after_it(tmp_path: Path) -> None:
    """The AMI rule, listed first, holds nothing (no EC2 recovery point here); the snapshot rule
    after it holds the EBS one."""
    b = BundleBuilder()
    b.recovery_point(b.ebs_volume("vol-0a"), "EBS")
    b.raw_calls(
        "rbin",
        "ListRules",
        [
            Call({"ResourceType": "EC2_IMAGE"}, {"Rules": [_listed("images")]}),
            Call({"ResourceType": "EBS_SNAPSHOT"}, {"Rules": [_listed("snapshots")]}),
        ],
    )
    (finding,) = _found(b, tmp_path)
    assert finding.details["rule_identifier"] == "snapshots"
    assert finding.details["recovery_points"] == {"EBS": 1}


def test_the_lock_state_and_a_status_are_reported(tmp_path: Path) -> None:
    """``LockState`` is in ListRules' ``RuleSummary``; a ``Status`` member, when the bundle's
    response carries one, is read too and named in the message."""
    b = BundleBuilder()
    rule = _listed("snapshots", 30, LockState="locked", Status="available")
    b.raw_calls("rbin", "ListRules", [Call({"ResourceType": "EBS_SNAPSHOT"}, {"Rules": [rule]})])
    b.recovery_point(b.ebs_volume("vol-0a"), "EBS")
    (finding,) = _found(b, tmp_path)
    assert finding.details["lock_state"] == "locked"
    assert finding.details["status"] == "available"
    assert finding.message.startswith(
        f"Recycle Bin rule snapshots (EBS_SNAPSHOT, retention 30 days, available) in account {DEFAULT_ACCOUNT}, "
        f"{DEFAULT_REGION} will keep"
    )
