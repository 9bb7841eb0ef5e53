"""BKP-016 judges protected S3 buckets only, each one (a bucket with a noncurrent-version rule
does not stop the next): mutation survivors of its ``evaluate``."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def test_only_protected_buckets_without_a_noncurrent_rule_are_reported(tmp_path: Path) -> None:
    b = BundleBuilder()
    kept = b.s3_bucket("a-kept", versioning="Enabled", noncurrent_days=30)
    bare = b.s3_bucket("b-bare", versioning="Enabled", noncurrent_days=None)
    b.s3_bucket("c-unprotected", versioning="Enabled", noncurrent_days=None)
    fs = b.efs("fs-0a")
    b.selection(b.plan("daily"), "by-arn", resources=[kept, bare, fs])
    findings = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-016")
    assert [f.resource_arn for f in findings] == [bare]
