"""Sentences of ``auditor.protection.reasons`` that no scenario of the fast tests reaches."""

from __future__ import annotations

from auditor.protection.reasons import unsupported_text


def test_unsupported_text_says_why_and_what_protects_the_resource_instead() -> None:
    assert unsupported_text("rds-custom", "custom-oracle-ee") == (
        "RDS Custom (engine custom-oracle-ee) is not supported by AWS Backup: protect it with RDS Custom "
        "automated backups and snapshots"
    )
    assert unsupported_text("s3-versioning", None) == (
        "S3 bucket without versioning enabled: AWS Backup cannot back it up: enable versioning on the bucket"
    )
    assert unsupported_text("outposts", "mysql") == (
        "RDS on Outposts is not supported by AWS Backup: protect it with RDS automated backups / "
        "local snapshots on the Outpost"
    )
