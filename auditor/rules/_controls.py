"""Helpers shared by the compliance controls (BKP-030 ...): scopes and parameter texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
