"""AWS Backup: region settings, plans and selections, vaults, recovery points and jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditor.services.base import CallContext, Operation, Service

# -- declaration: operations and resource kinds -------------------------------------------------


def _jobs_since(context: CallContext) -> Sequence[Mapping[str, Any]]:
    """ListBackupJobs: the jobs created in the job window."""
    return ({"ByCreatedAfter": context.window_start},)


OPERATIONS: tuple[Operation, ...] = (
    Operation("backup", "DescribeRegionSettings"),
    Operation("backup", "ListBackupPlans", page_size=(1000, 1)),
    Operation(
        "backup",
        "GetBackupPlan",
        parent="backup.ListBackupPlans",
        items="BackupPlansList",
        item_params={"BackupPlanId": "{item[BackupPlanId]}"},
    ),
    Operation(
        "backup",
        "ListBackupSelections",
        parent="backup.ListBackupPlans",
        items="BackupPlansList",
        item_params={"BackupPlanId": "{item[BackupPlanId]}"},
        page_size=(1000, 1),
    ),
    Operation(
        "backup",
        "GetBackupSelection",
        parent="backup.ListBackupSelections",
        items="BackupSelectionsList",
        item_params={"BackupPlanId": "{params[BackupPlanId]}", "SelectionId": "{item[SelectionId]}"},
    ),
    Operation("backup", "ListBackupVaults", page_size=(1000, 1)),
    Operation(
        "backup",
        "GetBackupVaultAccessPolicy",
        parent="backup.ListBackupVaults",
        items="BackupVaultList",
        item_params={"BackupVaultName": "{item[BackupVaultName]}"},
        absent_codes=frozenset({"ResourceNotFoundException"}),
        doc="a vault without a policy: no call stored and no error",
    ),
    Operation(
        "backup",
        "ListRecoveryPointsByBackupVault",
        parent="backup.ListBackupVaults",
        items="BackupVaultList",
        item_params={"BackupVaultName": "{item[BackupVaultName]}"},
        page_size=(1000, 1),
    ),
    Operation(
        "backup",
        "ListBackupJobs",
        params=_jobs_since,
        page_size=(1000, 1),
        doc="`ByCreatedAfter`: the start of the job window (default: 14 days before the collection)",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


SERVICE = Service(name="backup", operations=OPERATIONS, loader=None)
