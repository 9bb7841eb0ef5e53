"""Normalise an evidence bundle into typed pandas frames (:class:`Inventory`).

``load_inventory(bundle)`` walks every account-region the manifest lists and, for each, calls the
loader of every service in the order of :data:`auditor.services.SERVICES` (each in its service
module; organization-wide services once per bundle). The loaders turn the responses into typed rows
(:mod:`auditor.model.rows`) through the loading API (:mod:`auditor.model.loading`); this module
keeps the column contracts, the coverage of each account-region and the frame building. Nothing
outside the loaders sees a response dict: columns hold strings, numbers, timestamps, tuples and
(for tags) ``dict[str, str]``.

Bad input never ends in a ``KeyError``: a file that is not the shape botocore describes (a member
of the wrong type, a list item that is not an object, a timestamp that is not ISO 8601) raises
:class:`auditor.errors.BundleError` naming the file, the call and the member.

Speed and memory: frames are built once per column, never row by row. A sink
(:class:`auditor.model.loading.Sink`) holds a few thousand rows as tuples, then moves them into
per-column stores (each repeated string kept once, numbers packed, timestamps parsed); each
frame takes its columns over and the stores are dropped as it goes, so loading peaks near the
size of the frames themselves (``benchmarks/evaluate.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from auditor.errors import BundleError
from auditor.evidence import Bundle, CollectionError
from auditor.gcpause import paused_gc
from auditor.model.loading import (
    BOOL_COLUMNS,
    FLOAT_COLUMNS,
    TIME_COLUMNS,
    BundleFiles,
    Context,
    OrganizationLoader,
    RegionContext,
    RegionLoader,
    Sink,
    Sinks,
)
from auditor.model.parallel import AccountRegion, Bookkeeping, load_account_regions
from auditor.model.rows import (
    AccountRegionRow,
    AccountRow,
    CoverageRow,
    StackMemberRow,
    account_region_row,
    account_row,
    coverage_row,
)
from auditor.services import (
    OPERATIONS,
    ORGANIZATION_OPERATIONS,
    PARENT_OPERATIONS,
    SERVICES,
    Scope,
    Service,
    chain,
    expected,
    optional_keys,
    regional_keys,
)
from auditor.services.rds import CLUSTER_ENGINE_TYPES

RESOURCE_TYPES: Final[tuple[str, ...]] = (
    "RDS",
    "Aurora",
    "Neptune",
    "DocumentDB",
    "DynamoDB",
    "EFS",
    "FSx",
    "EC2",
    "EBS",
    "S3",
)
#: Per-item operations and the listing they depend on: when the listing was collected and is
#: empty, the per-item file may be absent without the account-region being partial.
_PARENT_OP: Final[Mapping[str, str]] = PARENT_OPERATIONS

# --------------------------------------------------------------------------------------------
# Column schemas (the contract; see docs/architecture.md)
# --------------------------------------------------------------------------------------------

ACCOUNT_COLUMNS = ("account_id", "name", "status")
ACCOUNT_REGION_COLUMNS = ("account_id", "region")
COVERAGE_COLUMNS = ("account_id", "region", "operation", "collected", "error_code", "error_message")
SETTING_COLUMNS = ("account_id", "region", "resource_type", "enabled")
PLAN_COLUMNS = ("account_id", "region", "plan_id", "plan_name", "plan_arn", "version_id", "creation_date")
PLAN_RULE_COLUMNS = (
    "account_id",
    "region",
    "plan_id",
    "plan_name",
    "rule_id",
    "rule_name",
    "schedule",
    "target_vault",
    "delete_after_days",
    "move_to_cold_after_days",
    "start_window_minutes",
    "completion_window_minutes",
    "copy_actions",
    "continuous_backup",
)
SELECTION_COLUMNS = (
    "account_id",
    "region",
    "plan_id",
    "plan_name",
    "selection_id",
    "selection_name",
    "iam_role_arn",
    "resources",
    "not_resources",
    "list_of_tags",
    "conditions",
    "creation_date",
)
VAULT_COLUMNS = (
    "account_id",
    "region",
    "vault_name",
    "vault_arn",
    "encryption_key_arn",
    "locked",
    "min_retention_days",
    "max_retention_days",
    "recovery_points",
    "access_policy",
    "vault_type",
)
RECOVERY_POINT_COLUMNS = (
    "account_id",
    "region",
    "vault_name",
    "recovery_point_arn",
    "resource_arn",
    "resource_type",
    "status",
    "creation_date",
    "completion_date",
    "backup_size_bytes",
    "delete_after_days",
    "calculated_delete_at",
    "is_encrypted",
    "plan_id",
    "plan_version",
    "rule_id",
)
JOB_COLUMNS = (
    "account_id",
    "region",
    "job_id",
    "resource_arn",
    "resource_type",
    "state",
    "status_message",
    "creation_date",
    "completion_date",
    "plan_id",
    "vault_name",
    "plan_version",
    "rule_id",
)
RESOURCE_COLUMNS = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "service",
    "name",
    "tags",
    "engine",
    "rds_custom",
    "on_outposts",
    "backup_retention_days",
    "cluster_arn",
    "parent_arn",
    "parent_tags",
    "fsx_kind",
    "attached_instances",
    "versioning",
    "noncurrent_expiration_days",
    "stacks",
    "own_backup",
    "created",
)
CLUSTER_MEMBER_COLUMNS = ("arn", "account_id", "region", "cluster_arn")
RBIN_COLUMNS = (
    "account_id",
    "region",
    "identifier",
    "resource_type",
    "retention_days",
    "status",
    "lock_state",
)
POLICY_COLUMNS = ("account_id", "policy")
ACCOUNT_OU_COLUMNS = ("account_id", "ou_id", "ou_path", "ou_ids")
POLICY_VALIDATION_COLUMNS = (
    "account_id",
    "account_name",
    "error_code",
    "error_message",
    "path_to_error",
    "contributing_policies",
    "listed_invalid",
)
# -- copies (BKP-022/036/037)
COPY_JOB_COLUMNS = (
    "account_id",
    "region",
    "job_id",
    "resource_arn",
    "resource_type",
    "state",
    "status_message",
    "creation_date",
    "completion_date",
    "source_vault_arn",
    "destination_vault_arn",
    "destination_recovery_point_arn",
    "plan_id",
)
GLOBAL_SETTING_COLUMNS = ("account_id", "setting", "value")
# -- restore jobs, restore testing selections, protected resources (BKP-023 / BKP-034 / BKP-038)
RESTORE_JOB_COLUMNS = (
    "account_id",
    "region",
    "job_id",
    "resource_arn",
    "resource_type",
    "status",
    "status_message",
    "creation_date",
    "completion_date",
    "recovery_point_arn",
    "created_resource_arn",
    "restore_testing_plan_arn",
)
RESTORE_SELECTION_COLUMNS = (
    "account_id",
    "region",
    "plan_name",
    "selection_name",
    "resource_type",
    "resource_arns",
    "conditions",
    "iam_role_arn",
)
PROTECTED_RESOURCE_COLUMNS = (
    "account_id",
    "region",
    "arn",
    "resource_type",
    "last_backup_time",
    "last_backup_vault_arn",
    "latest_restore_minutes",
    "latest_restore_job_date",
    "described",
)

_FLOAT_COLUMNS: Final = FLOAT_COLUMNS
_BOOL_COLUMNS: Final = BOOL_COLUMNS
_TIME_COLUMNS: Final = TIME_COLUMNS


@dataclass(frozen=True)
class Inventory:
    """Every frame of one bundle. Column lists: the ``*_COLUMNS`` constants of this module."""

    collected_at: datetime
    accounts: pd.DataFrame
    account_regions: pd.DataFrame
    coverage: pd.DataFrame
    opt_in: pd.DataFrame
    management: pd.DataFrame
    plans: pd.DataFrame
    plan_rules: pd.DataFrame
    selections: pd.DataFrame
    vaults: pd.DataFrame
    recovery_points: pd.DataFrame
    jobs: pd.DataFrame
    resources: pd.DataFrame
    cluster_members: pd.DataFrame
    """DB instances with a ``DBClusterIdentifier`` (not resources: protected through their
    cluster); columns :data:`CLUSTER_MEMBER_COLUMNS`."""
    rbin_rules: pd.DataFrame
    effective_policies: pd.DataFrame
    copy_jobs: pd.DataFrame
    """``backup.ListCopyJobs`` of each account-region (columns :data:`COPY_JOB_COLUMNS`)."""
    global_settings: pd.DataFrame
    """``backup.DescribeGlobalSettings`` of the organization's calling account, one row per flag."""
    # -- restore jobs, restore testing selections, protected resources (BKP-023 / BKP-034 / BKP-038)
    restore_jobs: pd.DataFrame
    """Columns :data:`RESTORE_JOB_COLUMNS`."""
    restore_selections: pd.DataFrame
    """Columns :data:`RESTORE_SELECTION_COLUMNS`."""
    protected_resources: pd.DataFrame
    """Columns :data:`PROTECTED_RESOURCE_COLUMNS`."""
    account_ous: pd.DataFrame | None = None
    """Each account's place in the organization's tree (:data:`ACCOUNT_OU_COLUMNS`); ``None`` for
    a bundle whose collector did not list the tree (or could not)."""
    policy_validation: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(POLICY_VALIDATION_COLUMNS))
    )
    """Effective backup policy validation errors AWS reports (BKP-043); columns
    :data:`POLICY_VALIDATION_COLUMNS`."""
    not_collected: tuple[str, ...] = ()
    """Optional operations (``service.Operation``) the bundle's collector never called (the bundle
    is older than their ``since``) and that no account-region (for organization-scope ones: the
    ``organization/`` folder) holds: what they would have listed is
    "not evaluated: evidence not collected", neither partial coverage nor protected."""

    unavailable: tuple[tuple[str, str], ...] = ()
    """(service, Region) pairs the collector did not call because AWS does not offer the service in
    the Region (the manifest's ``unavailable``): nothing to audit there."""

    def missing_operations(self, account_id: str, region: str) -> tuple[str, ...]:
        """``service.Operation`` keys not collected for one account-region."""
        cov = self.coverage
        rows = cov[(cov["account_id"] == account_id) & (cov["region"] == region) & ~cov["collected"]]
        return tuple(rows["operation"].tolist())


# --------------------------------------------------------------------------------------------
# Frames from row sinks
# --------------------------------------------------------------------------------------------


def _frame(sink: Sink[Any], columns: tuple[str, ...], files: BundleFiles) -> pd.DataFrame:
    """Build one frame from a sink, column by column, handing each column's store over (and
    dropping it) as its series is built; a timestamp that is not ISO 8601 names its file."""
    if sink.columns != columns:
        raise AssertionError(f"row fields {sink.columns} are not the columns {columns}")
    for n, c in enumerate(columns):
        bad = sink.bad_time(n) if c in _TIME_COLUMNS else None
        if bad is not None:
            raise BundleError(
                files.file(sink.src_of(bad.row)),
                f"{c}: not an ISO 8601 timestamp of the years 1677 to 2262: {bad.value!r:.60}",
            )
    series: dict[str, pd.Series[Any]] = {}
    for n, c in enumerate(columns):
        store = sink.take(n)
        if c in _FLOAT_COLUMNS:
            series[c] = pd.Series(np.frombuffer(store, dtype="float64"), dtype="float64", copy=True)
        elif c in _BOOL_COLUMNS:
            series[c] = pd.Series(np.frombuffer(store, dtype="uint8").astype("bool"), dtype="bool")
        elif c in _TIME_COLUMNS:
            series[c] = pd.Series(store.view("datetime64[ns]")).dt.tz_localize("UTC")
        else:
            series[c] = pd.Series(store, dtype="object", copy=False)
        del store
    # copy=False: each column stays its own block (no copy of the frame into 2-D blocks by dtype)
    return pd.DataFrame(series, columns=list(columns), copy=False)


# --------------------------------------------------------------------------------------------
# The generic walk: every service's loader (``auditor.services``), in the order of SERVICES
# --------------------------------------------------------------------------------------------


def _organization_wide(service: Service) -> bool:
    """A service whose operations are all called once per run is loaded once, not per region."""
    return bool(service.operations) and all(op.scope is Scope.ORGANIZATION for op in service.operations)


_REGION_LOADERS: Final[tuple[RegionLoader, ...]] = tuple(
    s.loader for s in SERVICES if s.loader is not None and not _organization_wide(s)
)
_ORGANIZATION_LOADERS: Final[tuple[OrganizationLoader, ...]] = tuple(
    s.loader for s in SERVICES if s.loader is not None and _organization_wide(s)
) + tuple(s.org_loader for s in SERVICES if s.org_loader is not None)


_ACCOUNT_WIDE: Final[frozenset[str]] = frozenset(k for k, op in OPERATIONS.items() if op.account_wide)
"""Operations called once per account (in its first region): their coverage holds account-wide."""

ACCOUNT_WIDE_OPERATIONS: Final = frozenset({("sts", "AssumeRole"), ("ec2", "DescribeRegions")})
"""An account-level (``region`` null) error of one of these means nothing of the account was read:
its role could not be assumed, or its regions could not be listed."""


def _optional_root(key: str) -> str:
    """The first operation of ``key``'s chain (the listing first) added in the same bundle version
    as ``key`` or later: its file says whether the bundle's collector called ``key``. A per-item
    operation added later than its listing (``dynamodb.DescribeContinuousBackups`` under
    ``dynamodb.ListTables``, ``s3.GetBucketLocation`` under ``s3.ListBuckets``) is its own root."""
    since = OPERATIONS[key].since
    return next((k for k in chain(key) if not OPERATIONS[k].required and OPERATIONS[k].since >= since), key)


class _Loader:
    def __init__(self, bundle: Bundle, jobs: int | None = None) -> None:
        self.bundle = bundle
        self.jobs = jobs
        """Processes that load the account-regions (:mod:`auditor.model.parallel`; ``None``: the
        CPUs this process may use, at most 4)."""
        self.files = BundleFiles(bundle)
        self.out = Sinks()
        """The rows service loaders add."""
        self._incomplete: dict[str, str] = {}
        """``service.Operation`` -> why its file lacks calls the listings call for (current AR)."""
        self.accounts = Sink(AccountRow, self.out.memos)
        self.account_regions = Sink(AccountRegionRow, self.out.memos)
        self.coverage = Sink(CoverageRow, self.out.memos)

    def load(self) -> Inventory:
        manifest = self.bundle.manifest
        errors_by_ar: dict[tuple[str, str | None], list[CollectionError]] = {}
        denied: dict[str, CollectionError] = {}
        for e in manifest.errors:
            if e.account_id is None:
                continue
            if e.region is None and (
                e.service == "sts" or (e.service, e.operation) in ACCOUNT_WIDE_OPERATIONS
            ):
                denied.setdefault(e.account_id, e)
            errors_by_ar.setdefault((e.account_id, e.region), []).append(e)

        keys = regional_keys(manifest.version)
        optional = optional_keys(manifest.version)
        unavailable = set(manifest.unavailable)
        seen: set[str] = set()
        # An account whose regions were never discovered (bundles of older collectors record
        # none) is still in the coverage, not audited, over the regions of the other accounts.
        stand_in = tuple(sorted({r for a in manifest.accounts for r in a.regions}))
        walk = [
            AccountRegion(acct.id, region, regions)
            for acct in manifest.accounts
            for regions in [acct.regions or (stand_in if acct.id in denied else ())]
            for region in regions
        ]
        loaded = iter(load_account_regions(self.files, self.out, walk, self.jobs, _load_account_region))
        for acct in manifest.accounts:
            self.accounts.add(-1, account_row(acct.id, acct.name, acct.status))
            regions = acct.regions or (stand_in if acct.id in denied else ())
            # Coverage of the account-wide operations, as read in the account's first region.
            home: dict[str, tuple[bool, str | None, str | None]] = {}
            for region in regions:
                self.account_regions.add(-1, account_region_row(acct.id, region))
                present, self._incomplete = next(loaded)
                errs: dict[str, CollectionError] = {}
                for e in (*errors_by_ar.get((acct.id, None), ()), *errors_by_ar.get((acct.id, region), ())):
                    errs.setdefault(f"{e.service}.{e.operation}", e)
                here = [
                    k for k in optional if _optional_root(k) in present or (k in _ACCOUNT_WIDE and k in home)
                ]
                seen.update(here)
                for key in (*keys, *here):
                    service = OPERATIONS[key].service
                    if (service, region) in unavailable:
                        # Not offered in the region: nothing to collect (not an error, not partial).
                        self._cover(
                            acct.id, region, key, True, None, f"{service} is not available in {region}"
                        )
                        continue
                    if key in _ACCOUNT_WIDE and key in home:
                        status = home[key]
                    else:
                        status = self._status(key, present, errs, denied.get(acct.id))
                        if key in _ACCOUNT_WIDE:
                            home[key] = status
                    self._cover(acct.id, region, key, *status)
        org_present = self._load_organization()
        # Organization-scope operations the bundle's collector never called (older version).
        org_missing = tuple(
            op.key
            for op in ORGANIZATION_OPERATIONS
            if not expected(op, manifest.version) and op.key not in org_present
        )
        return self._inventory((*(k for k in optional if k not in seen), *org_missing))

    def _status(
        self,
        key: str,
        present: Mapping[str, int | None],
        errs: Mapping[str, CollectionError],
        denied: CollectionError | None,
    ) -> tuple[bool, str | None, str | None]:
        """(collected, error code, why) of ``key`` in one account-region."""
        if denied is not None:
            return False, denied.code, _err_text(denied)
        err = errs.get(key)
        if err is not None:
            return False, err.code, _err_text(err)
        if key in self._incomplete:
            return False, None, f"{key}: {self._incomplete[key]}"
        if key in present:
            return True, None, None
        parent = _PARENT_OP.get(key)
        if parent is not None and parent not in errs and _listed(parent, present) == 0:
            # Nothing listed, so nothing to call per item: an absent file loses nothing.
            return True, None, None
        return False, None, f"{key} is not in the bundle"

    def _cover(
        self,
        account_id: str,
        region: str,
        key: str,
        collected: bool,
        code: str | None = None,
        why: str | None = None,
    ) -> None:
        self.coverage.add(-1, coverage_row(account_id, region, key, collected, code, why))

    def _load_organization(self) -> dict[str, int | None]:
        """Organization-wide files (effective policies), once per bundle; returns the keys of the
        files present."""
        ctx = Context(self.files, self.out, None, None)
        for load in _ORGANIZATION_LOADERS:
            load(ctx)
        return ctx.present

    def _inventory(self, not_collected: tuple[str, ...]) -> Inventory:
        f = self.files
        out = self.out
        out.done(self.accounts, self.account_regions, self.coverage)
        resources = _frame(out.resources, RESOURCE_COLUMNS, f)
        if resources["arn"].duplicated().any():
            # The same ARN listed twice (a table described in two calls): keep the first row.
            resources = resources.drop_duplicates("arn", keep="first").reset_index(drop=True)
        if len(out.stack_members):
            resources["stacks"] = _stacks_of(resources, out.stack_members)
        members = _frame(out.cluster_members, CLUSTER_MEMBER_COLUMNS, f)
        if members["arn"].duplicated().any():
            members = members.drop_duplicates("arn", keep="first").reset_index(drop=True)
        return Inventory(
            collected_at=self.bundle.manifest.collected_at,
            unavailable=self.bundle.manifest.unavailable,
            accounts=_frame(self.accounts, ACCOUNT_COLUMNS, f),
            account_regions=_frame(self.account_regions, ACCOUNT_REGION_COLUMNS, f),
            coverage=_frame(self.coverage, COVERAGE_COLUMNS, f),
            opt_in=_frame(out.opt_in, SETTING_COLUMNS, f),
            management=_frame(out.management, SETTING_COLUMNS, f),
            plans=_frame(out.plans, PLAN_COLUMNS, f),
            plan_rules=_frame(out.plan_rules, PLAN_RULE_COLUMNS, f),
            selections=_frame(out.selections, SELECTION_COLUMNS, f),
            vaults=_frame(out.vaults, VAULT_COLUMNS, f),
            recovery_points=_frame(out.recovery_points, RECOVERY_POINT_COLUMNS, f),
            jobs=_frame(out.jobs, JOB_COLUMNS, f),
            resources=resources,
            cluster_members=members,
            rbin_rules=_frame(out.rbin_rules, RBIN_COLUMNS, f),
            effective_policies=_frame(out.policies, POLICY_COLUMNS, f),
            account_ous=_frame(out.account_ous, ACCOUNT_OU_COLUMNS, f) if len(out.account_ous) else None,
            policy_validation=_frame(out.policy_validation, POLICY_VALIDATION_COLUMNS, f),
            copy_jobs=_frame(out.copy_jobs, COPY_JOB_COLUMNS, f),
            global_settings=_frame(out.global_settings, GLOBAL_SETTING_COLUMNS, f),
            restore_jobs=_frame(out.restore_jobs, RESTORE_JOB_COLUMNS, f),
            restore_selections=_frame(out.restore_selections, RESTORE_SELECTION_COLUMNS, f),
            protected_resources=_frame(out.protected_resources, PROTECTED_RESOURCE_COLUMNS, f),
            not_collected=not_collected,
        )


def _load_account_region(files: BundleFiles, out: Sinks, at: AccountRegion) -> Bookkeeping:
    """Run every service's loader over one account-region. Returns ``key -> number of listed
    items`` for files present (``None`` where a count means nothing) and the files that lack
    calls their listings ask for (``key -> why``)."""
    ctx = RegionContext(files, out, at.account_id, at.region, at.regions)
    for load in _REGION_LOADERS:
        load(ctx)
    return ctx.present, ctx.incomplete_keys


def _stacks_of(resources: pd.DataFrame, members: Sink[StackMemberRow]) -> list[tuple[str, ...]]:
    """The ``stacks`` column: per resource, the stacks whose ``ListStackResources`` name it (in
    its own account-region), in the order they were read."""
    by_arn: dict[tuple[str, str, str], list[str]] = {}
    cols = (members.values(c) for c in ("arn", "account_id", "region", "stack_arn"))
    for arn, account_id, region, stack_arn in zip(*cols, strict=True):
        stacks = by_arn.setdefault((arn, account_id, region), [])
        if stack_arn not in stacks:
            stacks.append(stack_arn)
    return [
        tuple(by_arn.get(key, ()))
        for key in zip(resources["arn"], resources["account_id"], resources["region"], strict=True)
    ]


def _listed(key: str, present: Mapping[str, int | None]) -> int | None:
    """How many items a listing operation returned; 0 also for a per-item listing (such as
    ``ListBackupSelections``) that is absent because its own parent listed nothing."""
    if key in present:
        return present[key]
    parent = _PARENT_OP.get(key)
    return 0 if parent is not None and _listed(parent, present) == 0 else None


def _err_text(e: CollectionError) -> str:
    return f"{e.service}.{e.operation}: {e.code}: {e.message}"


def load_inventory(bundle: Bundle, jobs: int | None = None) -> Inventory:
    """Normalise a bundle into frames; raises :class:`BundleError` naming the file on bad input.

    ``jobs``: processes that read the account-regions (:mod:`auditor.model.parallel`; ``None``:
    the CPUs this process may use, at most 4; 1: this process only). The frames are the same
    whatever ``jobs``."""
    with paused_gc():
        return _Loader(bundle, jobs).load()


__all__ = [
    "ACCOUNT_COLUMNS",
    "CLUSTER_ENGINE_TYPES",
    "CLUSTER_MEMBER_COLUMNS",
    "RESOURCE_COLUMNS",
    "RESOURCE_TYPES",
    "Inventory",
    "load_inventory",
    "paused_gc",
]
