"""``--format ocsf``: one OCSF Detection Finding (class 2004) per finding, as a JSON array.

The Open Cybersecurity Schema Framework's Detection Finding is what Prowler emits by default and
what Amazon Security Lake ingests. Events follow OCSF 1.5.0 (https://schema.ocsf.io/1.5.0/classes/
detection_finding) with the Cloud profile: ``cloud.account`` is the finding's AWS account,
``cloud.region`` its Region, ``resources`` the resource (or the account), ``finding_info.uid`` the
finding's stable id (the same as ASFF and SARIF), ``remediation`` the rule's fix and documentation
link. OCSF 1.5's Detection Finding has no ``compliance`` object (that belongs to the Compliance
Finding class), so the compliance context goes under ``unmapped.compliance`` as Prowler does: the
rule and, per framework, the controls the rule gives evidence for (when its metadata names any).
A finding a waiver accepted has ``status_id`` 3 (Suppressed) and the waiver under
``unmapped.waiver``; others are 1 (New). Times are the evaluation's ``as_of``, so output is
reproducible. The tests validate every event with ``py-ocsf-models`` (Prowler's OCSF models).
"""

from __future__ import annotations

import json
from typing import Any

from auditor import TOOL_NAME, __version__
from auditor.model.results import EvaluationResult, Finding, Severity
from auditor.report.base import ReportFormat

OCSF_VERSION = "1.5.0"
CLASS_UID = 2004
CATEGORY_UID = 2
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE
SEVERITY_IDS = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
STATUS_NEW, STATUS_SUPPRESSED = (1, "New"), (3, "Suppressed")
AWS_ACCOUNT_TYPE_ID = 10
"""OCSF account ``type_id`` 10: AWS Account."""


def _resource(f: Finding, account: str) -> dict[str, Any]:
    """The resource (or, for an account / Region finding, the account); no null members."""
    return {k: v for k, v in _resource_members(f, account).items() if v is not None}


def _resource_members(f: Finding, account: str) -> dict[str, Any]:
    if f.resource_arn:
        return {
            "uid": f.resource_arn,
            "name": f.resource_arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
            "type": f.resource_type or "AWS::Resource",
            "region": f.region,
            "cloud_partition": "aws",
        }
    return {
        "uid": f"arn:aws:::{account}" if account else "organization",
        "name": account or "organization",
        "type": f.resource_type or "AWS::Account",
        "region": f.region,
        "cloud_partition": "aws",
    }


def _compliance(f: Finding) -> dict[str, Any]:
    """The rule and, per framework, the controls it gives evidence for (``RuleMetadata.controls``,
    :mod:`auditor.frameworks`): ``{"rule": "BKP-031", "audit-manager": [...], "security-hub": [...]}``."""
    from auditor.rules.registry import rules

    out: dict[str, Any] = {"rule": f.rule_id}
    if f.rule_id not in rules:
        return out
    for control in rules.get(f.rule_id).metadata.framework_controls:
        out.setdefault(control.framework.value, []).append(control.id)
    return out


def event(result: EvaluationResult, f: Finding) -> dict[str, Any]:
    """The Detection Finding event of ``f``."""
    org = result.organization or {}
    account = f.account_id or str(org.get("management_account_id") or "")
    when = int(result.as_of.timestamp() * 1000)
    severity_id, severity = SEVERITY_IDS[f.severity]
    status_id, status = STATUS_SUPPRESSED if f.waived else STATUS_NEW
    unmapped: dict[str, Any] = {"compliance": _compliance(f), "details": dict(f.details)}
    if f.waiver is not None:
        unmapped["waiver"] = f.waiver.to_json()
    cloud: dict[str, Any] = (
        {"provider": "AWS"} if f.region is None else {"provider": "AWS", "region": f.region}
    )
    if account:
        cloud["account"] = {
            "uid": account,
            "name": account,
            "type": "AWS Account",
            "type_id": AWS_ACCOUNT_TYPE_ID,
        }
    if org.get("id"):
        cloud["org"] = {"uid": str(org["id"])}
    return {
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": TOOL_NAME,
                "vendor_name": TOOL_NAME,
                "version": result.tool_version or __version__,
            },
            "event_code": f.rule_id,
            "uid": f.id,
            "profiles": ["cloud"],
        },
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": f.message,
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": TYPE_UID,
        "type_name": "Detection Finding: Create",
        "time": when,
        "finding_info": {
            "uid": f.id,
            "title": f"{f.rule_id} {f.title}",
            "desc": f.message,
            "types": ["Backup"],
            "created_time": when,
        },
        "cloud": cloud,
        "resources": [_resource(f, account)],
        "remediation": {"desc": f.remediation or f.title, "references": [f.doc_url] if f.doc_url else []},
        "unmapped": unmapped,
    }


class OcsfFormat(ReportFormat):
    suffix = ".ocsf.json"

    def render(self, result: EvaluationResult) -> str:
        """The JSON array of events (one event per line inside the array, for line readers)."""
        events = [
            json.dumps(event(result, f), ensure_ascii=False, allow_nan=False, default=str)
            for f in result.findings
        ]
        return "[\n" + ",\n".join(events) + ("\n" if events else "") + "]\n"
