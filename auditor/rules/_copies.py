"""Copies of protected resources (BKP-022, BKP-036, BKP-037, BKP-039): where the protecting plan
rules copy to, which recovery points exist elsewhere, and whether a destination could be read.

Evidence, not configuration: a copy recovery point keeps its source's ``ResourceArn``
(``ListRecoveryPointsByBackupVault``), so a copy in another account is *seen* when that account's
vault was listed in the bundle. A destination whose account-Region was not audited (or whose vault
listing was not collected) cannot show a copy: the resource is *unknown* there, never passed.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import astuple, dataclass
from datetime import timedelta
from typing import Any, cast

import numpy as np
import pandas as pd

from auditor.controls import Control
from auditor.protection.resolver import THROUGH_PARENT_VIAS
from auditor.rules._common import PLAN_OP, RECOVERY_POINTS_OPS, SELECTION_OPS, flag, maybe_str
from auditor.rules._controls import RID, KeyLookup, in_scope, joined_keys, match_ids, verdict_row_ids
from auditor.rules.base import RuleContext
from auditor.services import operation

COPY_JOBS_OP = operation("backup.ListCopyJobs").key
GLOBAL_SETTINGS_OP = operation("backup.DescribeGlobalSettings").key
CROSS_ACCOUNT_FLAG = "isCrossAccountBackupEnabled"
LAG_VAULT = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
"""``VaultType`` of a logically air-gapped vault (``ListBackupVaults``)."""

KEYS = ["account_id", "region", "arn"]
PROTECTION_OPS: tuple[str, ...] = (*SELECTION_OPS, PLAN_OP, *RECOVERY_POINTS_OPS)
"""What judging a protected resource's copies needs in its own account-Region."""


@dataclass(frozen=True)
class VaultRef:
    """A vault named by its ARN (``arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME``)."""

    account_id: str
    region: str
    name: str


def parse_vault_arn(arn: object) -> VaultRef | None:
    """The account, Region and name of a backup vault ARN; None for anything else."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "backup" or parts[5] != "backup-vault":
        return None
    return VaultRef(parts[4], parts[3], parts[6])


def protected_in_scope(ctx: RuleContext, requires: tuple[str, ...]) -> pd.DataFrame:
    """Protected resources (``account_id, region, arn, resource_type, rid``) in account-Regions
    where ``requires`` were collected."""
    verdicts = ctx.protection.verdicts
    protected = verdicts.loc[flag(verdicts["protected"]).to_numpy(), [*KEYS, "resource_type"]]
    protected = ctx.only_collected(protected, requires)
    return protected.assign(**{RID: verdict_row_ids(ctx, protected)})


def _matches_of(ctx: RuleContext, mask: pd.Series, protected: pd.DataFrame) -> pd.DataFrame:
    """The rows of the matches under ``mask`` whose resource is among ``protected``, with its
    ``rid``."""
    m = ctx.protection.matches
    wanted = mask.to_numpy(dtype=bool)
    ids = match_ids(ctx)[wanted]
    m = m[wanted].assign(**{RID: ids})
    return m[np.isin(ids, protected[RID].to_numpy())]


def sources(ctx: RuleContext, protected: pd.DataFrame) -> pd.DataFrame:
    """``KEYS + rid, src``: each protected resource with every ARN its recovery points may carry:
    its own, and the parent it is backed up through (an EC2 instance for an attached volume, a
    stack)."""
    m = ctx.protection.matches
    # A match not through a parent has the resource's own ARN as source: a row of ``protected``
    # already, or a resource left out. Only those through a parent add a source.
    m = _matches_of(ctx, flag(m["effective"]) & m["via"].isin(THROUGH_PARENT_VIAS), protected)
    both = pd.concat(
        [
            protected[[*KEYS, RID]].assign(src=protected["arn"]),
            m[[*KEYS, RID]].assign(src=m["through_arn"]),
        ],
        ignore_index=True,
    )
    return both.drop_duplicates([RID, "src"]).reset_index(drop=True)


ACTION_COLUMNS = [
    *KEYS,
    "plan_name",
    "rule_name",
    "destination_vault_arn",
    "dest_account",
    "dest_region",
    "dest_vault",
]


def rule_destinations(ctx: RuleContext) -> pd.DataFrame:
    """One row per plan rule copy action whose destination is a backup vault ARN: ``account_id,
    region, plan_id, plan_name, rule_name, destination_vault_arn, dest_account, dest_region,
    dest_vault``, in plan rule order then action order (computed once per run)."""

    def build() -> pd.DataFrame:
        rules = ctx.inventory.plan_rules[
            ["account_id", "region", "plan_id", "plan_name", "rule_name", "copy_actions"]
        ]
        rules = rules[rules["copy_actions"].map(bool)]
        rows = []
        for account_id, region, plan_id, plan_name, rule_name, actions in zip(
            rules["account_id"],
            rules["region"],
            rules["plan_id"],
            rules["plan_name"],
            rules["rule_name"],
            rules["copy_actions"],
            strict=True,
        ):
            for action in cast("tuple[dict[str, Any], ...]", actions):
                vault_arn = action.get("destination_vault_arn")
                ref = parse_vault_arn(vault_arn)
                if ref is not None:
                    rows.append((account_id, region, plan_id, plan_name, rule_name, vault_arn, *astuple(ref)))
        return pd.DataFrame(rows, columns=["account_id", "region", "plan_id", *ACTION_COLUMNS[3:]])

    return ctx.shared("copy_rule_destinations", build)


def copy_actions(ctx: RuleContext, protected: pd.DataFrame) -> pd.DataFrame:
    """One row per (protected resource, protecting plan rule, copy destination): ``KEYS +
    plan_name, rule_name, destination_vault_arn, dest_account, dest_region, dest_vault, rid``
    (destinations that are not a backup vault ARN are left out), in match order then action
    order: the same rows, in the same order, for a resource whatever else ``protected`` holds."""
    m = _copy_matches(ctx)
    m = m[np.isin(m[RID].to_numpy(), protected[RID].to_numpy())].drop_duplicates([RID, "plan_id"])
    destinations = rule_destinations(ctx)
    # Joined on the plan's number among the plans with copy actions (equal numbers: equal
    # account, Region and plan id), not on three strings.
    plans = _copy_plans(ctx)
    m = m.assign(plan_no=plans.ids(m, "plan_id"))
    right = destinations[ACTION_COLUMNS[3:]].assign(plan_no=plans.ids(destinations, "plan_id"))
    joined = m.merge(right, on="plan_no", how="inner")
    return joined[[*ACTION_COLUMNS, RID]]


def copied_by_plan(ctx: RuleContext, protected: pd.DataFrame, keep: pd.Series) -> pd.Series:
    """Mask of the ``protected`` rows one of whose protecting plans has a copy action among the
    rows of :func:`rule_destinations` under ``keep`` (whether :func:`copy_actions` of the
    resource has such a row, without building them)."""
    destinations = rule_destinations(ctx)
    plans = destinations.loc[keep.to_numpy(dtype=bool), ["account_id", "region", "plan_id"]].drop_duplicates()
    m = _copy_matches(ctx)
    hit = KeyLookup.of(plans, "plan_id").ids(m, "plan_id") >= 0
    mask = np.isin(protected[RID].to_numpy(), m[RID].to_numpy()[hit])
    return pd.Series(mask, index=protected.index, dtype=bool)


def _copy_matches(ctx: RuleContext) -> pd.DataFrame:
    """``KEYS + plan_id, rid`` of the effective matches of plans with a copy action (once per run):
    the matches of other plans join no destination."""

    def build() -> pd.DataFrame:
        m = ctx.protection.matches
        wanted = (flag(m["effective"]) & m["plan_id"].isin(rule_destinations(ctx)["plan_id"])).to_numpy()
        return m.loc[wanted, [*KEYS, "plan_id"]].assign(**{RID: match_ids(ctx)[wanted]})

    return ctx.shared("copies.copy_matches", build)


def _copy_plans(ctx: RuleContext) -> KeyLookup:
    """The (account, Region, plan id) of every plan with a copy action, numbered (once per run)."""
    return ctx.shared(
        "copies.copy_plans",
        lambda: KeyLookup.of(
            rule_destinations(ctx)[["account_id", "region", "plan_id"]].drop_duplicates(), "plan_id"
        ),
    )


# -- what the copy controls share within a run (BKP-036, BKP-037, BKP-039) -------------------


def _subjects_key(ctx: RuleContext, control: Control[Any], requires: tuple[str, ...]) -> Hashable:
    """What :func:`judged` depends on: the account-Regions where ``requires`` were collected and
    the control's scope (controls whose ``requires`` differ but hold in the same account-Regions
    share their frames)."""

    def build() -> frozenset[tuple[str, str]]:
        scopes = ctx.collected_scopes(requires)
        return frozenset(zip(scopes["account_id"], scopes["region"], strict=True))

    return ctx.shared(("copies.scopes", requires), build), control.scope


def judged(ctx: RuleContext, control: Control[Any], requires: tuple[str, ...]) -> pd.DataFrame:
    """:func:`protected_in_scope` of ``requires`` in ``control``'s scope (once per run and scope)."""
    return ctx.shared(
        ("copies.protected", _subjects_key(ctx, control, requires)),
        lambda: in_scope(ctx, control, protected_in_scope(ctx, requires), arn_column="arn"),
    )


def judged_sources(ctx: RuleContext, control: Control[Any], requires: tuple[str, ...]) -> pd.DataFrame:
    """:func:`sources` of :func:`judged` (once per run and scope)."""
    return ctx.shared(
        ("copies.sources", _subjects_key(ctx, control, requires)),
        lambda: sources(ctx, judged(ctx, control, requires)),
    )


def judged_copy_jobs(ctx: RuleContext, control: Control[Any], requires: tuple[str, ...]) -> pd.DataFrame:
    """:func:`latest_copy_jobs` of :func:`judged_sources`, for the resources with a FAILED copy
    job among those of their sources (once per run and scope): what :func:`failed_latest` reads,
    as the latest job of any other resource cannot have FAILED."""
    return ctx.shared(
        ("copies.jobs", _subjects_key(ctx, control, requires)),
        lambda: latest_copy_jobs(ctx, with_failed_job(ctx, judged_sources(ctx, control, requires))),
    )


def with_failed_job(ctx: RuleContext, src: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`sources` (all of a resource's sources) of the resources one of whose
    sources has a FAILED copy job in the resource's account-Region."""
    jobs = ctx.inventory.copy_jobs
    failed = jobs[(jobs["state"] == "FAILED") & jobs["resource_arn"].notna()]
    if failed.empty or src.empty:
        return src.iloc[:0]
    # Only the sources with a FAILED job somewhere are joined (one column hashed, not three).
    candidates = src[src["src"].isin(failed["resource_arn"])]
    hit = candidates.merge(
        failed[["account_id", "region", "resource_arn"]].drop_duplicates(),
        left_on=["account_id", "region", "src"],
        right_on=["account_id", "region", "resource_arn"],
        how="inner",
    )
    return src[key_mask(src, hit)]


Key = tuple[str, str, str]
"""(account id, Region, resource ARN) of a protected resource."""


@dataclass(frozen=True)
class Destination:
    """A copy destination a protecting plan rule names."""

    account_id: str
    region: str
    vault_arn: str


def planned(actions: pd.DataFrame) -> dict[Key, list[Destination]]:
    """The rows of :func:`copy_actions` per protected resource (each destination once, in row
    order)."""
    out: dict[Key, list[Destination]] = {}
    made: dict[tuple[str, str, str], Destination] = {}
    # Columns read as lists: iterating a string-dtype column reads it cell by cell.
    keys = zip(
        actions["account_id"].tolist(), actions["region"].tolist(), actions["arn"].tolist(), strict=True
    )
    dests = zip(
        actions["dest_account"].tolist(),
        actions["dest_region"].tolist(),
        actions["destination_vault_arn"].tolist(),
        strict=True,
    )
    for key, where_to in zip(keys, dests, strict=True):
        dest = made.get(where_to)
        if dest is None:
            dest = made[where_to] = Destination(*(str(v) for v in where_to))
        found = out.get(key)
        if found is None:
            out[key] = [dest]
        elif dest not in found:  # one object per destination: found by identity, not compared
            found.append(dest)
    return out


@dataclass(frozen=True)
class FailedJob:
    """The latest copy job of a resource (to the destinations that matter) when it FAILED."""

    job_id: str
    status_message: str | None


def failed_latest(jobs: pd.DataFrame) -> dict[Key, FailedJob]:
    """Of :func:`latest_copy_jobs` rows already filtered to the destinations that matter: the
    resources whose latest job FAILED."""
    latest = jobs.drop_duplicates([RID] if RID in jobs.columns else KEYS, keep="last")
    latest = latest[latest["state"] == "FAILED"]
    return {
        (str(a), str(r), str(arn)): FailedJob(str(job), maybe_str(msg))
        for a, r, arn, job, msg in zip(
            latest["account_id"],
            latest["region"],
            latest["arn"],
            latest["job_id"],
            latest["status_message"],
            strict=True,
        )
    }


def key_mask(protected: pd.DataFrame, keys: pd.DataFrame | set[Key] | dict[Key, Any]) -> pd.Series:
    """Boolean mask of the ``protected`` rows whose (account, Region, ARN) is among ``keys`` (by
    ``rid`` when both frames have it)."""
    empty = keys.empty if isinstance(keys, pd.DataFrame) else not keys
    if empty or protected.empty:
        return pd.Series(False, index=protected.index, dtype=bool)
    if isinstance(keys, pd.DataFrame):
        if RID in keys.columns and RID in protected.columns:
            return pd.Series(
                np.isin(protected[RID].to_numpy(), keys[RID].to_numpy()), index=protected.index, dtype=bool
            )
        arns, other = keys["arn"], joined_keys(keys)
    else:
        arns = pd.Series([k[2] for k in keys], dtype=object)
        other = pd.Series([_SEP.join(k) for k in keys], dtype=object)
    # Only the rows whose ARN is among the keys' have their whole key joined and compared.
    mask = protected["arn"].isin(arns).to_numpy(copy=True)
    at = np.flatnonzero(mask)
    mask[at] = joined_keys(protected.iloc[at]).isin(other).to_numpy()
    return pd.Series(mask, index=protected.index, dtype=bool)


_SEP = "|"
"""Joins a key's account, Region and ARN into one string (see :data:`KEY_SEPARATOR`)."""


def unread(ctx: RuleContext, destinations: list[Destination]) -> list[str]:
    """``account/Region`` of the destinations whose vaults this bundle could not read (computed
    once per run for each list of destinations)."""
    known: dict[tuple[Destination, ...], list[str]] = ctx.shared("copies.unread", dict)
    key = tuple(destinations)
    found = known.get(key)
    if found is None:
        found = sorted(
            {f"{d.account_id}/{d.region}" for d in destinations if not readable(ctx, d.account_id, d.region)}
        )
        known[key] = found
    return list(found)


def readable(ctx: RuleContext, account_id: str, region: str) -> bool:
    """Whether a destination account-Region's vaults and their recovery points were collected."""
    return ctx.is_collected(account_id, region, RECOVERY_POINTS_OPS)


def completed_points(ctx: RuleContext) -> pd.DataFrame:
    """COMPLETED recovery points with their vault's type: ``account_id, region, vault_name,
    resource_arn, creation_date, vault_type`` (once per run)."""

    def build() -> pd.DataFrame:
        rps = ctx.inventory.recovery_points
        done = rps.loc[
            ((rps["status"] == "COMPLETED") & rps["resource_arn"].notna()).to_numpy(),
            ["account_id", "region", "vault_name", "resource_arn", "creation_date"],
        ]
        vaults = ctx.inventory.vaults[["account_id", "region", "vault_name", "vault_type"]]
        return done.merge(vaults, on=["account_id", "region", "vault_name"], how="left")

    return ctx.shared("copies.completed_points", build)


def evidence(src: pd.DataFrame, points: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``rid, account_id`` (the resource's) and ``columns`` of :func:`completed_points` (its
    ``account_id``, ``region`` and ``vault_name`` named ``dest_account``, ``dest_region``,
    ``dest_vault``): the recovery points of each resource's sources anywhere in the bundle, only
    the columns asked for joined."""
    named = points.rename(
        columns={"account_id": "dest_account", "region": "dest_region", "vault_name": "dest_vault"}
    )
    found = src[[RID, "account_id", "src"]].merge(
        named[["resource_arn", *columns]], left_on="src", right_on="resource_arn", how="inner"
    )
    return found[[RID, "account_id", *columns]]


def latest_copy_jobs(ctx: RuleContext, src: pd.DataFrame) -> pd.DataFrame:
    """Per copy job of a resource's sources listed in the resource's own account-Region:
    ``KEYS + job_id, state, status_message, creation_date, dest_account, dest_region``, ordered by
    creation (the caller keeps the latest of those that matter to it)."""
    jobs = ctx.inventory.copy_jobs
    # The jobs of these sources only, before the (three-column) scope test and join.
    jobs = jobs[jobs["resource_arn"].notna() & jobs["resource_arn"].isin(src["src"])]
    jobs = ctx.only_collected(jobs, (COPY_JOBS_OP,))
    if jobs.empty:
        return pd.DataFrame(
            columns=[
                *KEYS,
                "job_id",
                "state",
                "status_message",
                "creation_date",
                "dest_account",
                "dest_region",
                RID,
            ]
        )
    joined = src.merge(
        jobs[
            [
                "account_id",
                "region",
                "resource_arn",
                "job_id",
                "state",
                "status_message",
                "creation_date",
                "destination_vault_arn",
            ]
        ],
        left_on=["account_id", "region", "src"],
        right_on=["account_id", "region", "resource_arn"],
        how="inner",
    )
    # Destinations parsed after the join: only the jobs of these sources, each vault ARN once.
    parsed = {
        arn: parse_vault_arn(arn) for arn in joined["destination_vault_arn"].unique() if isinstance(arn, str)
    }
    refs = joined["destination_vault_arn"].map(lambda arn: parsed[arn] if isinstance(arn, str) else None)
    joined = joined.assign(
        dest_account=refs.map(lambda r: None if r is None else r.account_id),
        dest_region=refs.map(lambda r: None if r is None else r.region),
    )
    ordered = joined.sort_values(["creation_date", "job_id"])
    return ordered[
        [*KEYS, "job_id", "state", "status_message", "creation_date", "dest_account", "dest_region", RID]
    ]


def copy_jobs_in_window(ctx: RuleContext, jobs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Copy jobs (``jobs``: some rows of the inventory's, default all) created within
    ``settings.job_window_days`` before ``as_of`` (and not after it), in account-Regions where
    ``ListCopyJobs`` was collected."""
    jobs = ctx.only_collected(ctx.inventory.copy_jobs if jobs is None else jobs, (COPY_JOBS_OP,))
    if jobs.empty:
        return jobs
    start = pd.Timestamp(ctx.as_of - timedelta(days=ctx.settings.job_window_days))
    created = pd.to_datetime(jobs["creation_date"], utc=True)
    return jobs[(created >= start) & (created <= pd.Timestamp(ctx.as_of))]


def organization_accounts(ctx: RuleContext) -> frozenset[str]:
    """Every account of the bundle's manifest (audited or not): the organization as this run knows it."""
    return frozenset(str(a) for a in ctx.inventory.accounts["account_id"])
