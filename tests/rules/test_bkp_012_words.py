"""BKP-012's words and details: the types (sorted, ``, ``), the size in GB (10^9 bytes, a missing
size adding nothing), the ARNs cut at ``max_listed_arns`` (mutation survivors)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def test_expired_points_of_two_types_in_one_vault(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    fs = b.efs("fs-0a")
    b.recovery_point(vol, "EBS", status="EXPIRED", size_bytes=1_050_000_000)
    b.recovery_point(fs, "EFS", status="EXPIRED", size_bytes=None)
    b.recovery_point(vol, "EBS", status="EXPIRED", size_bytes=0)
    settings = RuleSettings(max_listed_arns=2)
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-012", settings)
    assert finding.message.startswith(
        f"Backup vault Default (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) holds 3 recovery point(s) in "
        "status EXPIRED (EBS, EFS, 1.1 GB): AWS Backup could not delete them"
    )
    assert finding.details["resource_types"] == ["EBS", "EFS"]
    assert finding.details["backup_size_bytes"] == 1_050_000_000.0
    listed = finding.details["recovery_point_arns"]
    assert isinstance(listed, list) and len(listed) == 2
