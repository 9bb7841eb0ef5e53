"""What BKP-002 (and BKP-017) share as unprotected (``auditor.rules._own_backup.unprotected``): an
S3 bucket without versioning that no selection selects is unprotected like any other resource;
one a selection selects is BKP-015's, and a resource AWS Backup cannot protect for another reason
(RDS Custom: BKP-007) is not BKP-002's, not even without automated backups (mutation survivors)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def test_an_unselected_bucket_without_versioning_is_unprotected_and_others_unsupported_are_not(
    tmp_path: Path,
) -> None:
    b = BundleBuilder()
    bare = b.s3_bucket("a-suspended", versioning="Suspended")
    selected = b.s3_bucket("b-suspended-selected", versioning="Suspended")
    b.rds_instance("custom", engine="custom-oracle-ee", backup_retention=0)
    kept = b.s3_bucket("c-versioned", versioning="Enabled")
    b.selection(b.plan("daily"), "by-arn", resources=[selected, kept])
    findings = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-002")
    assert [f.resource_arn for f in findings] == [bare]
