"""AWS Backup: region settings, plans and selections, vaults, recovery points and jobs."""

from __future__ import annotations

from auditor.services.base import Operation, Service

# -- declaration: operations and resource kinds -------------------------------------------------

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
    ),
    Operation(
        "backup",
        "ListRecoveryPointsByBackupVault",
        parent="backup.ListBackupVaults",
        items="BackupVaultList",
        item_params={"BackupVaultName": "{item[BackupVaultName]}"},
        page_size=(1000, 1),
    ),
    # ByCreatedAfter: the start of the job window (collected_at - job_window_days).
    Operation("backup", "ListBackupJobs", page_size=(1000, 1)),
)

# -- loader into frames -------------------------------------------------------------------------


SERVICE = Service(name="backup", operations=OPERATIONS, loader=None)
