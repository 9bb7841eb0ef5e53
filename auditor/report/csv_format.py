"""``--format csv``: one row per finding (pandas writes it); ``ResourcesCsv`` for the inventory.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return; user-controlled tag values and names can) are prefixed with ``'`` (OWASP CSV
injection guidance). Numbers are written as numbers.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from auditor.model.results import EvaluationResult
from auditor.report.base import ReportFormat, fingerprint
from auditor.report.view import COST_KEY, status_of

FINDING_COLUMNS = (
    "rule_id",
    "severity",
    "account_id",
    "region",
    "resource_arn",
    "resource_type",
    "title",
    "message",
    "remediation",
    "doc_url",
    COST_KEY,
    "details",
    "fingerprint",
    "waiver_status",
    "waiver_owner",
    "waiver_expires",
)
RESOURCE_COLUMNS = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "name",
    "status",
    "reason",
    "protected_by",
    "tags",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Keep a text cell from being evaluated as a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):  # object or str dtype (pandas 3)
            frame[column] = frame[column].map(neutralise)
    return frame


class CsvFormat(ReportFormat):
    suffix = ".csv"

    def render(self, result: EvaluationResult) -> str:
        rows = []
        for f in result.findings:
            row = f.to_json()
            cost = f.details.get(COST_KEY)
            row[COST_KEY] = cost if isinstance(cost, int | float) and not isinstance(cost, bool) else None
            row["details"] = json.dumps(dict(f.details), sort_keys=True, default=str)
            row["fingerprint"] = fingerprint(f)
            row.pop("waiver", None)
            w = f.waiver
            row["waiver_status"] = None if w is None else w.status
            row["waiver_owner"] = None if w is None else w.owner
            row["waiver_expires"] = None if w is None else w.expires
            rows.append(row)
        return str(_frame(rows, FINDING_COLUMNS).to_csv(index=False, lineterminator="\n"))


class ResourcesCsv(ReportFormat):
    """The resource inventory (``--resources-csv``): one row per resource."""

    suffix = ".csv"

    def render(self, result: EvaluationResult) -> str:
        rows = []
        for r in result.resources:
            selections = [
                f"{s.get('plan_name', '')}/{s.get('selection_name', '')}" for s in r.get("selections") or ()
            ]
            tags = r.get("tags") or {}
            rows.append(
                {
                    "arn": r.get("arn"),
                    "account_id": r.get("account_id"),
                    "region": r.get("region"),
                    "resource_type": r.get("resource_type"),
                    "name": r.get("name"),
                    "status": status_of(r.get("protected")),
                    "reason": r.get("reason"),
                    "protected_by": "; ".join(selections) if r.get("protected") is True else "",
                    "tags": json.dumps(dict(tags), sort_keys=True) if tags else "",
                }
            )
        return str(_frame(rows, RESOURCE_COLUMNS).to_csv(index=False, lineterminator="\n"))
