"""Normalise an evidence bundle into typed pandas frames (:class:`Inventory`).

``load_inventory(bundle)`` reads every operation file of every account-region the manifest lists
and turns the responses into the frames described in ``docs/architecture.md``. Nothing outside
this module sees a response dict: columns hold strings, numbers, timestamps, tuples and (for tags)
``dict[str, str]``.

Bad input never ends in a ``KeyError``: a file that is not the shape botocore describes (a member
of the wrong type, a list item that is not an object, a timestamp that is not ISO 8601) raises
:class:`auditor.errors.BundleError` naming the file, the call and the member.

Speed: frames are built once from per-column Python lists, never row by row, so a bundle of a
million resources normalises in seconds (``benchmarks/evaluate.py``).
"""

from __future__ import annotations

import gc
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from auditor.collect.operations import regional_keys
from auditor.errors import BundleError
from auditor.evidence import Bundle, Call, CollectionError
from auditor.evidence.bundle import load_calls

#: AWS Backup resource type of a DB cluster by engine (``docs/evidence-bundle.md``).
CLUSTER_ENGINE_TYPES: Final[Mapping[str, str]] = {
    "aurora": "Aurora",
    "aurora-mysql": "Aurora",
    "aurora-postgresql": "Aurora",
    "neptune": "Neptune",
    "docdb": "DocumentDB",
}
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
)
CONDITION_OPERATORS: Final[tuple[str, ...]] = (
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
)

#: Per-item operations and the listing they depend on: when the listing was collected and is
#: empty, the per-item file may be absent without the account-region being partial.
_PARENT_OP: Final[Mapping[str, str]] = {
    "backup.GetBackupPlan": "backup.ListBackupPlans",
    "backup.ListBackupSelections": "backup.ListBackupPlans",
    "backup.GetBackupSelection": "backup.ListBackupSelections",
    "backup.GetBackupVaultAccessPolicy": "backup.ListBackupVaults",
    "backup.ListRecoveryPointsByBackupVault": "backup.ListBackupVaults",
    "dynamodb.DescribeTable": "dynamodb.ListTables",
    "dynamodb.ListTagsOfResource": "dynamodb.ListTables",
}

# --------------------------------------------------------------------------------------------
# Column schemas (the contract; see docs/architecture.md)
# --------------------------------------------------------------------------------------------

ACCOUNT_COLUMNS = ("account_id", "name", "status")
ACCOUNT_REGION_COLUMNS = ("account_id", "region")
COVERAGE_COLUMNS = ("account_id", "region", "operation", "collected", "error_code", "error_message")
SETTING_COLUMNS = ("account_id", "region", "resource_type", "enabled")
PLAN_COLUMNS = ("account_id", "region", "plan_id", "plan_name", "plan_arn", "version_id")
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

_FLOAT_COLUMNS = frozenset(
    {
        "delete_after_days",
        "move_to_cold_after_days",
        "start_window_minutes",
        "completion_window_minutes",
        "min_retention_days",
        "max_retention_days",
        "recovery_points",
        "backup_size_bytes",
        "backup_retention_days",
        "retention_days",
    }
)
_BOOL_COLUMNS = frozenset({"collected", "enabled", "locked", "rds_custom", "on_outposts", "is_encrypted"})
_TIME_COLUMNS = frozenset({"creation_date", "completion_date", "calculated_delete_at"})
_NAN = math.nan
_intern = sys.intern


def _iopt(value: str | None) -> str | None:
    """Intern a repeated optional string (a resource ARN shared by many recovery points ...)."""
    return None if value is None else _intern(value)


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

    def missing_operations(self, account_id: str, region: str) -> tuple[str, ...]:
        """``service.Operation`` keys not collected for one account-region."""
        cov = self.coverage
        rows = cov[(cov["account_id"] == account_id) & (cov["region"] == region) & ~cov["collected"]]
        return tuple(rows["operation"].tolist())


# --------------------------------------------------------------------------------------------
# Shape checking: every accessor raises _Shape with the member path; the file is added later.
# --------------------------------------------------------------------------------------------


class _ShapeError(Exception):
    """A member of a response is not what botocore's model says; converted to BundleError."""


def _tname(v: object) -> str:
    return "null" if v is None else type(v).__name__


def _bad(where: str, key: str, expected: str, value: object) -> _ShapeError:
    return _ShapeError(f"member '{where}{key}' must be {expected}, found {_tname(value)}")


def _list(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _bad(where, key, "a list", v)
    return v


def _obj(v: object, where: str) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        raise _ShapeError(f"'{where.rstrip('.')}' must be an object, found {_tname(v)}")
    return v


def _opt_obj(d: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    v = d.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _bad(where, key, "an object", v)
    return v


def _str(d: Mapping[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if not isinstance(v, str):
        raise _bad(where, key, "a string", v)
    return v


def _ostr(d: Mapping[str, Any], key: str, where: str) -> str | None:
    v = d.get(key)
    if v is None or isinstance(v, str):
        return v
    raise _bad(where, key, "a string", v)


def _num(d: Mapping[str, Any], key: str, where: str) -> float:
    v = d.get(key)
    if v is None:
        return _NAN
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(where, key, "a number", v)
    return float(v)


def _opt_num(d: Mapping[str, Any], key: str, where: str) -> float | None:
    v = _num(d, key, where)
    return None if math.isnan(v) else v


def _bool(d: Mapping[str, Any], key: str, where: str, default: bool = False) -> bool:
    v = d.get(key)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise _bad(where, key, "a boolean", v)
    return v


def _strlist(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = _list(d, key, where)
    for i, x in enumerate(v):
        if not isinstance(x, str):
            raise _ShapeError(f"member '{where}{key}[{i}]' must be a string, found {_tname(x)}")
    return tuple(v)


def _tags(d: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    """A ``[{"Key": k, "Value": v}]`` tag list (RDS ``TagList``, EC2/EFS/FSx ``Tags`` ...)."""
    v = d.get(key)
    if not v:
        return {}
    if not isinstance(v, list):
        raise _bad(where, key, "a list of {Key, Value}", v)
    out: dict[str, str] = {}
    for t in v:
        if not isinstance(t, dict):
            raise _ShapeError(f"member '{where}{key}' must hold {{Key, Value}} objects, found {_tname(t)}")
        k = t.get("Key")
        val = t.get("Value", "")
        if not isinstance(k, str) or not isinstance(val, str):
            raise _ShapeError(f"member '{where}{key}' has a tag whose Key/Value is not a string: {t!r:.80}")
        out[_intern(k)] = _intern(val)
    return out


# --------------------------------------------------------------------------------------------
# Column accumulators
# --------------------------------------------------------------------------------------------


class _Cols:
    """Per-column lists for one frame; ``src`` remembers the file of each row for error messages."""

    def __init__(self, columns: Iterable[str]) -> None:
        self.columns = tuple(columns)
        self.rows: list[tuple[Any, ...]] = []
        self.src: list[int] = []

    def add(self, src: int, *values: Any) -> None:
        self.rows.append(values)
        self.src.append(src)

    def frame(self, files: list[Path]) -> pd.DataFrame:
        if self.rows and len(self.rows[0]) != len(self.columns):
            raise AssertionError(f"row of {len(self.rows[0])} values for columns {self.columns}")
        transposed: list[tuple[Any, ...]] = list(zip(*self.rows, strict=True)) if self.rows else []
        self.rows = []
        series: dict[str, pd.Series[Any]] = {}
        for n, c in enumerate(self.columns):
            values = list(transposed[n]) if transposed else []
            if c in _FLOAT_COLUMNS:
                series[c] = pd.Series(values, dtype="float64")
            elif c in _BOOL_COLUMNS:
                series[c] = pd.Series(values, dtype="bool")
            elif c in _TIME_COLUMNS:
                series[c] = _times(values, self.src, files, c)
            else:
                series[c] = pd.Series(values, dtype="object")
        return pd.DataFrame(series, columns=list(self.columns))


def _times(values: list[Any], src: list[int], files: list[Path], column: str) -> pd.Series[Any]:
    """ISO 8601 strings (or None) -> ``datetime64[ns, UTC]``; a bad value names its file."""
    raw = pd.Series(values, dtype="object")
    parsed = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna() & raw.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise BundleError(files[src[i]], f"{column}: not an ISO 8601 timestamp: {values[i]!r:.60}")
    return parsed.astype("datetime64[ns, UTC]")


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return _Cols(columns).frame([])


# --------------------------------------------------------------------------------------------
# Loader
# --------------------------------------------------------------------------------------------


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


ACCOUNT_WIDE_OPERATIONS: Final = frozenset({("sts", "AssumeRole"), ("ec2", "DescribeRegions")})
"""An account-level (``region`` null) error of one of these means nothing of the account was read:
its role could not be assumed, or its regions could not be listed."""


class _Loader:
    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.files: list[Path] = []
        self._index: dict[tuple[str | None, str | None, str], Path] | None = None
        self._incomplete: dict[str, str] = {}
        """``service.Operation`` -> why its file lacks calls the listings call for (current AR)."""
        self.accounts = _Cols(ACCOUNT_COLUMNS)
        self.account_regions = _Cols(ACCOUNT_REGION_COLUMNS)
        self.coverage = _Cols(COVERAGE_COLUMNS)
        self.opt_in = _Cols(SETTING_COLUMNS)
        self.management = _Cols(SETTING_COLUMNS)
        self.plans = _Cols(PLAN_COLUMNS)
        self.plan_rules = _Cols(PLAN_RULE_COLUMNS)
        self.selections = _Cols(SELECTION_COLUMNS)
        self.vaults = _Cols(VAULT_COLUMNS)
        self.recovery_points = _Cols(RECOVERY_POINT_COLUMNS)
        self.jobs = _Cols(JOB_COLUMNS)
        self.resources = _Cols(RESOURCE_COLUMNS)
        self.cluster_members = _Cols(CLUSTER_MEMBER_COLUMNS)
        self.rbin = _Cols(RBIN_COLUMNS)
        self.policies = _Cols(POLICY_COLUMNS)

    # -- file access -------------------------------------------------------------------------

    def _path(self, account_id: str | None, region: str | None, key: str) -> Path | None:
        if self._index is None:
            # One directory walk through the evidence module instead of two stats per operation.
            index: dict[tuple[str | None, str | None, str], Path] = {}
            for a, r, service, operation, path in self.bundle.iter_files():
                k = (a, r, f"{service}.{operation}")
                if k not in index or index[k].name.endswith(".gz"):  # plain wins, as Bundle.calls
                    index[k] = path
            self._index = index
        return self._index.get((account_id, region, key))

    def _read(self, account_id: str | None, region: str | None, key: str) -> tuple[int, list[Call]] | None:
        path = self._path(account_id, region, key)
        if path is None:
            return None
        calls = load_calls(path)
        self.files.append(path)
        return len(self.files) - 1, calls

    def _each(
        self,
        account_id: str | None,
        region: str | None,
        key: str,
        fn: Callable[[int, int, Call], None],
    ) -> bool:
        """Apply ``fn(src, call_index, call)`` to every call of a file; ``False`` when absent."""
        got = self._read(account_id, region, key)
        if got is None:
            return False
        src, calls = got
        for i, call in enumerate(calls):
            try:
                fn(src, i, call)
            except _ShapeError as exc:
                raise BundleError(self.files[src], f"call [{i}]: {exc}") from None
        return True

    # -- the whole bundle --------------------------------------------------------------------

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

        keys = regional_keys()
        # An account whose regions were never discovered (bundles of older collectors record
        # none) is still in the coverage, not audited, over the regions of the other accounts.
        stand_in = tuple(sorted({r for a in manifest.accounts for r in a.regions}))
        for acct in manifest.accounts:
            self.accounts.add(-1, acct.id, acct.name, acct.status)
            regions = acct.regions or (stand_in if acct.id in denied else ())
            for region in regions:
                self.account_regions.add(-1, acct.id, region)
                present = self._load_account_region(acct.id, region)
                errs: dict[str, CollectionError] = {}
                for e in (*errors_by_ar.get((acct.id, None), ()), *errors_by_ar.get((acct.id, region), ())):
                    errs.setdefault(f"{e.service}.{e.operation}", e)
                for key in keys:
                    self._coverage_row(acct.id, region, key, present, errs, denied.get(acct.id))
        self._load_policies()
        return self._inventory()

    def _coverage_row(
        self,
        account_id: str,
        region: str,
        key: str,
        present: Mapping[str, int | None],
        errs: Mapping[str, CollectionError],
        denied: CollectionError | None,
    ) -> None:
        if denied is not None:
            self.coverage.add(-1, account_id, region, key, False, denied.code, _err_text(denied))
            return
        err = errs.get(key)
        if err is not None:
            self.coverage.add(-1, account_id, region, key, False, err.code, _err_text(err))
            return
        if key in self._incomplete:
            self.coverage.add(-1, account_id, region, key, False, None, f"{key}: {self._incomplete[key]}")
            return
        if key in present:
            self.coverage.add(-1, account_id, region, key, True, None, None)
            return
        parent = _PARENT_OP.get(key)
        if parent is not None and parent not in errs and _listed(parent, present) == 0:
            # Nothing listed, so nothing to call per item: an absent file loses nothing.
            self.coverage.add(-1, account_id, region, key, True, None, None)
            return
        self.coverage.add(-1, account_id, region, key, False, None, f"{key} is not in the bundle")

    def _load_account_region(self, a: str, r: str) -> dict[str, int | None]:
        """Load every operation file of one account-region. Returns ``key -> number of listed
        items`` for files present (``None`` where a count means nothing)."""
        present: dict[str, int | None] = {}
        self._incomplete = {}
        part = _partition(r)

        # -- backup: region settings
        def region_settings(src: int, i: int, call: Call) -> None:
            resp = call.response
            for member, cols in (
                ("ResourceTypeOptInPreference", self.opt_in),
                ("ResourceTypeManagementPreference", self.management),
            ):
                prefs = _opt_obj(resp, member, "")
                for t, enabled in prefs.items():
                    if not isinstance(enabled, bool):
                        raise _ShapeError(f"member '{member}.{t}' must be a boolean, found {_tname(enabled)}")
                    cols.add(src, a, r, t, enabled)

        if self._each(a, r, "backup.DescribeRegionSettings", region_settings):
            present["backup.DescribeRegionSettings"] = None

        # -- backup: plans
        plan_names: dict[str, str] = {}
        n_plans = 0

        def list_plans(src: int, i: int, call: Call) -> None:
            nonlocal n_plans
            for j, p in enumerate(_list(call.response, "BackupPlansList", "")):
                w = f"BackupPlansList[{j}]."
                p = _obj(p, w)
                pid = _str(p, "BackupPlanId", w)
                name = _ostr(p, "BackupPlanName", w) or pid
                plan_names[pid] = name
                n_plans += 1
                self.plans.add(src, a, r, pid, name, _ostr(p, "BackupPlanArn", w), _ostr(p, "VersionId", w))

        if self._each(a, r, "backup.ListBackupPlans", list_plans):
            present["backup.ListBackupPlans"] = n_plans

        def get_plan(src: int, i: int, call: Call) -> None:
            resp = call.response
            pid = _ostr(resp, "BackupPlanId", "") or _ostr(call.params, "BackupPlanId", "params.")
            if pid is None:
                raise _ShapeError("no BackupPlanId in params or response")
            body = _opt_obj(resp, "BackupPlan", "")
            name = _ostr(body, "BackupPlanName", "BackupPlan.") or plan_names.get(pid, pid)
            for j, rule in enumerate(_list(body, "Rules", "BackupPlan.")):
                w = f"BackupPlan.Rules[{j}]."
                rule = _obj(rule, w)
                life = _opt_obj(rule, "Lifecycle", w)
                copies = []
                for k, ca in enumerate(_list(rule, "CopyActions", w)):
                    cw = f"{w}CopyActions[{k}]."
                    ca = _obj(ca, cw)
                    clife = _opt_obj(ca, "Lifecycle", cw)
                    copies.append(
                        {
                            "destination_vault_arn": _str(ca, "DestinationBackupVaultArn", cw),
                            "delete_after_days": _opt_num(clife, "DeleteAfterDays", cw + "Lifecycle."),
                            "move_to_cold_after_days": _opt_num(
                                clife, "MoveToColdStorageAfterDays", cw + "Lifecycle."
                            ),
                        }
                    )
                self.plan_rules.add(
                    src,
                    a,
                    r,
                    pid,
                    name,
                    _ostr(rule, "RuleId", w),
                    _str(rule, "RuleName", w),
                    _ostr(rule, "ScheduleExpression", w),
                    _ostr(rule, "TargetBackupVaultName", w),
                    _num(life, "DeleteAfterDays", w + "Lifecycle."),
                    _num(life, "MoveToColdStorageAfterDays", w + "Lifecycle."),
                    _num(rule, "StartWindowMinutes", w),
                    _num(rule, "CompletionWindowMinutes", w),
                    tuple(copies),
                )

        if self._each(a, r, "backup.GetBackupPlan", get_plan):
            present["backup.GetBackupPlan"] = None

        listed_selections: set[tuple[str, str]] = set()
        plans_listed_for: set[str] = set()

        def list_selections(src: int, i: int, call: Call) -> None:
            param_pid = _ostr(call.params, "BackupPlanId", "params.")
            if param_pid is not None:
                plans_listed_for.add(param_pid)
            for j, item in enumerate(_list(call.response, "BackupSelectionsList", "")):
                w = f"BackupSelectionsList[{j}]."
                item = _obj(item, w)
                pid = _ostr(item, "BackupPlanId", w) or param_pid
                if pid is None:
                    raise _ShapeError(f"'{w}BackupPlanId' missing and no BackupPlanId in params")
                plans_listed_for.add(pid)
                listed_selections.add((pid, _str(item, "SelectionId", w)))

        if self._each(a, r, "backup.ListBackupSelections", list_selections):
            present["backup.ListBackupSelections"] = len(listed_selections)
            unlisted = sorted(set(plan_names) - plans_listed_for)
            if unlisted:
                self._incomplete["backup.ListBackupSelections"] = (
                    f"no ListBackupSelections call for {len(unlisted)} listed plan(s), e.g. {unlisted[0]}"
                )
        fetched_selections: set[tuple[str, str]] = set()

        def get_selection(src: int, i: int, call: Call) -> None:
            resp = call.response
            pid = _ostr(resp, "BackupPlanId", "") or _ostr(call.params, "BackupPlanId", "params.")
            sid = _ostr(resp, "SelectionId", "") or _ostr(call.params, "SelectionId", "params.")
            if pid is None or sid is None:
                raise _ShapeError("no BackupPlanId / SelectionId in params or response")
            w = "BackupSelection."
            sel = _opt_obj(resp, "BackupSelection", "")
            tags = []
            for j, t in enumerate(_list(sel, "ListOfTags", w)):
                tw = f"{w}ListOfTags[{j}]."
                t = _obj(t, tw)
                tags.append(
                    (
                        _ostr(t, "ConditionType", tw) or "STRINGEQUALS",
                        _str(t, "ConditionKey", tw),
                        _str(t, "ConditionValue", tw),
                    )
                )
            conds = []
            cobj = _opt_obj(sel, "Conditions", w)
            for op in CONDITION_OPERATORS:
                for j, c in enumerate(_list(cobj, op, f"{w}Conditions.")):
                    cw = f"{w}Conditions.{op}[{j}]."
                    c = _obj(c, cw)
                    conds.append((op, _str(c, "ConditionKey", cw), _str(c, "ConditionValue", cw)))
            for op in cobj:
                if op not in CONDITION_OPERATORS:
                    raise _ShapeError(
                        f"member '{w}Conditions.{op}' is not one of {', '.join(CONDITION_OPERATORS)}"
                    )
            fetched_selections.add((pid, sid))
            self.selections.add(
                src,
                a,
                r,
                pid,
                plan_names.get(pid, pid),
                sid,
                _ostr(sel, "SelectionName", w) or sid,
                _ostr(sel, "IamRoleArn", w),
                _strlist(sel, "Resources", w),
                _strlist(sel, "NotResources", w),
                tuple(tags),
                tuple(conds),
            )

        if self._each(a, r, "backup.GetBackupSelection", get_selection):
            present["backup.GetBackupSelection"] = None
            unfetched = sorted(listed_selections - fetched_selections)
            if unfetched:
                self._incomplete["backup.GetBackupSelection"] = (
                    f"no GetBackupSelection call for {len(unfetched)} listed selection(s), "
                    f"e.g. {unfetched[0][1]} of plan {unfetched[0][0]}"
                )

        # -- backup: vaults, policies, recovery points, jobs
        policies: dict[str, str] = {}

        def vault_policy(src: int, i: int, call: Call) -> None:
            name = _ostr(call.response, "BackupVaultName", "") or _ostr(
                call.params, "BackupVaultName", "params."
            )
            pol = _ostr(call.response, "Policy", "")
            if name is not None and pol is not None:
                policies[name] = pol

        vault_rows: list[tuple[int, Mapping[str, Any], str]] = []

        def list_vaults(src: int, i: int, call: Call) -> None:
            for j, v in enumerate(_list(call.response, "BackupVaultList", "")):
                w = f"BackupVaultList[{j}]."
                vault_rows.append((src, _obj(v, w), w))

        if self._each(a, r, "backup.ListBackupVaults", list_vaults):
            present["backup.ListBackupVaults"] = len(vault_rows)
        if self._each(a, r, "backup.GetBackupVaultAccessPolicy", vault_policy):
            present["backup.GetBackupVaultAccessPolicy"] = None
        for src, v, w in vault_rows:
            try:
                name = _str(v, "BackupVaultName", w)
                self.vaults.add(
                    src,
                    a,
                    r,
                    name,
                    _ostr(v, "BackupVaultArn", w),
                    _ostr(v, "EncryptionKeyArn", w),
                    _bool(v, "Locked", w),
                    _num(v, "MinRetentionDays", w),
                    _num(v, "MaxRetentionDays", w),
                    _num(v, "NumberOfRecoveryPoints", w),
                    policies.get(name),
                )
            except _ShapeError as exc:
                raise BundleError(self.files[src], str(exc)) from None

        def recovery_points(src: int, i: int, call: Call) -> None:
            default_vault = _ostr(call.params, "BackupVaultName", "params.")
            for j, rp in enumerate(_list(call.response, "RecoveryPoints", "")):
                w = f"RecoveryPoints[{j}]."
                rp = _obj(rp, w)
                life = _opt_obj(rp, "Lifecycle", w)
                calc = _opt_obj(rp, "CalculatedLifecycle", w)
                by = _opt_obj(rp, "CreatedBy", w)
                self.recovery_points.add(
                    src,
                    a,
                    r,
                    _iopt(_ostr(rp, "BackupVaultName", w) or default_vault),
                    _str(rp, "RecoveryPointArn", w),
                    _iopt(_ostr(rp, "ResourceArn", w)),
                    _iopt(_ostr(rp, "ResourceType", w)),
                    _iopt(_ostr(rp, "Status", w)),
                    _ostr(rp, "CreationDate", w),
                    _ostr(rp, "CompletionDate", w),
                    _num(rp, "BackupSizeInBytes", w),
                    _num(life, "DeleteAfterDays", w + "Lifecycle."),
                    _ostr(calc, "DeleteAt", w + "CalculatedLifecycle."),
                    _bool(rp, "IsEncrypted", w),
                    _iopt(_ostr(by, "BackupPlanId", w + "CreatedBy.")),
                )

        if self._each(a, r, "backup.ListRecoveryPointsByBackupVault", recovery_points):
            present["backup.ListRecoveryPointsByBackupVault"] = None

        def jobs(src: int, i: int, call: Call) -> None:
            for j, job in enumerate(_list(call.response, "BackupJobs", "")):
                w = f"BackupJobs[{j}]."
                job = _obj(job, w)
                by = _opt_obj(job, "CreatedBy", w)
                self.jobs.add(
                    src,
                    a,
                    r,
                    _str(job, "BackupJobId", w),
                    _ostr(job, "ResourceArn", w),
                    _ostr(job, "ResourceType", w),
                    _ostr(job, "State", w),
                    _ostr(job, "StatusMessage", w),
                    _ostr(job, "CreationDate", w),
                    _ostr(job, "CompletionDate", w),
                    _ostr(by, "BackupPlanId", w + "CreatedBy."),
                    _ostr(job, "BackupVaultName", w),
                )

        if self._each(a, r, "backup.ListBackupJobs", jobs):
            present["backup.ListBackupJobs"] = None

        # -- resources
        res = self.resources
        cluster_arns: dict[str, str] = {}

        def db_clusters(src: int, i: int, call: Call) -> None:
            for j, c in enumerate(_list(call.response, "DBClusters", "")):
                w = f"DBClusters[{j}]."
                c = _obj(c, w)
                arn = _str(c, "DBClusterArn", w)
                engine = _ostr(c, "Engine", w)
                rtype = CLUSTER_ENGINE_TYPES.get(engine or "", "RDS")
                ident = _ostr(c, "DBClusterIdentifier", w)
                if ident is not None:
                    cluster_arns.setdefault(ident, arn)
                res.add(
                    src,
                    arn,
                    a,
                    r,
                    rtype,
                    "rds",
                    ident,
                    _tags(c, "TagList", w),
                    engine,
                    False,
                    False,
                    _num(c, "BackupRetentionPeriod", w),
                    None,
                    None,
                    None,
                    None,
                    _NOT_ATTACHED,
                )

        if self._each(a, r, "rds.DescribeDBClusters", db_clusters):
            present["rds.DescribeDBClusters"] = None

        def db_instances(src: int, i: int, call: Call) -> None:
            for j, d in enumerate(_list(call.response, "DBInstances", "")):
                w = f"DBInstances[{j}]."
                d = _obj(d, w)
                arn = _str(d, "DBInstanceArn", w)
                engine = _ostr(d, "Engine", w)
                cluster = _ostr(d, "DBClusterIdentifier", w)
                tags = _tags(d, "TagList", w)
                group = _opt_obj(d, "DBSubnetGroup", w)
                outposts = False
                for k, s in enumerate(_list(group, "Subnets", w + "DBSubnetGroup.")):
                    sw = f"{w}DBSubnetGroup.Subnets[{k}]."
                    s = _obj(s, sw)
                    if _ostr(_opt_obj(s, "SubnetOutpost", sw), "Arn", sw + "SubnetOutpost."):
                        outposts = True
                if cluster is not None:
                    # Protected through its cluster: not a resource of its own, but its ARN is kept
                    # (recovery points and ``explain`` may name it).
                    cluster_arn = cluster_arns.get(cluster) or f"arn:{part}:rds:{r}:{a}:cluster:{cluster}"
                    self.cluster_members.add(src, arn, a, r, cluster_arn)
                    continue
                res.add(
                    src,
                    arn,
                    a,
                    r,
                    "RDS",
                    "rds",
                    _ostr(d, "DBInstanceIdentifier", w),
                    tags,
                    engine,
                    (engine or "").startswith("custom-"),
                    outposts,
                    _num(d, "BackupRetentionPeriod", w),
                    None,
                    None,
                    None,
                    None,
                    _NOT_ATTACHED,
                )

        if self._each(a, r, "rds.DescribeDBInstances", db_instances):
            present["rds.DescribeDBInstances"] = None

        table_names: list[str] = []

        def list_tables(src: int, i: int, call: Call) -> None:
            table_names.extend(_strlist(call.response, "TableNames", ""))

        if self._each(a, r, "dynamodb.ListTables", list_tables):
            present["dynamodb.ListTables"] = len(table_names)
        table_tags: dict[str, dict[str, str]] = {}

        def table_tag(src: int, i: int, call: Call) -> None:
            arn = _str(call.params, "ResourceArn", "params.")
            table_tags.setdefault(arn, {}).update(_tags(call.response, "Tags", ""))

        if self._each(a, r, "dynamodb.ListTagsOfResource", table_tag):
            present["dynamodb.ListTagsOfResource"] = None
        seen_tables: set[str] = set()

        def describe_table(src: int, i: int, call: Call) -> None:
            t = _opt_obj(call.response, "Table", "")
            name = _ostr(t, "TableName", "Table.") or _str(call.params, "TableName", "params.")
            arn = _ostr(t, "TableArn", "Table.") or f"arn:{part}:dynamodb:{r}:{a}:table/{name}"
            seen_tables.add(name)
            res.add(src, arn, a, r, "DynamoDB", "dynamodb", name, table_tags.get(arn, {}), *_NO_EXTRA)

        if self._each(a, r, "dynamodb.DescribeTable", describe_table):
            present["dynamodb.DescribeTable"] = None
        # A listed table whose DescribeTable is missing is still a resource (its ARN is known).
        for name in table_names:
            if name not in seen_tables:
                arn = f"arn:{part}:dynamodb:{r}:{a}:table/{name}"
                res.add(-1, arn, a, r, "DynamoDB", "dynamodb", name, table_tags.get(arn, {}), *_NO_EXTRA)

        def efs(src: int, i: int, call: Call) -> None:
            for j, f in enumerate(_list(call.response, "FileSystems", "")):
                w = f"FileSystems[{j}]."
                f = _obj(f, w)
                fid = _str(f, "FileSystemId", w)
                arn = (
                    _ostr(f, "FileSystemArn", w) or f"arn:{part}:elasticfilesystem:{r}:{a}:file-system/{fid}"
                )
                tags = _tags(f, "Tags", w)
                res.add(
                    src,
                    arn,
                    a,
                    r,
                    "EFS",
                    "elasticfilesystem",
                    _ostr(f, "Name", w) or tags.get("Name"),
                    tags,
                    *_NO_EXTRA,
                )

        if self._each(a, r, "efs.DescribeFileSystems", efs):
            present["efs.DescribeFileSystems"] = None

        fsx_fs: dict[str, tuple[str, dict[str, str]]] = {}

        def fsx_file_systems(src: int, i: int, call: Call) -> None:
            for j, f in enumerate(_list(call.response, "FileSystems", "")):
                w = f"FileSystems[{j}]."
                f = _obj(f, w)
                fid = _str(f, "FileSystemId", w)
                arn = _ostr(f, "ResourceARN", w) or f"arn:{part}:fsx:{r}:{a}:file-system/{fid}"
                kind = _ostr(f, "FileSystemType", w)
                tags = _tags(f, "Tags", w)
                fsx_fs[fid] = (arn, tags)
                if kind == "ONTAP":
                    continue  # AWS Backup backs up an ONTAP file system's volumes, not the file system
                res.add(
                    src,
                    arn,
                    a,
                    r,
                    "FSx",
                    "fsx",
                    tags.get("Name"),
                    tags,
                    None,
                    False,
                    False,
                    _NAN,
                    None,
                    None,
                    None,
                    kind,
                    _NOT_ATTACHED,
                )

        if self._each(a, r, "fsx.DescribeFileSystems", fsx_file_systems):
            present["fsx.DescribeFileSystems"] = None

        def fsx_volumes(src: int, i: int, call: Call) -> None:
            for j, v in enumerate(_list(call.response, "Volumes", "")):
                w = f"Volumes[{j}]."
                v = _obj(v, w)
                if _ostr(v, "VolumeType", w) != "ONTAP":
                    continue  # OpenZFS volumes are backed up with their file system
                vid = _str(v, "VolumeId", w)
                fid = _str(v, "FileSystemId", w)
                arn = _ostr(v, "ResourceARN", w) or f"arn:{part}:fsx:{r}:{a}:volume/{fid}/{vid}"
                parent_arn, parent_tags = fsx_fs.get(fid, (f"arn:{part}:fsx:{r}:{a}:file-system/{fid}", {}))
                res.add(
                    src,
                    arn,
                    a,
                    r,
                    "FSx",
                    "fsx",
                    _ostr(v, "Name", w),
                    _tags(v, "Tags", w),
                    None,
                    False,
                    False,
                    _NAN,
                    None,
                    parent_arn,
                    parent_tags,
                    "ONTAP",
                    _NOT_ATTACHED,
                )

        if self._each(a, r, "fsx.DescribeVolumes", fsx_volumes):
            present["fsx.DescribeVolumes"] = None

        def ec2_instances(src: int, i: int, call: Call) -> None:
            for j, resv in enumerate(_list(call.response, "Reservations", "")):
                rw = f"Reservations[{j}]."
                resv = _obj(resv, rw)
                owner = _ostr(resv, "OwnerId", rw) or a
                for k, inst in enumerate(_list(resv, "Instances", rw)):
                    w = f"{rw}Instances[{k}]."
                    inst = _obj(inst, w)
                    iid = _str(inst, "InstanceId", w)
                    state = _ostr(_opt_obj(inst, "State", w), "Name", w + "State.")
                    if state == "terminated":
                        continue
                    tags = _tags(inst, "Tags", w)
                    arn = f"arn:{part}:ec2:{r}:{owner}:instance/{iid}"
                    res.add(src, arn, a, r, "EC2", "ec2", tags.get("Name"), tags, *_NO_EXTRA)

        if self._each(a, r, "ec2.DescribeInstances", ec2_instances):
            present["ec2.DescribeInstances"] = None

        def ebs_volumes(src: int, i: int, call: Call) -> None:
            for j, v in enumerate(_list(call.response, "Volumes", "")):
                w = f"Volumes[{j}]."
                v = _obj(v, w)
                vid = _str(v, "VolumeId", w)
                tags = _tags(v, "Tags", w)
                arn = f"arn:{part}:ec2:{r}:{a}:volume/{vid}"
                instances: list[str] = []
                for k, att in enumerate(_list(v, "Attachments", w)):
                    aw = f"{w}Attachments[{k}]."
                    att = _obj(att, aw)
                    iid = _ostr(att, "InstanceId", aw)
                    if iid is not None and _ostr(att, "State", aw) in _ATTACHED_STATES:
                        instance_arn = f"arn:{part}:ec2:{r}:{a}:instance/{iid}"
                        if instance_arn not in instances:
                            instances.append(instance_arn)
                attached = tuple(instances) if instances else _NOT_ATTACHED
                res.add(src, arn, a, r, "EBS", "ec2", tags.get("Name"), tags, *_NO_EXTRA[:-1], attached)

        if self._each(a, r, "ec2.DescribeVolumes", ebs_volumes):
            present["ec2.DescribeVolumes"] = None

        def rbin_rules(src: int, i: int, call: Call) -> None:
            rtype = _ostr(call.params, "ResourceType", "params.")
            for j, rule in enumerate(_list(call.response, "Rules", "")):
                w = f"Rules[{j}]."
                rule = _obj(rule, w)
                period = _opt_obj(rule, "RetentionPeriod", w)
                value = _num(period, "RetentionPeriodValue", w + "RetentionPeriod.")
                unit = _ostr(period, "RetentionPeriodUnit", w + "RetentionPeriod.")
                days = value if unit in (None, "DAYS") else _NAN
                self.rbin.add(
                    src,
                    a,
                    r,
                    _str(rule, "Identifier", w),
                    _ostr(rule, "ResourceType", w) or rtype,
                    days,
                    _ostr(rule, "Status", w),
                    _ostr(rule, "LockState", w),
                )

        if self._each(a, r, "rbin.ListRules", rbin_rules):
            present["rbin.ListRules"] = None
        return present

    def _load_policies(self) -> None:
        def effective(src: int, i: int, call: Call) -> None:
            pol = _opt_obj(call.response, "EffectivePolicy", "")
            target = _ostr(pol, "TargetId", "EffectivePolicy.") or _ostr(call.params, "TargetId", "params.")
            content = _ostr(pol, "PolicyContent", "EffectivePolicy.")
            if target is None or content is None:
                return
            try:
                doc = json.loads(content)
            except json.JSONDecodeError as exc:
                raise _ShapeError(f"EffectivePolicy.PolicyContent is not JSON: {exc}") from None
            if not isinstance(doc, dict):
                raise _ShapeError("EffectivePolicy.PolicyContent must be a JSON object")
            self.policies.add(src, target, doc)

        self._each(None, None, "organizations.DescribeEffectivePolicy", effective)

    def _inventory(self) -> Inventory:
        f = self.files
        resources = self.resources.frame(f)
        if resources["arn"].duplicated().any():
            # The same ARN listed twice (a table described in two calls): keep the first row.
            resources = resources.drop_duplicates("arn", keep="first").reset_index(drop=True)
        members = self.cluster_members.frame(f)
        if members["arn"].duplicated().any():
            members = members.drop_duplicates("arn", keep="first").reset_index(drop=True)
        return Inventory(
            collected_at=self.bundle.manifest.collected_at,
            accounts=self.accounts.frame(f),
            account_regions=self.account_regions.frame(f),
            coverage=self.coverage.frame(f),
            opt_in=self.opt_in.frame(f),
            management=self.management.frame(f),
            plans=self.plans.frame(f),
            plan_rules=self.plan_rules.frame(f),
            selections=self.selections.frame(f),
            vaults=self.vaults.frame(f),
            recovery_points=self.recovery_points.frame(f),
            jobs=self.jobs.frame(f),
            resources=resources,
            cluster_members=members,
            rbin_rules=self.rbin.frame(f),
            effective_policies=self.policies.frame(f),
        )


_NOT_ATTACHED: Final[tuple[str, ...]] = ()
#: ``Attachments[].State`` values for which a volume counts as attached to the instance (a volume
#: being detached, or detached, is no longer part of the instance's backups).
_ATTACHED_STATES: Final = frozenset({"attached", "attaching"})
#: engine, rds_custom, on_outposts, backup_retention_days, cluster_arn, parent_arn, parent_tags,
#: fsx_kind, attached_instances
_NO_EXTRA: Final[tuple[Any, ...]] = (None, False, False, _NAN, None, None, None, None, _NOT_ATTACHED)


def _listed(key: str, present: Mapping[str, int | None]) -> int | None:
    """How many items a listing operation returned; 0 also for a per-item listing (such as
    ``ListBackupSelections``) that is absent because its own parent listed nothing."""
    if key in present:
        return present[key]
    parent = _PARENT_OP.get(key)
    return 0 if parent is not None and _listed(parent, present) == 0 else None


def _err_text(e: CollectionError) -> str:
    return f"{e.service}.{e.operation}: {e.code}: {e.message}"


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building millions of small containers.

    Normalisation and resolution allocate millions of dicts and tuples and create no reference
    cycles; with the collector running, each full collection walks the whole (growing) heap, which
    makes a million-resource bundle several times slower. Restores the previous state.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_inventory(bundle: Bundle) -> Inventory:
    """Normalise a bundle into frames; raises :class:`BundleError` naming the file on bad input."""
    with paused_gc():
        return _Loader(bundle).load()


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
