"""Helpers shared by the compliance controls (BKP-030 ...): scopes and parameter texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from auditor.controls import Control
from auditor.rules._common import group_records, records
from auditor.rules.base import RuleContext

AUDIT_MANAGER_CONTROLS = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"
)
"""AWS Backup Audit Manager's controls, their parameters, defaults and scopes."""


def in_scope(
    ctx: RuleContext,
    control: Control[Any],
    frame: pd.DataFrame,
    arn_column: str = "resource_arn",
    type_column: str | None = "resource_type",
) -> pd.DataFrame:
    """Rows of ``frame`` whose subject is in ``control``'s scope (all rows for the default scope).

    A tag scope reads the tags of the inventoried resource with that ARN: a subject that is not
    in the inventory (its tags unknown) is out of a tag scope."""
    scope = control.scope
    if scope.everything or frame.empty:
        return frame
    tags = None
    if scope.tag_key is not None:
        res = ctx.inventory.resources
        tags = frame[arn_column].map(dict(zip(res["arn"].tolist(), res["tags"].tolist(), strict=True)))
    types = frame[type_column] if type_column is not None else None
    return frame[scope.mask(frame[arn_column], types, tags)]


def scope_details(control: Control[Any]) -> dict[str, Any]:
    """The scope as a finding's details show it."""
    return {"scope": control.scope.text()}


def days_text(days: float) -> str:
    """``7 days`` / ``1 day`` / ``2.5 days`` for messages."""
    value = round(days, 2)
    shown = int(value) if value == int(value) else value
    return f"{shown} day" if shown == 1 else f"{shown} days"


def points_by_resource(
    points: pd.DataFrame, columns: Sequence[str]
) -> list[tuple[tuple[Any, ...], list[dict[str, Any]]]]:
    """Recovery points grouped per (account, region, source resource ARN), groups in key order and
    each group's rows in recovery point ARN order; every row holds the account, region, resource
    ARN and type plus ``columns``."""
    rows = records(
        points.sort_values("recovery_point_arn"),
        ["account_id", "region", "resource_arn", "resource_type", *columns],
    )
    return sorted(group_records(rows, "account_id", "region", "resource_arn").items())


RID = "rid"
"""Column of the controls' frames of protected resources (and of what is joined to them): the
resource's id, :func:`verdict_ids`. Equal ids are equal (account, Region, ARN) keys, compared and
hashed as one integer instead of three strings."""


def verdict_ids(ctx: RuleContext, frame: pd.DataFrame, arn_column: str = "arn") -> np.ndarray:
    """Per row of ``frame`` (``account_id``, ``region``, ``arn_column``): the position in
    ``ctx.protection.verdicts`` of the first verdict with the same account, Region and ARN; -1
    when no verdict has that key (ids are equal exactly when the keys are, for keys with a
    verdict)."""
    lookup = ctx.shared("controls.verdict_lookup", lambda: KeyLookup.of(ctx.protection.verdicts, "arn"))
    return lookup.ids(frame, arn_column)


def verdict_row_ids(ctx: RuleContext, rows: pd.DataFrame) -> np.ndarray:
    """:func:`verdict_ids` of ``rows``, some rows of ``ctx.protection.verdicts`` (their index
    labels kept): their own positions when no two verdicts have the same key and the verdicts
    have the default index, else looked up."""
    verdicts = ctx.protection.verdicts
    lookup = ctx.shared("controls.verdict_lookup", lambda: KeyLookup.of(verdicts, "arn"))
    plain = isinstance(verdicts.index, pd.RangeIndex) and verdicts.index.equals(pd.RangeIndex(len(verdicts)))
    if lookup.unique and plain:
        return rows.index.to_numpy(dtype=np.int64)
    return lookup.ids(rows, "arn")


def match_ids(ctx: RuleContext) -> np.ndarray:
    """:func:`verdict_ids` of every row of ``ctx.protection.matches`` (once per run)."""
    return ctx.shared("controls.match_ids", lambda: verdict_ids(ctx, ctx.protection.matches))


@dataclass(frozen=True)
class KeyLookup:
    """The (account, Region, ``column``) keys of a frame indexed once: by ``column`` alone when
    its values are unique (the account and Region then checked per row), else by the joined key."""

    index: pd.Index
    by_name: bool
    accounts: np.ndarray
    regions: np.ndarray
    positions: np.ndarray
    """Position of each ``index`` entry among the frame's rows."""
    unique: bool
    """Whether no two rows of the frame have the same key."""

    @classmethod
    def of(cls, frame: pd.DataFrame, column: str) -> KeyLookup:
        accounts = frame["account_id"].to_numpy(dtype=object)
        regions = frame["region"].to_numpy(dtype=object)
        names = pd.Index(frame[column].to_numpy(dtype=object))
        if names.is_unique:
            return cls(names, True, accounts, regions, np.arange(len(names), dtype=np.int64), True)
        keys = joined_keys(frame, column)
        first = ~keys.duplicated().to_numpy()
        positions = np.flatnonzero(first).astype(np.int64)
        return cls(pd.Index(keys.to_numpy()[first]), False, accounts, regions, positions, bool(first.all()))

    def ids(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        """Per row of ``frame``: the position of the first row with the same key, -1 for none."""
        if frame.empty:
            return np.empty(0, dtype=np.int64)
        if not self.by_name:
            at = self.index.get_indexer(pd.Index(joined_keys(frame, column)))
            return np.where(at >= 0, self.positions[at], -1).astype(np.int64)
        at = self.index.get_indexer(pd.Index(frame[column].to_numpy(dtype=object))).astype(np.int64)
        hit = np.flatnonzero(at >= 0)
        pos = at[hit]
        same = (self.accounts[pos] == frame["account_id"].to_numpy(dtype=object)[hit]) & (
            self.regions[pos] == frame["region"].to_numpy(dtype=object)[hit]
        )
        at[hit[~same.astype(bool)]] = -1
        return at


KEY_SEPARATOR = "|"
"""Joins a key's account, Region and ARN into one string: one-to-one, as neither an account id
nor a Region holds it and the ARN comes last."""


def joined_keys(frame: pd.DataFrame, arn_column: str = "arn") -> pd.Series:
    """Each row's (account, Region, ``arn_column``) as one string, compared and hashed once."""
    parts = [frame[c].astype("object") for c in ("account_id", "region", arn_column)]
    return parts[0] + KEY_SEPARATOR + parts[1] + KEY_SEPARATOR + parts[2]
