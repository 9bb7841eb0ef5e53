"""Helpers shared by rule modules: operation keys, vectorised ARN parsing, boolean columns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from auditor.model.cells import maybe_str as maybe_str  # the rules read cells through _common
from auditor.protection.resolver import DECIDING_OPERATIONS
from auditor.protection.via import FINDING_TEXT
from auditor.services import chain, operation, rds, source_operations

SELECTION_OPS: tuple[str, ...] = tuple(DECIDING_OPERATIONS)
"""What the resolver needs to decide whether a selection protects a resource (its own list)."""
# Operation keys of the declarations (auditor.services): an undeclared key fails at import.
PLAN_OP = operation("backup.GetBackupPlan").key

REGION_SETTINGS_OP = operation("backup.DescribeRegionSettings").key
RECOVERY_POINTS_OPS: tuple[str, ...] = chain("backup.ListRecoveryPointsByBackupVault")
"""The vault listing and the recovery points of each vault."""
JOBS_OP = operation("backup.ListBackupJobs").key

RDS_FAMILY: tuple[str, ...] = tuple(kind.backup_type for kind in rds.KINDS)
"""The AWS Backup types of RDS's API: RDS, Aurora, Neptune, DocumentDB."""

# (service, prefix of the ARN's resource part) -> the operation that lists such sources.
_SOURCE_OPERATIONS: tuple[tuple[str, str, str], ...] = source_operations()


def flag(series: pd.Series, value: str | bool = True) -> pd.Series:
    """Boolean mask ``series == value`` where missing values (None / NA) count as not equal."""
    return series.eq(value).fillna(False).astype(bool)


def source_operation_of(arn: str) -> str | None:
    """The ``service.Operation`` whose listing would contain the source ``arn`` (None: not one of
    the inventoried kinds, so its existence cannot be judged)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    for svc, prefix, op in _SOURCE_OPERATIONS:
        if parts[2] == svc and parts[5].startswith(prefix):
            return op
    return None


def selection_label(frame: pd.DataFrame) -> pd.Series:
    """``plan `NAME` / selection `NAME` (how)`` for rows of a matches frame (how: ``Via.finding``)."""
    return (
        "plan `"
        + frame["plan_name"].astype(str)
        + "` / selection `"
        + frame["selection_name"].astype(str)
        + "`"
        + " ("
        + frame["via"].map(FINDING_TEXT).fillna(frame["via"].astype(str))
        + ")"
    )


def selection_refs(frame: pd.DataFrame) -> pd.Series:
    """JSON-ready selection references (one dict per row of a matches frame)."""
    cols = ["plan_id", "plan_name", "selection_id", "selection_name", "via"]
    records = frame[cols].astype("object").to_dict("records")
    return pd.Series(records, index=frame.index, dtype="object")


def where(account_id: object, region: object) -> str:
    """``account 111111111111, us-east-1`` for messages."""
    return f"account {account_id}, {region}"


def to_float(value: Any) -> float:
    """A frame cell as ``float`` (NaN when missing or not a number)."""
    if value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


_OPERATION_PREFIX = re.compile(r"^[a-z0-9-]+\.[A-Za-z0-9]+: ")


def reason_line(operation: str, code: str | None, message: str | None) -> str:
    """``operation: code: message`` for a coverage row (messages that already start with the
    operation are used as they are)."""
    if message and message.startswith(f"{operation}:"):
        return message
    if message and _OPERATION_PREFIX.match(message):
        return f"{operation}: {message}"  # failed because another call failed (e.g. sts.AssumeRole)
    if code:
        return f"{operation}: {code}: {message or ''}".rstrip(": ")
    return f"{operation}: {message or 'not collected'}"


def records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as plain dicts built column-wise (much faster than ``iterrows`` / per-group frames)."""
    cols = list(frame.columns) if columns is None else list(columns)
    values = [frame[c].tolist() for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def group_records(rows: Iterable[dict[str, Any]], *keys: str) -> dict[Any, list[dict[str, Any]]]:
    """``rows`` grouped by one column (key: its value) or several (key: a tuple), groups in
    first-seen order; plain dicts, no per-group frame."""
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        out.setdefault(key, []).append(row)
    return out


def lookup(frame: pd.DataFrame, arns: pd.Series, column: str) -> dict[Any, Any]:
    """``arn -> frame[column]`` for the rows of ``frame`` whose ``arn`` is among ``arns``."""
    rows = frame[frame["arn"].isin(arns)]
    return dict(zip(rows["arn"].tolist(), rows[column].tolist(), strict=True))


def tri(value: Any) -> bool | None:
    """True / False / None from a frame cell (numpy bools included; None, NaN and NA are None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return bool(value)
