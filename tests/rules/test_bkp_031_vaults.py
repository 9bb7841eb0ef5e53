"""BKP-031 names every vault holding a resource's unencrypted recovery points, sorted and joined
with ", " (mutation survivor of its ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def test_the_vaults_of_the_unencrypted_points_are_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    for vault in ("zeta", "alpha", "zeta"):
        b.recovery_point(fs, "EFS", vault=vault, is_encrypted=False)
    b.recovery_point(fs, "EFS", vault="encrypted")
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-031")
    assert finding.message == (
        f"EFS {fs} (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) has 3 recovery point(s) that are not "
        "encrypted (vault(s) alpha, zeta)."
    )
    assert finding.details["vault_names"] == ["alpha", "zeta"]
