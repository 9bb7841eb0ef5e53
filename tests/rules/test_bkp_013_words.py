"""BKP-013: a Recycle Bin rule of a type this version does not know holds nothing, and the types
a rule holds are joined with "and" (mutation survivors of its ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def test_an_unknown_type_holds_nothing_and_held_types_are_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.rbin_rule("EBS_VOLUME", identifier="volumes")  # a type Recycle Bin may add later: holds nothing
    b.rbin_rule("EBS_SNAPSHOT", identifier="snapshots")
    b.recovery_point(b.ebs_volume("vol-0a"), "EBS")
    b.recovery_point(b.ebs_volume("vol-0b"), "EBS")
    b.recovery_point("arn:aws:ec2:eu-west-1:111111111111:instance/i-0a", "EC2")
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-013")
    assert finding.details["rule_identifier"] == "snapshots"
    assert finding.details["recovery_points"] == {"EBS": 2, "EC2": 1}
    assert "when they are deleted (2 EBS and 1 EC2 recovery point(s) there)." in finding.message
