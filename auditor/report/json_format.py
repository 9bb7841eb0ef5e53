"""``--format json``: the findings JSON (``backup-auditor-findings``, version 2 by default).

``auditor.findings_json`` is the one writer and reader of the format; this is its entry in the
format enum.
"""

from __future__ import annotations

from auditor.findings_json import dumps
from auditor.model.results import EvaluationResult
from auditor.report.base import ReportFormat


class JsonFormat(ReportFormat):
    suffix = ".json"

    def render(self, result: EvaluationResult) -> str:
        return dumps(result)
