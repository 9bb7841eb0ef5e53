"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards.

One run; ``tool.driver.rules`` lists each rule that fired (id, name, short description, help URI,
default level); each finding is a result located by a logical location: the resource ARN, or the
account / region it is about. ``partialFingerprints`` are stable across runs (rule + subject).
``properties.security-severity`` follows GitHub code scanning's convention (0.0-10.0). A rule's
``properties.controls`` lists the controls of other frameworks it gives evidence for (framework,
id, AWS documentation URL: ``auditor.frameworks``).
"""

from __future__ import annotations

import json
from typing import Any

from auditor import TOOL_NAME
from auditor.model.results import EvaluationResult, Finding, Severity
from auditor.report.base import ReportFormat, fingerprint
from auditor.rules.registry import rules as registry

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/backup-auditor/backup-auditor"
FINGERPRINT_KEY = "backupAuditorSubject/v1"

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule_name(title: str) -> str:
    """SARIF rule names are identifiers: PascalCase from the title's words."""
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _controls(rule_id: str) -> list[dict[str, str]]:
    """The rule's mapped controls; none for an id this version does not know (an older report)."""
    if rule_id not in registry:
        return []
    return [
        {"framework": c.framework.value, "id": c.id, "url": c.url}
        for c in registry.get(rule_id).metadata.framework_controls
    ]


def _locations(f: Finding) -> list[dict[str, Any]]:
    if f.resource_arn:
        loc: dict[str, Any] = {
            "fullyQualifiedName": f.resource_arn,
            "name": f.resource_arn,
            "kind": "resource",
        }
    elif f.region:
        loc = {"fullyQualifiedName": f"{f.account_id}/{f.region}", "name": f.region, "kind": "region"}
    else:
        loc = {
            "fullyQualifiedName": f.account_id or "organization",
            "name": f.account_id or "organization",
            "kind": "account",
        }
    return [{"logicalLocations": [loc]}]


def _suppressions(f: Finding) -> dict[str, Any]:
    """A finding an active waiver accepted is suppressed (SARIF 2.1.0 §3.35: ``external``, status
    ``accepted``, the waiver's reason as justification); others carry no ``suppressions``."""
    if f.waiver is None or not f.waived:
        return {}
    w = f.waiver
    return {
        "suppressions": [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.reason} (owner {w.owner}, until {w.expires}"
                + (f", {w.ticket}" if w.ticket else "")
                + ")",
            }
        ]
    }


class SarifFormat(ReportFormat):
    suffix = ".sarif"

    def render(self, result: EvaluationResult) -> str:
        rules: dict[str, dict[str, Any]] = {}
        for f in sorted(result.findings, key=lambda x: x.rule_id):
            rules.setdefault(
                f.rule_id,
                {
                    "id": f.rule_id,
                    "name": _rule_name(f.title),
                    "shortDescription": {"text": f.title},
                    "fullDescription": {"text": f.title},
                    "help": {"text": f.remediation},
                    "helpUri": f.doc_url,
                    "defaultConfiguration": {"level": LEVELS[f.severity]},
                    "properties": {
                        "security-severity": SECURITY_SEVERITY[f.severity],
                        "tags": ["aws-backup", f.severity.value],
                        "controls": _controls(f.rule_id),
                    },
                },
            )
        index = {rule_id: i for i, rule_id in enumerate(rules)}
        results = [
            {
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": LEVELS[f.severity],
                "message": {"text": f.message},
                "locations": _locations(f),
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
                "properties": {
                    "severity": f.severity.value,
                    "accountId": f.account_id,
                    "region": f.region,
                    "resourceType": f.resource_type,
                    "details": dict(f.details),
                },
                **_suppressions(f),
            }
            for f in result.findings
        ]
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": TOOL_NAME,
                            "version": result.tool_version,
                            "semanticVersion": result.tool_version,
                            "informationUri": INFORMATION_URI,
                            "rules": list(rules.values()),
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "endTimeUtc": result.as_of.isoformat().replace("+00:00", "Z"),
                        }
                    ],
                    "results": results,
                }
            ],
        }
        return json.dumps(doc, indent=2, default=str) + "\n"
