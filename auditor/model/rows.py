"""Typed rows of the inventory frames: one class per frame, fields = the frame's columns, in order.

Loaders build rows with keywords (``ResourceRow(arn=..., account_id=..., ..., engine=...)``); every
column that most kinds leave empty has a default. ``frames._Cols`` checks at start-up that a row's
fields are exactly its frame's ``*_COLUMNS`` contract.

Why ``NamedTuple`` rather than a (frozen, slotted) dataclass: a row *is* a tuple, so a sink
transposes its rows into columns with ``zip(*rows)`` at C speed, as the positional tuples did, and
mypy checks the fields of a ``NamedTuple`` as it does a dataclass's; rows are immutable. Loaders
build rows through the lower-case constructors below (``resource_row(arn=..., ...)``): each has
the class's exact signature and returns an instance of the class, but is a plain function, so a
keyword call skips the class-call machinery. Measured per row with 14 keywords (this 2-core
machine, loaded): positional tuple ``add(src, *values)`` 0.26 us, constructor 0.29 us,
``RecoveryPointRow(...)`` 0.78 us, ``dataclass(slots=True)`` 0.75 us; ``dataclass(frozen=True)``
is slower still (``object.__setattr__`` per field), and ``dataclasses.astuple`` (a deep copy) took
35 s to transpose a million rows.

Timestamps stay ISO 8601 strings here; ``frames`` parses each time column once, vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, ParamSpec, TypeVar

from auditor.model.shapes import NAN

P = ParamSpec("P")
T = TypeVar("T", bound=tuple[Any, ...])

#: One tag condition of a selection: (operator, key, value).
Condition = tuple[str, str, str]


class AccountRow(NamedTuple):
    account_id: str
    name: str | None
    status: str | None


class AccountRegionRow(NamedTuple):
    account_id: str
    region: str


class CoverageRow(NamedTuple):
    account_id: str
    region: str
    operation: str
    collected: bool
    error_code: str | None = None
    error_message: str | None = None


class SettingRow(NamedTuple):
    """A ``DescribeRegionSettings`` preference (opt-in or full management) of one resource type."""

    account_id: str
    region: str
    resource_type: str
    enabled: bool


class PlanRow(NamedTuple):
    account_id: str
    region: str
    plan_id: str
    plan_name: str
    plan_arn: str | None = None
    version_id: str | None = None
    creation_date: str | None = None
    """ISO 8601 (``ListBackupPlans`` ``CreationDate``)."""


class PlanRuleRow(NamedTuple):
    account_id: str
    region: str
    plan_id: str
    plan_name: str
    rule_id: str | None
    rule_name: str
    schedule: str | None = None
    target_vault: str | None = None
    delete_after_days: float = NAN
    move_to_cold_after_days: float = NAN
    start_window_minutes: float = NAN
    completion_window_minutes: float = NAN
    copy_actions: tuple[dict[str, Any], ...] = ()
    """``{"destination_vault_arn", "delete_after_days", "move_to_cold_after_days"}`` per copy."""
    continuous_backup: bool = False
    """``EnableContinuousBackup``: the rule keeps continuous backups (point-in-time restore)."""


class SelectionRow(NamedTuple):
    account_id: str
    region: str
    plan_id: str
    plan_name: str
    selection_id: str
    selection_name: str
    iam_role_arn: str | None = None
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    list_of_tags: tuple[Condition, ...] = ()
    conditions: tuple[Condition, ...] = ()
    creation_date: str | None = None
    """When the selection was created (``GetBackupSelection``): a job older than it was not
    decided by it (BKP-091)."""


class VaultRow(NamedTuple):
    account_id: str
    region: str
    vault_name: str
    vault_arn: str | None = None
    encryption_key_arn: str | None = None
    locked: bool = False
    min_retention_days: float = NAN
    max_retention_days: float = NAN
    recovery_points: float = NAN
    access_policy: str | None = None
    # -- copies and air-gapped vaults (BKP-036/037/039)
    vault_type: str | None = None
    """``VaultType``: BACKUP_VAULT, LOGICALLY_AIR_GAPPED_BACKUP_VAULT, RESTORE_ACCESS_BACKUP_VAULT."""


class RecoveryPointRow(NamedTuple):
    account_id: str
    region: str
    vault_name: str | None
    recovery_point_arn: str
    resource_arn: str | None = None
    resource_type: str | None = None
    status: str | None = None
    creation_date: str | None = None
    completion_date: str | None = None
    backup_size_bytes: float = NAN
    delete_after_days: float = NAN
    calculated_delete_at: str | None = None
    is_encrypted: bool = False
    plan_id: str | None = None
    plan_version: str | None = None
    """``CreatedBy.BackupPlanVersion`` (BKP-091)."""
    rule_id: str | None = None
    """``CreatedBy.BackupRuleId`` (BKP-091)."""


class JobRow(NamedTuple):
    account_id: str
    region: str
    job_id: str
    resource_arn: str | None = None
    resource_type: str | None = None
    state: str | None = None
    status_message: str | None = None
    creation_date: str | None = None
    completion_date: str | None = None
    plan_id: str | None = None
    vault_name: str | None = None
    plan_version: str | None = None
    """``CreatedBy.BackupPlanVersion`` (BKP-091)."""
    rule_id: str | None = None
    """``CreatedBy.BackupRuleId`` (BKP-091)."""


# -- copies (BKP-022/036/037) ----------------------------------------------------------------


class CopyJobRow(NamedTuple):
    """A copy job listed in its source account-region (``backup.ListCopyJobs``)."""

    account_id: str
    region: str
    job_id: str
    resource_arn: str | None = None
    resource_type: str | None = None
    state: str | None = None
    status_message: str | None = None
    creation_date: str | None = None
    completion_date: str | None = None
    source_vault_arn: str | None = None
    destination_vault_arn: str | None = None
    destination_recovery_point_arn: str | None = None
    plan_id: str | None = None


class GlobalSettingRow(NamedTuple):
    """One flag of ``backup.DescribeGlobalSettings`` (organization level, the calling account)."""

    account_id: str | None
    setting: str
    value: str


class ResourceRow(NamedTuple):
    """A resource AWS Backup can protect (``docs/architecture.md`` describes each column)."""

    arn: str
    account_id: str
    region: str
    resource_type: str
    service: str
    name: str | None
    tags: dict[str, str]
    engine: str | None = None
    rds_custom: bool = False
    on_outposts: bool = False
    backup_retention_days: float = NAN
    cluster_arn: str | None = None
    parent_arn: str | None = None
    parent_tags: dict[str, str] | None = None
    fsx_kind: str | None = None
    attached_instances: tuple[str, ...] = ()
    versioning: str | None = None
    noncurrent_expiration_days: float = NAN
    stacks: tuple[str, ...] = ()
    """ARNs of the CloudFormation stacks the resource is part of (filled from
    :class:`StackMemberRow` rows when the frame is built; loaders leave it empty)."""
    # -- backups made outside AWS Backup (BKP-017) --
    own_backup: str | None = None
    """What says the resource's own service backs it up outside AWS Backup (DynamoDB point-in-time
    recovery or on-demand backups, an EBS volume targeted by a Data Lifecycle Manager policy);
    None: no such signal read. RDS, Redshift and FSx use ``backup_retention_days`` instead."""
    created: str | None = None
    """When the resource was created, where its listing says (EBS ``CreateTime``, EFS
    ``CreationTime``, an EC2 instance's earliest block device ``AttachTime``: its ``LaunchTime``
    changes at every start); None: not known. BKP-091 reads it."""


class StackMemberRow(NamedTuple):
    """A supported resource of a CloudFormation stack (``ListStackResources``): AWS Backup backs
    it up with the stack."""

    arn: str
    account_id: str
    region: str
    stack_arn: str


class ClusterMemberRow(NamedTuple):
    """A DB instance of a cluster: protected through its cluster, not a resource of its own."""

    arn: str
    account_id: str
    region: str
    cluster_arn: str


class RbinRuleRow(NamedTuple):
    account_id: str
    region: str
    identifier: str
    resource_type: str | None
    retention_days: float = NAN
    status: str | None = None
    lock_state: str | None = None


class PolicyRow(NamedTuple):
    """An account's effective AWS Organizations backup policy (the parsed JSON document)."""

    account_id: str
    policy: dict[str, Any]


class AccountOuRow(NamedTuple):
    """Where an account sits in the organization's tree (``organizations.ListAccountsForParent``)."""

    account_id: str
    ou_id: str
    """Its parent: an organizational unit id, or the root id for an account under the root."""
    ou_path: str
    """Names from the root down, ``/``-separated (``Root/Workloads/Production``)."""
    ou_ids: tuple[str, ...]
    """Ids from the root down to ``ou_id``."""


# -- restore jobs, restore testing selections, protected resources (BKP-023 / BKP-034 / BKP-038) --


class RestoreJobRow(NamedTuple):
    """A restore job (``ListRestoreJobs``); ``resource_arn`` is the job's ``SourceResourceArn``."""

    account_id: str
    region: str
    job_id: str
    resource_arn: str | None = None
    resource_type: str | None = None
    status: str | None = None
    status_message: str | None = None
    creation_date: str | None = None
    completion_date: str | None = None
    recovery_point_arn: str | None = None
    created_resource_arn: str | None = None
    restore_testing_plan_arn: str | None = None
    """``CreatedBy.RestoreTestingPlanArn``: set when a restore testing plan started the job."""


class RestoreSelectionRow(NamedTuple):
    """A restore testing selection (``GetRestoreTestingSelection``)."""

    account_id: str
    region: str
    plan_name: str
    selection_name: str
    resource_type: str | None = None
    """``ProtectedResourceType`` (an AWS Backup resource type such as ``EBS``)."""
    resource_arns: tuple[str, ...] = ()
    """``ProtectedResourceArns``: ARNs, or ``*`` for every resource of the type."""
    conditions: tuple[Condition, ...] = ()
    """``ProtectedResourceConditions``: (``StringEquals`` / ``StringNotEquals``, key, value)."""
    iam_role_arn: str | None = None


class ProtectedResourceRow(NamedTuple):
    """A resource AWS Backup lists as protected (``ListProtectedResources``: it has a recovery
    point), with the latest restore of ``DescribeProtectedResource`` where that was called."""

    account_id: str
    region: str
    arn: str
    resource_type: str | None = None
    last_backup_time: str | None = None
    last_backup_vault_arn: str | None = None
    latest_restore_minutes: float = NAN
    """``LatestRestoreExecutionTimeMinutes`` (NaN: not described, or never restored)."""
    latest_restore_job_date: str | None = None
    described: bool = False
    """Whether ``DescribeProtectedResource`` was called for it."""


class PolicyValidationRow(NamedTuple):
    """A validation error of an account's effective backup policy as AWS Organizations reports it
    (``ListEffectivePolicyValidationErrors``), or an account it lists as invalid
    (``ListAccountsWithInvalidEffectivePolicy``) whose errors were not read (error fields None)."""

    account_id: str
    account_name: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    path_to_error: str | None = None
    contributing_policies: tuple[str, ...] = ()
    listed_invalid: bool = True
    """Whether ``ListAccountsWithInvalidEffectivePolicy`` lists the account."""


def _constructor(cls: Callable[P, T]) -> Callable[P, T]:
    """A function with ``cls``'s signature returning ``cls`` instances, without the class call.

    Generated as ``collections.namedtuple`` generates ``__new__``: the field names are this
    module's own identifiers.
    """
    fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
    name = f"{cls.__name__}_new"
    args = ", ".join(fields)
    namespace: dict[str, Any] = {"_new": tuple.__new__, "_cls": cls}
    exec(f"def {name}({args}):\n    return _new(_cls, ({args},))", namespace)
    fn: Callable[P, T] = namespace[name]
    fn.__defaults__ = tuple(cls._field_defaults.values())  # type: ignore[attr-defined]
    fn.__doc__ = f"A :class:`{cls.__name__}` (keyword or positional arguments, as the class)."
    return fn


account_row = _constructor(AccountRow)
account_region_row = _constructor(AccountRegionRow)
coverage_row = _constructor(CoverageRow)
setting_row = _constructor(SettingRow)
plan_row = _constructor(PlanRow)
plan_rule_row = _constructor(PlanRuleRow)
selection_row = _constructor(SelectionRow)
vault_row = _constructor(VaultRow)
recovery_point_row = _constructor(RecoveryPointRow)
job_row = _constructor(JobRow)
resource_row = _constructor(ResourceRow)
cluster_member_row = _constructor(ClusterMemberRow)
stack_member_row = _constructor(StackMemberRow)
rbin_rule_row = _constructor(RbinRuleRow)
policy_row = _constructor(PolicyRow)
account_ou_row = _constructor(AccountOuRow)
policy_validation_row = _constructor(PolicyValidationRow)
copy_job_row = _constructor(CopyJobRow)
global_setting_row = _constructor(GlobalSettingRow)
# restore jobs, restore testing selections, protected resources
restore_job_row = _constructor(RestoreJobRow)
restore_selection_row = _constructor(RestoreSelectionRow)
protected_resource_row = _constructor(ProtectedResourceRow)
