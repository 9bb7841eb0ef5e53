"""BKP-031's words for recovery points without ``ResourceType`` (optional in the listing) and
its ARNs cut at ``max_listed_arns`` (mutation survivors of its ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def test_points_without_a_resource_type_and_the_listed_arns(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    for _ in range(3):
        b.recovery_point(vol, None, is_encrypted=False)
    settings = RuleSettings(max_listed_arns=2)
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-031", settings)
    assert finding.message.startswith(f"Resource {vol} (account ")
    assert finding.details["unencrypted_count"] == 3
    listed = finding.details["recovery_point_arns"]
    assert isinstance(listed, list) and len(listed) == 2
