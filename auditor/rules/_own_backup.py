"""Which unprotected resources BKP-002 reports and which BKP-017 reports instead.

BKP-002 and BKP-017 share the same set of resources no selection protects (:func:`unprotected`);
one whose own service backs it up (:mod:`auditor.protection.own_backup`) is BKP-017's, every other
one BKP-002's, which says when the own-service signal could not be read (bundle older than
version 3, or the signal's operations failed in that account-region).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from auditor.protection.own_backup import SIGNAL_OPERATIONS, own_backup
from auditor.rules._common import SELECTION_OPS, flag, lookup
from auditor.rules.base import RuleContext


def unprotected(ctx: RuleContext) -> pd.DataFrame:
    """Verdict rows of the resources no selection protects that BKP-002 / BKP-017 judge: not
    blocked by the opt-in (BKP-001), not unsupported (BKP-007/008; an unselected S3 bucket without
    versioning is unprotected like any other), in account-regions whose selections were read."""
    verdicts = ctx.protection.verdicts
    unversioned = flag(verdicts["unsupported"], "s3-versioning")
    if unversioned.any():  # the ARNs compared only when some bucket lacks versioning
        unversioned &= ~verdicts["arn"].isin(ctx.protection.matches["arn"])
    rows = verdicts[flag(verdicts["protected"], False) & (verdicts["unsupported"].isna() | unversioned)]
    rows = ctx.only_collected(rows, SELECTION_OPS)
    if rows.empty:
        return rows
    matches = ctx.protection.matches
    blocked = set(matches.loc[flag(matches["blocked_by"], "opt-in"), "arn"])
    return rows[~rows["arn"].isin(blocked)]


@dataclass(frozen=True)
class OwnBackups:
    """Per ARN of :func:`unprotected`: the own-service backup found, or the operations that would
    have said so but were not collected."""

    found: dict[str, str]
    not_collected: dict[str, tuple[str, ...]]


def own_backups(ctx: RuleContext, rows: pd.DataFrame) -> OwnBackups:
    found: dict[str, str] = {}
    missing: dict[str, tuple[str, ...]] = {}
    if rows.empty:
        return OwnBackups(found, missing)
    res = ctx.inventory.resources
    retention = lookup(res, rows["arn"], "backup_retention_days")
    own = lookup(res, rows["arn"], "own_backup")
    # (account, region, type) -> its signal operations not collected there (computed once).
    unread: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for arn, t, a, r in zip(
        rows["arn"].tolist(),
        rows["resource_type"].tolist(),
        rows["account_id"].tolist(),
        rows["region"].tolist(),
        strict=True,
    ):
        said = own_backup(str(t), retention.get(arn), own.get(arn))
        if said is not None:
            found[arn] = said
            continue
        key = (str(a), str(r), str(t))
        if key not in unread:
            ops = SIGNAL_OPERATIONS.get(key[2], ())
            unread[key] = tuple(op for op in ops if not ctx.is_collected(key[0], key[1], (op,)))
        gaps = unread[key]
        if gaps:
            missing[arn] = gaps
    return OwnBackups(found, missing)


def unprotected_split(ctx: RuleContext) -> tuple[pd.DataFrame, OwnBackups]:
    """:func:`unprotected` and its :func:`own_backups`, built once per run (BKP-002 and BKP-017
    share them; neither modifies them)."""

    def build() -> tuple[pd.DataFrame, OwnBackups]:
        rows = unprotected(ctx)
        return rows, own_backups(ctx, rows)

    return ctx.shared("unprotected-own-backups", build)
