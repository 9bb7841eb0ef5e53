"""``--format json``: the findings JSON (``backup-auditor-findings`` version 1, issue 3 §4).

TEMPORARY: until ``auditor/findings_json.py`` lands this module builds the document itself; it
will then delegate to it so there is one writer of the format.
"""

from __future__ import annotations

import json
from typing import Any

from auditor import TOOL_NAME
from auditor.model.results import FINDINGS_FORMAT, FINDINGS_VERSION, EvaluationResult
from auditor.report.base import ReportFormat
from auditor.report.view import build_view


def _document(result: EvaluationResult) -> dict[str, Any]:
    view = build_view(result)
    summary = dict(result.summary) or {
        "findings": view.total_findings,
        "by_severity": {s.value: n for s, n in view.severity_counts},
        "resources": view.totals.total,
        "protected": view.totals.protected,
        "unprotected": view.totals.unprotected,
        "unknown": view.totals.unknown,
        "estimated_monthly_cost_usd": view.monthly_cost_usd,
    }
    return {
        "format": FINDINGS_FORMAT,
        "version": FINDINGS_VERSION,
        "as_of": result.as_of.isoformat(),
        "audit": {
            "organization": dict(result.organization) if result.organization else None,
            "accounts": [dict(a) for a in result.accounts],
            "collected_at": result.collected_at.isoformat(),
            "tool": {"name": TOOL_NAME, "version": result.tool_version},
        },
        "summary": summary,
        "coverage": [c.to_json() for c in result.coverage],
        "resources": [dict(r) for r in result.resources],
        "findings": [f.to_json() for f in result.findings],
        "plans": [dict(p) for p in result.plans],
        "errors": [dict(e) for e in result.errors],
    }


class JsonFormat(ReportFormat):
    suffix = ".json"

    def render(self, result: EvaluationResult) -> str:
        return json.dumps(_document(result), indent=2, sort_keys=False, default=str) + "\n"
