"""The sentences of ``auditor.protection.own_backup``: what a resource's own service backs up."""

from __future__ import annotations

import math

import pytest

from auditor.protection.own_backup import own_backup, retention_text


@pytest.mark.parametrize(
    ("resource_type", "days", "text"),
    [
        ("RDS", 7, "Its RDS automated backups are on, kept 7 days (BackupRetentionPeriod)"),
        ("RDS", 1.0, "Its RDS automated backups are on, kept 1 days (BackupRetentionPeriod)"),
        ("RDS", 0, "Its RDS automated backups are off (BackupRetentionPeriod 0): nothing backs it up"),
        (
            "RDS",
            None,
            "Whether its RDS automated backups are on is unknown (BackupRetentionPeriod not in the listing)",
        ),
        (
            "RDS",
            math.nan,
            "Whether its RDS automated backups are on is unknown (BackupRetentionPeriod not in the listing)",
        ),
        (
            "RDS",
            True,
            "Whether its RDS automated backups are on is unknown (BackupRetentionPeriod not in the listing)",
        ),
        (
            "RDS",
            "x",
            "Whether its RDS automated backups are on is unknown (BackupRetentionPeriod not in the listing)",
        ),
        (
            "Redshift",
            "3",
            "Its Redshift automated snapshots are on, kept 3 days (AutomatedSnapshotRetentionPeriod)",
        ),
        # a type without a table entry reads as plain automated backups
        ("EC2", 2, "Its automated backups are on, kept 2 days (BackupRetentionPeriod)"),
        ("EC2", 0, "Its automated backups are off (BackupRetentionPeriod 0): nothing backs it up"),
    ],
)
def test_retention_text(resource_type: str, days: object, text: str) -> None:
    assert retention_text(resource_type, days) == text


def test_own_backup_reads_the_retention_or_the_collected_signal() -> None:
    assert (
        own_backup("FSx", 1, None) == "FSx automatic daily backups kept 1 days (AutomaticBackupRetentionDays)"
    )
    assert own_backup("Aurora", 0, "ignored: the retention decides") is None
    assert own_backup("Aurora", None, "ignored") is None
    assert own_backup("DynamoDB", None, "2 DynamoDB on-demand backup(s)") == "2 DynamoDB on-demand backup(s)"
    assert own_backup("DynamoDB", None, "") is None
    assert own_backup("EBS", None, math.nan) is None
