"""The one list of AWS API operations backup-auditor calls (evidence bundle v1).

Collectors, the coverage check of the evaluator ("which operations feed which rule") and the
IAM policy of the Lambda template are all derived from this table, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    ORGANIZATION = "organization"
    """Called once, as the management / delegated admin account."""
    REGIONAL = "regional"
    """Called in every audited account and region."""
    DISCOVERY = "discovery"
    """Called to find accounts, regions and credentials; not stored per account-region."""


@dataclass(frozen=True)
class Operation:
    service: str
    """boto3 client name."""
    name: str
    """Operation name as in botocore's service model."""
    scope: Scope
    iam_action: str
    """IAM action needed to call it."""
    per: str | None = None
    """What it is called once for (``plan``, ``selection``, ``vault``, ``table``); ``None`` = once."""
    required: bool = True
    """Whether an account-region lacking it is *partial* (not fully audited)."""

    @property
    def key(self) -> str:
        return f"{self.service}.{self.name}"


def _op(
    service: str, name: str, scope: Scope = Scope.REGIONAL, per: str | None = None, iam: str | None = None
) -> Operation:
    prefix = {"efs": "elasticfilesystem"}.get(service, service)
    return Operation(service, name, scope, iam or f"{prefix}:{name}", per)


REGIONAL_OPERATIONS: tuple[Operation, ...] = (
    _op("backup", "DescribeRegionSettings"),
    _op("backup", "ListBackupPlans"),
    _op("backup", "GetBackupPlan", per="plan"),
    _op("backup", "ListBackupSelections", per="plan"),
    _op("backup", "GetBackupSelection", per="selection"),
    _op("backup", "ListBackupVaults"),
    _op("backup", "GetBackupVaultAccessPolicy", per="vault"),
    _op("backup", "ListRecoveryPointsByBackupVault", per="vault"),
    _op("backup", "ListBackupJobs"),
    _op("rds", "DescribeDBInstances"),
    _op("rds", "DescribeDBClusters"),
    _op("dynamodb", "ListTables"),
    _op("dynamodb", "DescribeTable", per="table"),
    _op("dynamodb", "ListTagsOfResource", per="table"),
    _op("efs", "DescribeFileSystems"),
    _op("fsx", "DescribeFileSystems"),
    _op("fsx", "DescribeVolumes"),
    _op("ec2", "DescribeInstances"),
    _op("ec2", "DescribeVolumes"),
    _op("rbin", "ListRules"),
)

ORGANIZATION_OPERATIONS: tuple[Operation, ...] = (
    _op("organizations", "DescribeOrganization", Scope.ORGANIZATION),
    _op("organizations", "ListAccounts", Scope.ORGANIZATION),
    _op("organizations", "ListPolicies", Scope.ORGANIZATION),
    _op("organizations", "DescribeEffectivePolicy", Scope.ORGANIZATION, per="account"),
)

DISCOVERY_OPERATIONS: tuple[Operation, ...] = (
    _op("sts", "GetCallerIdentity", Scope.DISCOVERY),
    _op("sts", "AssumeRole", Scope.DISCOVERY),
    _op("ec2", "DescribeRegions", Scope.DISCOVERY),
)

ALL_OPERATIONS: tuple[Operation, ...] = REGIONAL_OPERATIONS + ORGANIZATION_OPERATIONS + DISCOVERY_OPERATIONS

# Per-item operations of a listed parent: when the parent listing is empty, the per-item file
# may legitimately be absent or hold no calls. The collector still writes an empty array so a
# reader can tell "collected, nothing there" from "not collected".


def regional_keys() -> tuple[str, ...]:
    """``service.Operation`` for every operation each audited account-region must have."""
    return tuple(op.key for op in REGIONAL_OPERATIONS if op.required)


def iam_actions(include_discovery: bool = True) -> tuple[str, ...]:
    """Sorted, de-duplicated IAM actions the collectors need (for policies and templates)."""
    ops = ALL_OPERATIONS if include_discovery else REGIONAL_OPERATIONS + ORGANIZATION_OPERATIONS
    actions = {op.iam_action for op in ops}
    # DescribeEffectivePolicy for BACKUP_POLICY and ListPolicies are organizations:* reads.
    return tuple(sorted(actions))
