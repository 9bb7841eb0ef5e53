"""Typed rows of the inventory frames: one class per frame, fields = the frame's columns, in order.

Loaders build rows with keywords (``ResourceRow(arn=..., account_id=..., ..., engine=...)``); every
column that most kinds leave empty has a default. ``frames._Cols`` checks at start-up that a row's
fields are exactly its frame's ``*_COLUMNS`` contract.

Why ``NamedTuple`` rather than a (frozen, slotted) dataclass: a row *is* a tuple, so building the
frame transposes the rows with ``zip(*rows)`` at C speed, exactly as the positional tuples did;
construction is one generated ``__new__`` call. Measured on 1M resource rows (gc paused, this
2-core machine): positional tuples 0.4 s build + 0.4 s transpose; ``NamedTuple`` with keywords
0.75 s + 0.4 s; ``dataclass(slots=True)`` 0.65 s + 0.5-0.8 s (per-column ``attrgetter``);
``dataclass(frozen=True, slots=True)`` 2.2-2.9 s (``object.__setattr__`` per field) + 0.5 s, and
with ``dataclasses.astuple`` (which deep-copies) 35 s to transpose. mypy checks the keywords and
types of a ``NamedTuple`` as it does a dataclass's, and the rows are immutable.

Timestamps stay ISO 8601 strings here; ``frames`` parses each time column once, vectorised.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from auditor.model.shapes import NAN

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
