"""AWS Backup: region settings, plans and selections, vaults, recovery points and jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from auditor.errors import BundleError
from auditor.evidence import Call
from auditor.model.loading import Context, RegionContext
from auditor.model.rows import (
    Condition,
    CopyJobRow,
    JobRow,
    ProtectedResourceRow,
    RecoveryPointRow,
    RestoreJobRow,
    global_setting_row,
    plan_row,
    plan_rule_row,
    protected_resource_row,
    restore_selection_row,
    selection_row,
    setting_row,
    vault_row,
)
from auditor.model.shapes import (
    BOOL,
    NUM,
    STR,
    ItemSpec,
    Member,
    ShapeError,
    as_obj,
    bool_of,
    list_of,
    num_of,
    obj_of,
    opt_num,
    opt_str,
    str_of,
    strs_of,
    type_name,
)
from auditor.services.base import CallContext, Operation, Scope, Service

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
    # -- copies and cross-account backup (BKP-022/036/037), bundle version 3
    Operation(
        "backup",
        "ListCopyJobs",
        params=_jobs_since,
        page_size=(1000, 1),
        since=3,
        required=False,
        doc="`ByCreatedAfter`: the start of the job window; copy jobs are listed in their source account",
    ),
    Operation(
        "backup",
        "DescribeGlobalSettings",
        Scope.ORGANIZATION,
        since=3,
        required=False,
        doc="the calling (management) account's `isCrossAccountBackupEnabled`; called only when the "
        "organization was described",
    ),
    # -- restore jobs, restore testing, protected resources, Audit Manager (bundle v3, optional) --
    Operation(
        "backup",
        "ListRestoreJobs",
        params=_jobs_since,
        page_size=(1000, 1),
        since=3,
        required=False,
        doc="`ByCreatedAfter`: the start of the job window, as ListBackupJobs",
    ),
    Operation("backup", "ListRestoreTestingPlans", page_size=(1000, 1), since=3, required=False),
    Operation(
        "backup",
        "ListRestoreTestingSelections",
        parent="backup.ListRestoreTestingPlans",
        items="RestoreTestingPlans",
        item_params={"RestoreTestingPlanName": "{item[RestoreTestingPlanName]}"},
        page_size=(1000, 1),
        since=3,
        required=False,
    ),
    Operation(
        "backup",
        "GetRestoreTestingSelection",
        parent="backup.ListRestoreTestingSelections",
        items="RestoreTestingSelections",
        item_params={
            "RestoreTestingPlanName": "{params[RestoreTestingPlanName]}",
            "RestoreTestingSelectionName": "{item[RestoreTestingSelectionName]}",
        },
        since=3,
        required=False,
    ),
    Operation("backup", "ListProtectedResources", page_size=(1000, 1), since=3, required=False),
    Operation(
        "backup",
        "DescribeProtectedResource",
        parent="backup.ListRestoreJobs",
        items="RestoreJobs",
        item_when="CreatedBy.RestoreTestingPlanArn",
        item_params={"ResourceArn": "{item[SourceResourceArn]}"},
        absent_codes=frozenset({"ResourceNotFoundException"}),
        since=3,
        required=False,
        doc="once per source resource of the restore jobs a restore testing plan started "
        "(`CreatedBy.RestoreTestingPlanArn`) in the job window",
    ),
    Operation(
        "backup",
        "ListFrameworks",
        params=({"MaxResults": 1000},),
        since=3,
        required=False,
        doc="`MaxResults` 1000 (botocore has no paginator for it)",
    ),
    Operation(
        "backup",
        "DescribeFramework",
        parent="backup.ListFrameworks",
        items="Frameworks",
        item_params={"FrameworkName": "{item[FrameworkName]}"},
        since=3,
        required=False,
    ),
    Operation(
        "backup",
        "ListReportPlans",
        params=({"MaxResults": 1000},),
        since=3,
        required=False,
        doc="`MaxResults` 1000 (botocore has no paginator for it)",
    ),
)

# -- bulk items: each member of an item's row, in the order the checked reading reads them ------

_BY = "CreatedBy"

RECOVERY_POINTS = ItemSpec(
    "RecoveryPoints",
    RecoveryPointRow,
    (
        Member("vault_name", "BackupVaultName", or_default=True),
        Member("recovery_point_arn", "RecoveryPointArn", STR),
        Member("resource_arn", "ResourceArn"),
        Member("resource_type", "ResourceType"),
        Member("status", "Status"),
        Member("creation_date", "CreationDate"),
        Member("completion_date", "CompletionDate"),
        Member("backup_size_bytes", "BackupSizeInBytes", NUM),
        Member("delete_after_days", "DeleteAfterDays", NUM, inside="Lifecycle"),
        Member("calculated_delete_at", "DeleteAt", inside="CalculatedLifecycle"),
        Member("is_encrypted", "IsEncrypted", BOOL),
        Member("plan_id", "BackupPlanId", inside=_BY),
        Member("plan_version", "BackupPlanVersion", inside=_BY),
        Member("rule_id", "BackupRuleId", inside=_BY),
    ),
)
"""``ListRecoveryPointsByBackupVault``: a recovery point without ``BackupVaultName`` is in the vault
its call names."""

_JOB_MEMBERS = (
    Member("resource_arn", "ResourceArn"),
    Member("resource_type", "ResourceType"),
    Member("state", "State"),
    Member("status_message", "StatusMessage"),
    Member("creation_date", "CreationDate"),
    Member("completion_date", "CompletionDate"),
)
BACKUP_JOBS = ItemSpec(
    "BackupJobs",
    JobRow,
    (
        Member("job_id", "BackupJobId", STR),
        *_JOB_MEMBERS,
        Member("plan_id", "BackupPlanId", inside=_BY),
        Member("vault_name", "BackupVaultName"),
        Member("plan_version", "BackupPlanVersion", inside=_BY),
        Member("rule_id", "BackupRuleId", inside=_BY),
    ),
)
"""``ListBackupJobs``."""
COPY_JOBS = ItemSpec(
    "CopyJobs",
    CopyJobRow,
    (
        Member("job_id", "CopyJobId", STR),
        *_JOB_MEMBERS,
        Member("source_vault_arn", "SourceBackupVaultArn"),
        Member("destination_vault_arn", "DestinationBackupVaultArn"),
        Member("destination_recovery_point_arn", "DestinationRecoveryPointArn"),
        Member("plan_id", "BackupPlanId", inside=_BY),
    ),
)
"""``ListCopyJobs``."""
RESTORE_JOBS = ItemSpec(
    "RestoreJobs",
    RestoreJobRow,
    (
        Member("restore_testing_plan_arn", "RestoreTestingPlanArn", inside=_BY),
        Member("resource_arn", "SourceResourceArn"),
        Member("job_id", "RestoreJobId", STR),
        Member("resource_type", "ResourceType"),
        Member("status", "Status"),
        Member("status_message", "StatusMessage"),
        Member("creation_date", "CreationDate"),
        Member("completion_date", "CompletionDate"),
        Member("recovery_point_arn", "RecoveryPointArn"),
        Member("created_resource_arn", "CreatedResourceArn"),
    ),
)
"""``ListRestoreJobs``: ``resource_arn`` is the job's ``SourceResourceArn``."""
_TESTING_PLAN = RestoreJobRow._fields.index("restore_testing_plan_arn")
_SOURCE = RestoreJobRow._fields.index("resource_arn")
PROTECTED_RESOURCES = ItemSpec(
    "Results",
    ProtectedResourceRow,
    (
        Member("arn", "ResourceArn", STR),
        Member("resource_type", "ResourceType"),
        Member("last_backup_time", "LastBackupTime"),
        Member("last_backup_vault_arn", "LastBackupVaultArn"),
    ),
    named=True,
)
"""``ListProtectedResources`` (rows named: ``DescribeProtectedResource`` may replace them)."""
BULK_ITEMS: tuple[ItemSpec, ...] = (
    RECOVERY_POINTS,
    BACKUP_JOBS,
    COPY_JOBS,
    RESTORE_JOBS,
    PROTECTED_RESOURCES,
)


# -- loader into frames -------------------------------------------------------------------------

#: Tag-condition operators of a selection's ``Conditions`` member, in the order rows list them.
CONDITION_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")


@dataclass
class _Seen:
    """What the backup operations of one account-region pass on to later ones."""

    plan_names: dict[str, str] = field(default_factory=dict)
    plans: int = 0
    plans_with_selections: set[str] = field(default_factory=set)
    listed_selections: set[tuple[str, str]] = field(default_factory=set)
    fetched_selections: set[tuple[str, str]] = field(default_factory=set)
    vaults: list[tuple[int, Any, str]] = field(default_factory=list)
    """``(src, listed vault, member path)``: rows are made once the access policies are read."""
    vault_policies: dict[str, str] = field(default_factory=dict)


def load(ctx: RegionContext) -> None:
    """Region settings, plans and their rules, selections, vaults, recovery points and jobs."""
    ctx.each("backup.DescribeRegionSettings", _region_settings)
    seen = ctx.state(_Seen)
    if ctx.each("backup.ListBackupPlans", _list_plans):
        ctx.listed("backup.ListBackupPlans", seen.plans)
    ctx.each("backup.GetBackupPlan", _get_plan)
    if ctx.each("backup.ListBackupSelections", _list_selections):
        ctx.listed("backup.ListBackupSelections", len(seen.listed_selections))
        unlisted = sorted(set(seen.plan_names) - seen.plans_with_selections)
        if unlisted:
            ctx.incomplete(
                "backup.ListBackupSelections",
                f"no ListBackupSelections call for {len(unlisted)} listed plan(s), e.g. {unlisted[0]}",
            )
    if ctx.each("backup.GetBackupSelection", _get_selection):
        unfetched = sorted(seen.listed_selections - seen.fetched_selections)
        if unfetched:
            ctx.incomplete(
                "backup.GetBackupSelection",
                f"no GetBackupSelection call for {len(unfetched)} listed selection(s), "
                f"e.g. {unfetched[0][1]} of plan {unfetched[0][0]}",
            )
    if ctx.each("backup.ListBackupVaults", _list_vaults):
        ctx.listed("backup.ListBackupVaults", len(seen.vaults))
    ctx.each("backup.GetBackupVaultAccessPolicy", _vault_policy)
    _add_vaults(ctx, seen)
    ctx.each("backup.ListRecoveryPointsByBackupVault", _recovery_points)
    ctx.each("backup.ListBackupJobs", _jobs)
    ctx.each("backup.ListCopyJobs", _copy_jobs)
    _load_restore_and_audit(ctx)


def _region_settings(ctx: RegionContext, src: int, call: Call) -> None:
    for member, sink in (
        ("ResourceTypeOptInPreference", ctx.out.opt_in),
        ("ResourceTypeManagementPreference", ctx.out.management),
    ):
        for t, enabled in obj_of(call.response, member, "").items():
            if not isinstance(enabled, bool):
                raise ShapeError(f"member '{member}.{t}' must be a boolean, found {type_name(enabled)}")
            sink.add(src, setting_row(ctx.account, ctx.region, t, enabled))


def _list_plans(ctx: RegionContext, src: int, call: Call) -> None:
    seen = ctx.state(_Seen)
    for j, p in enumerate(list_of(call.response, "BackupPlansList", "")):
        w = f"BackupPlansList[{j}]."
        p = as_obj(p, w)
        pid = str_of(p, "BackupPlanId", w)
        name = opt_str(p, "BackupPlanName", w) or pid
        seen.plan_names[pid] = name
        seen.plans += 1
        row = plan_row(
            account_id=ctx.account,
            region=ctx.region,
            plan_id=pid,
            plan_name=name,
            plan_arn=opt_str(p, "BackupPlanArn", w),
            version_id=opt_str(p, "VersionId", w),
            creation_date=opt_str(p, "CreationDate", w),
        )
        ctx.out.plans.add(src, row)


def _get_plan(ctx: RegionContext, src: int, call: Call) -> None:
    resp = call.response
    pid = opt_str(resp, "BackupPlanId", "") or opt_str(call.params, "BackupPlanId", "params.")
    if pid is None:
        raise ShapeError("no BackupPlanId in params or response")
    body = obj_of(resp, "BackupPlan", "")
    name = opt_str(body, "BackupPlanName", "BackupPlan.") or ctx.state(_Seen).plan_names.get(pid, pid)
    for j, rule in enumerate(list_of(body, "Rules", "BackupPlan.")):
        w = f"BackupPlan.Rules[{j}]."
        rule = as_obj(rule, w)
        life = obj_of(rule, "Lifecycle", w)
        copies = _copy_actions(rule, w)
        row = plan_rule_row(
            account_id=ctx.account,
            region=ctx.region,
            plan_id=pid,
            plan_name=name,
            rule_id=opt_str(rule, "RuleId", w),
            rule_name=str_of(rule, "RuleName", w),
            schedule=opt_str(rule, "ScheduleExpression", w),
            target_vault=opt_str(rule, "TargetBackupVaultName", w),
            delete_after_days=num_of(life, "DeleteAfterDays", w + "Lifecycle."),
            move_to_cold_after_days=num_of(life, "MoveToColdStorageAfterDays", w + "Lifecycle."),
            start_window_minutes=num_of(rule, "StartWindowMinutes", w),
            completion_window_minutes=num_of(rule, "CompletionWindowMinutes", w),
            copy_actions=copies,
            continuous_backup=bool_of(rule, "EnableContinuousBackup", w),
        )
        ctx.out.plan_rules.add(src, row)


def _copy_actions(rule: Any, w: str) -> tuple[dict[str, Any], ...]:
    copies = []
    for k, ca in enumerate(list_of(rule, "CopyActions", w)):
        cw = f"{w}CopyActions[{k}]."
        ca = as_obj(ca, cw)
        clife = obj_of(ca, "Lifecycle", cw)
        copies.append(
            {
                "destination_vault_arn": str_of(ca, "DestinationBackupVaultArn", cw),
                "delete_after_days": opt_num(clife, "DeleteAfterDays", cw + "Lifecycle."),
                "move_to_cold_after_days": opt_num(clife, "MoveToColdStorageAfterDays", cw + "Lifecycle."),
            }
        )
    return tuple(copies)


def _list_selections(ctx: RegionContext, src: int, call: Call) -> None:
    seen = ctx.state(_Seen)
    param_pid = opt_str(call.params, "BackupPlanId", "params.")
    if param_pid is not None:
        seen.plans_with_selections.add(param_pid)
    for j, item in enumerate(list_of(call.response, "BackupSelectionsList", "")):
        w = f"BackupSelectionsList[{j}]."
        item = as_obj(item, w)
        pid = opt_str(item, "BackupPlanId", w) or param_pid
        if pid is None:
            raise ShapeError(f"'{w}BackupPlanId' missing and no BackupPlanId in params")
        seen.plans_with_selections.add(pid)
        seen.listed_selections.add((pid, str_of(item, "SelectionId", w)))


def _get_selection(ctx: RegionContext, src: int, call: Call) -> None:
    resp = call.response
    pid = opt_str(resp, "BackupPlanId", "") or opt_str(call.params, "BackupPlanId", "params.")
    sid = opt_str(resp, "SelectionId", "") or opt_str(call.params, "SelectionId", "params.")
    if pid is None or sid is None:
        raise ShapeError("no BackupPlanId / SelectionId in params or response")
    w = "BackupSelection."
    sel = obj_of(resp, "BackupSelection", "")
    list_of_tags = _list_of_tags(sel, w)
    conditions = _conditions(sel, w)
    seen = ctx.state(_Seen)
    seen.fetched_selections.add((pid, sid))
    row = selection_row(
        account_id=ctx.account,
        region=ctx.region,
        plan_id=pid,
        plan_name=seen.plan_names.get(pid, pid),
        selection_id=sid,
        selection_name=opt_str(sel, "SelectionName", w) or sid,
        iam_role_arn=opt_str(sel, "IamRoleArn", w),
        resources=strs_of(sel, "Resources", w),
        not_resources=strs_of(sel, "NotResources", w),
        list_of_tags=list_of_tags,
        conditions=conditions,
        creation_date=opt_str(resp, "CreationDate", ""),
    )
    ctx.out.selections.add(src, row)


def _list_of_tags(sel: Any, w: str) -> tuple[Condition, ...]:
    tags = []
    for j, t in enumerate(list_of(sel, "ListOfTags", w)):
        tw = f"{w}ListOfTags[{j}]."
        t = as_obj(t, tw)
        tags.append(
            (
                opt_str(t, "ConditionType", tw) or "STRINGEQUALS",
                str_of(t, "ConditionKey", tw),
                str_of(t, "ConditionValue", tw),
            )
        )
    return tuple(tags)


def _conditions(sel: Any, w: str) -> tuple[Condition, ...]:
    conds = []
    cobj = obj_of(sel, "Conditions", w)
    for op in CONDITION_OPERATORS:
        for j, c in enumerate(list_of(cobj, op, f"{w}Conditions.")):
            cw = f"{w}Conditions.{op}[{j}]."
            c = as_obj(c, cw)
            conds.append((op, str_of(c, "ConditionKey", cw), str_of(c, "ConditionValue", cw)))
    for op in cobj:
        if op not in CONDITION_OPERATORS:
            raise ShapeError(f"member '{w}Conditions.{op}' is not one of {', '.join(CONDITION_OPERATORS)}")
    return tuple(conds)


def _list_vaults(ctx: RegionContext, src: int, call: Call) -> None:
    vaults = ctx.state(_Seen).vaults
    for j, v in enumerate(list_of(call.response, "BackupVaultList", "")):
        w = f"BackupVaultList[{j}]."
        vaults.append((src, as_obj(v, w), w))


def _vault_policy(ctx: RegionContext, src: int, call: Call) -> None:
    name = opt_str(call.response, "BackupVaultName", "") or opt_str(call.params, "BackupVaultName", "params.")
    policy = opt_str(call.response, "Policy", "")
    if name is not None and policy is not None:
        ctx.state(_Seen).vault_policies[name] = policy


def _add_vaults(ctx: RegionContext, seen: _Seen) -> None:
    for src, v, w in seen.vaults:
        try:
            name = str_of(v, "BackupVaultName", w)
            row = vault_row(
                account_id=ctx.account,
                region=ctx.region,
                vault_name=name,
                vault_arn=opt_str(v, "BackupVaultArn", w),
                encryption_key_arn=opt_str(v, "EncryptionKeyArn", w),
                locked=bool_of(v, "Locked", w),
                min_retention_days=num_of(v, "MinRetentionDays", w),
                max_retention_days=num_of(v, "MaxRetentionDays", w),
                recovery_points=num_of(v, "NumberOfRecoveryPoints", w),
                access_policy=seen.vault_policies.get(name),
                vault_type=opt_str(v, "VaultType", w),
            )
        except ShapeError as exc:
            raise BundleError(ctx.file(src), str(exc)) from None
        ctx.out.vaults.add(src, row)


def _recovery_points(ctx: RegionContext, src: int, call: Call) -> None:
    default_vault = opt_str(call.params, "BackupVaultName", "params.")
    items = list_of(call.response, "RecoveryPoints", "")
    ctx.out.recovery_points.read(src, RECOVERY_POINTS, items, (ctx.account, ctx.region), default_vault)


def _jobs(ctx: RegionContext, src: int, call: Call) -> None:
    items = list_of(call.response, "BackupJobs", "")
    ctx.out.jobs.read(src, BACKUP_JOBS, items, (ctx.account, ctx.region))


# -- copies and global settings (BKP-022/036/037) --------------------------------------------


def _copy_jobs(ctx: RegionContext, src: int, call: Call) -> None:
    items = list_of(call.response, "CopyJobs", "")
    ctx.out.copy_jobs.read(src, COPY_JOBS, items, (ctx.account, ctx.region))


def load_organization(ctx: Context) -> None:
    """The organization-level AWS Backup file: the calling account's global settings (attributed
    to the organization's management account, which the collector runs as or on behalf of)."""
    ctx.each("backup.DescribeGlobalSettings", _global_settings)


def _global_settings(ctx: Context, src: int, call: Call) -> None:
    for name, value in obj_of(call.response, "GlobalSettings", "").items():
        if not isinstance(value, str):
            raise ShapeError(f"member 'GlobalSettings.{name}' must be a string, found {type_name(value)}")
        ctx.out.global_settings.add(src, global_setting_row(ctx.management_account, str(name), value))


# -- restore jobs, restore testing, protected resources, Audit Manager (bundle v3) ------------

#: Operators of a restore testing selection's ``ProtectedResourceConditions``.
RESTORE_CONDITION_OPERATORS = ("StringEquals", "StringNotEquals")


@dataclass
class _Restore:
    """What the restore testing and protected resource operations pass on to later ones."""

    testing_sources: set[str] = field(default_factory=set)
    """Source resources of the restore jobs a restore testing plan started."""
    listed_selections: set[tuple[str, str]] = field(default_factory=set)
    fetched_selections: set[tuple[str, str]] = field(default_factory=set)
    plans: set[str] = field(default_factory=set)
    plans_listed: set[str] = field(default_factory=set)
    protected: dict[str, ProtectedResourceRow] = field(default_factory=dict)
    protected_src: dict[str, int] = field(default_factory=dict)
    frameworks: set[str] = field(default_factory=set)
    described_frameworks: set[str] = field(default_factory=set)


def _load_restore_and_audit(ctx: RegionContext) -> None:
    seen = ctx.state(_Restore)
    if ctx.each("backup.ListRestoreJobs", _restore_jobs):
        ctx.listed("backup.ListRestoreJobs", len(seen.testing_sources))
    if ctx.each("backup.ListRestoreTestingPlans", _restore_testing_plans):
        ctx.listed("backup.ListRestoreTestingPlans", len(seen.plans))
    if ctx.each("backup.ListRestoreTestingSelections", _list_restore_selections):
        ctx.listed("backup.ListRestoreTestingSelections", len(seen.listed_selections))
        _missing(ctx, "backup.ListRestoreTestingSelections", seen.plans - seen.plans_listed, "plan")
    if ctx.each("backup.GetRestoreTestingSelection", _get_restore_selection):
        missing = {f"{s} of {p}" for p, s in seen.listed_selections - seen.fetched_selections}
        _missing(ctx, "backup.GetRestoreTestingSelection", missing, "selection")
    if ctx.each("backup.ListProtectedResources", _protected_resources):
        ctx.listed("backup.ListProtectedResources", len(seen.protected))
    if ctx.each("backup.DescribeProtectedResource", _describe_protected):
        described = {arn for arn, row in seen.protected.items() if row.described}
        _missing(ctx, "backup.DescribeProtectedResource", seen.testing_sources - described, "resource")
    protected = seen.protected
    for src, arns in groupby(sorted(protected), key=seen.protected_src.__getitem__):
        ctx.out.protected_resources.extend(src, [protected[arn] for arn in arns])
    if ctx.each("backup.ListFrameworks", _frameworks):
        ctx.listed("backup.ListFrameworks", len(seen.frameworks))
    if ctx.each("backup.DescribeFramework", _describe_framework):
        _missing(ctx, "backup.DescribeFramework", seen.frameworks - seen.described_frameworks, "framework")
    ctx.each("backup.ListReportPlans", _report_plans)


def _missing(ctx: RegionContext, key: str, names: set[str], what: str) -> None:
    if names:
        ctx.incomplete(key, f"no call for {len(names)} listed {what}(s), e.g. {sorted(names)[0]}")


def _restore_jobs(ctx: RegionContext, src: int, call: Call) -> None:
    seen = ctx.state(_Restore)
    rows = RESTORE_JOBS.read(list_of(call.response, "RestoreJobs", ""), (ctx.account, ctx.region))
    for row in rows:
        if row[_TESTING_PLAN] and row[_SOURCE]:
            seen.testing_sources.add(row[_SOURCE])
    ctx.out.restore_jobs.extend_tuples(src, rows)


def _restore_testing_plans(ctx: RegionContext, src: int, call: Call) -> None:
    plans = ctx.state(_Restore).plans
    for j, plan in enumerate(list_of(call.response, "RestoreTestingPlans", "")):
        w = f"RestoreTestingPlans[{j}]."
        plans.add(str_of(as_obj(plan, w), "RestoreTestingPlanName", w))


def _list_restore_selections(ctx: RegionContext, src: int, call: Call) -> None:
    seen = ctx.state(_Restore)
    param_plan = opt_str(call.params, "RestoreTestingPlanName", "params.")
    if param_plan is not None:
        seen.plans_listed.add(param_plan)
    for j, sel in enumerate(list_of(call.response, "RestoreTestingSelections", "")):
        w = f"RestoreTestingSelections[{j}]."
        sel = as_obj(sel, w)
        plan = opt_str(sel, "RestoreTestingPlanName", w) or param_plan
        if plan is None:
            raise ShapeError(f"'{w}RestoreTestingPlanName' missing and no RestoreTestingPlanName in params")
        seen.plans_listed.add(plan)
        seen.listed_selections.add((plan, str_of(sel, "RestoreTestingSelectionName", w)))


def _get_restore_selection(ctx: RegionContext, src: int, call: Call) -> None:
    w = "RestoreTestingSelection."
    sel = obj_of(call.response, "RestoreTestingSelection", "")
    plan = opt_str(sel, "RestoreTestingPlanName", w) or opt_str(
        call.params, "RestoreTestingPlanName", "params."
    )
    name = opt_str(sel, "RestoreTestingSelectionName", w) or opt_str(
        call.params, "RestoreTestingSelectionName", "params."
    )
    if plan is None or name is None:
        raise ShapeError("no RestoreTestingPlanName / RestoreTestingSelectionName in params or response")
    conds: list[tuple[str, str, str]] = []
    cobj = obj_of(sel, "ProtectedResourceConditions", w)
    for op in RESTORE_CONDITION_OPERATORS:
        for k, c in enumerate(list_of(cobj, op, f"{w}ProtectedResourceConditions.")):
            cw = f"{w}ProtectedResourceConditions.{op}[{k}]."
            c = as_obj(c, cw)
            conds.append((op, str_of(c, "Key", cw), str_of(c, "Value", cw)))
    ctx.state(_Restore).fetched_selections.add((plan, name))
    row = restore_selection_row(
        account_id=ctx.account,
        region=ctx.region,
        plan_name=plan,
        selection_name=name,
        resource_type=opt_str(sel, "ProtectedResourceType", w),
        resource_arns=strs_of(sel, "ProtectedResourceArns", w),
        conditions=tuple(conds),
        iam_role_arn=opt_str(sel, "IamRoleArn", w),
    )
    ctx.out.restore_selections.add(src, row)


def _protected_resources(ctx: RegionContext, src: int, call: Call) -> None:
    seen = ctx.state(_Restore)
    for row in PROTECTED_RESOURCES.read(list_of(call.response, "Results", ""), (ctx.account, ctx.region)):
        seen.protected[row.arn] = row
        seen.protected_src[row.arn] = src


def _describe_protected(ctx: RegionContext, src: int, call: Call) -> None:
    seen = ctx.state(_Restore)
    resp = call.response
    arn = opt_str(resp, "ResourceArn", "") or opt_str(call.params, "ResourceArn", "params.")
    if arn is None:
        raise ShapeError("no ResourceArn in params or response")
    seen.protected[arn] = protected_resource_row(
        account_id=ctx.account,
        region=ctx.region,
        arn=arn,
        resource_type=opt_str(resp, "ResourceType", ""),
        last_backup_time=opt_str(resp, "LastBackupTime", ""),
        last_backup_vault_arn=opt_str(resp, "LastBackupVaultArn", ""),
        latest_restore_minutes=num_of(resp, "LatestRestoreExecutionTimeMinutes", ""),
        latest_restore_job_date=opt_str(resp, "LatestRestoreJobCreationDate", ""),
        described=True,
    )
    seen.protected_src[arn] = src


def _frameworks(ctx: RegionContext, src: int, call: Call) -> None:
    names = ctx.state(_Restore).frameworks
    for j, fw in enumerate(list_of(call.response, "Frameworks", "")):
        w = f"Frameworks[{j}]."
        names.add(str_of(as_obj(fw, w), "FrameworkName", w))


def _describe_framework(ctx: RegionContext, src: int, call: Call) -> None:
    name = opt_str(call.response, "FrameworkName", "") or opt_str(call.params, "FrameworkName", "params.")
    if name is None:
        raise ShapeError("no FrameworkName in params or response")
    for j, control in enumerate(list_of(call.response, "FrameworkControls", "")):
        w = f"FrameworkControls[{j}]."
        str_of(as_obj(control, w), "ControlName", w)
    ctx.state(_Restore).described_frameworks.add(name)


def _report_plans(ctx: RegionContext, src: int, call: Call) -> None:
    for j, plan in enumerate(list_of(call.response, "ReportPlans", "")):
        w = f"ReportPlans[{j}]."
        str_of(as_obj(plan, w), "ReportPlanName", w)


SERVICE = Service(name="backup", operations=OPERATIONS, loader=load, org_loader=load_organization)
