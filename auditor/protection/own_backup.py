"""Backups a resource's own service makes outside AWS Backup (BKP-017, BKP-002, BKP-007/008, explain).

The AWS Backup guide ("How AWS Backup works with supported AWS services") notes that the backups
other AWS services create are not available for central governance through AWS Backup: no vault
lock, no cross-account copy, no organization backup policy applies to them. A resource no
selection protects but whose service backs it up is still recoverable, so it is reported as
BKP-017 (medium) rather than BKP-002 (high). The signals, per AWS Backup resource type:

* RDS, Aurora, Neptune, DocumentDB: ``BackupRetentionPeriod`` > 0 (automated backups;
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupRetention.html,
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html);
* Redshift: ``AutomatedSnapshotRetentionPeriod`` > 0
  (https://docs.aws.amazon.com/redshift/latest/APIReference/API_Cluster.html);
* FSx: ``AutomaticBackupRetentionDays`` > 0 of the file system (an ONTAP volume: of its file
  system; https://docs.aws.amazon.com/fsx/latest/APIReference/API_FileSystem.html);
* DynamoDB: point-in-time recovery ``ENABLED`` (DescribeContinuousBackups) or on-demand backups
  (ListBackups, ``BackupType`` ``USER``;
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListBackups.html);
* EBS: a Data Lifecycle Manager snapshot policy targets the volume (:mod:`auditor.services.dlm`).

EFS automatic backups are made *by AWS Backup* (default plan ``aws/efs/automatic-backup-plan``):
they count as AWS Backup protection through that plan's selection, never as a signal here
(``docs/semantics-review.md``, "Backups made outside AWS Backup").

The first four types carry their signal in the listing every bundle has; DynamoDB and EBS need
operations of bundle version 3 (:data:`SIGNAL_OPERATIONS`): where those were not collected the
signal is unknown, and an unprotected resource stays BKP-002, saying so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

SIGNAL_OPERATIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "DynamoDB": ("dynamodb.DescribeContinuousBackups", "dynamodb.ListBackups"),
    "EBS": ("dlm.GetLifecyclePolicies", "dlm.GetLifecyclePolicy"),
}
"""Resource type -> the operations its signal is read from, beyond its own listing."""

_RETENTION: Final[Mapping[str, tuple[str, str]]] = {
    "RDS": ("RDS automated backups", "BackupRetentionPeriod"),
    "Aurora": ("Aurora automated backups", "BackupRetentionPeriod"),
    "Neptune": ("Neptune automated backups", "BackupRetentionPeriod"),
    "DocumentDB": ("DocumentDB automated backups", "BackupRetentionPeriod"),
    "Redshift": ("Redshift automated snapshots", "AutomatedSnapshotRetentionPeriod"),
    "FSx": ("FSx automatic daily backups", "AutomaticBackupRetentionDays"),
}
"""Resource types whose signal is a retention period in their listing: (what, member)."""

SIGNAL_TYPES: Final = frozenset(_RETENTION) | frozenset(SIGNAL_OPERATIONS)
"""Resource types for which an own-service backup signal is read at all."""


def own_backup(resource_type: str, retention_days: Any, own: Any) -> str | None:
    """The own-service backup found for one resource (a sentence fragment), or None."""
    retention = _RETENTION.get(resource_type)
    if retention is not None:
        days = _number(retention_days)
        if days is not None and days > 0:
            return f"{retention[0]} kept {days:g} days ({retention[1]})"
        return None
    return own if isinstance(own, str) and own else None


def retention_text(resource_type: str, retention_days: Any) -> str:
    """For BKP-007/008: whether the instance's own automated backups are on."""
    days = _number(retention_days)
    what, member = _RETENTION.get(resource_type, ("automated backups", "BackupRetentionPeriod"))
    if days is None:
        return f"Whether its {what} are on is unknown ({member} not in the listing)"
    if days > 0:
        return f"Its {what} are on, kept {days:g} days ({member})"
    return f"Its {what} are off ({member} 0): nothing backs it up"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        days = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(days) else days


__all__ = ["SIGNAL_OPERATIONS", "SIGNAL_TYPES", "own_backup", "retention_text"]
