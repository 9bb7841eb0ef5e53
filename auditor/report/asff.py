"""``--format asff``: AWS Security Finding Format, the ``Findings`` of a BatchImportFindings call.

One ASFF finding per finding. ``Id`` is derived from the rule and the finding's subject only
(``base.fingerprint``), so importing the next run's findings updates the same Security Hub findings
instead of adding duplicates. Timestamps are the evaluation's ``as_of`` so output is reproducible.
Field limits from the ASFF syntax reference: Title 256 characters, Description 1024,
Remediation.Recommendation.Text 512.
https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html
``Compliance.RelatedRequirements`` names the controls of other frameworks the finding is evidence
for (``"AWS Security Hub EC2.28"``, ``auditor.frameworks``), only those that judge the finding's
resource type; the API model (botocore ``securityhub`` shape ``Compliance``) allows at most 32
non-empty strings, so the list is cut there.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from auditor import TOOL_NAME
from auditor.compliance import requirements_of
from auditor.model.results import EvaluationResult, Finding, Severity
from auditor.report.base import ReportFormat, fingerprint

SCHEMA_VERSION = "2018-10-08"
DEFAULT_REGION = "us-east-1"
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices/Backup"
LABELS: dict[Severity, str] = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
RESOURCE_TYPES = {
    "RDS": "AwsRdsDbInstance",
    "Aurora": "AwsRdsDbCluster",
    "DynamoDB": "AwsDynamoDbTable",
    "EBS": "AwsEc2Volume",
    "EC2": "AwsEc2Instance",
    "EFS": "AwsEfsFileSystem",
    "Redshift": "AwsRedshiftCluster",
    "CloudFormation": "AwsCloudFormationStack",
}
TITLE_MAX, DESCRIPTION_MAX, RECOMMENDATION_MAX = 256, 1024, 512
RELATED_REQUIREMENTS_MAX = 32


def _cut(text: str, limit: int) -> str:
    text = text.strip() or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _iso(result: EvaluationResult) -> str:
    return result.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class AsffFormat(ReportFormat):
    suffix = ".asff.json"

    def __init__(self, default_region: str = DEFAULT_REGION, default_account: str | None = None) -> None:
        self.default_region = default_region
        """Region for findings about a whole account (they still need a product ARN)."""
        self.default_account = default_account
        """Account for organization-level findings; defaults to the management account."""

    def _account(self, result: EvaluationResult, f: Finding) -> str:
        if f.account_id:
            return f.account_id
        if self.default_account:
            return self.default_account
        org = result.organization or {}
        return str(org.get("management_account_id") or "000000000000")

    def finding(self, result: EvaluationResult, f: Finding) -> dict[str, Any]:
        account = self._account(result, f)
        region = f.region or self.default_region
        if f.resource_arn:
            resource = {
                "Type": RESOURCE_TYPES.get(f.resource_type or "", "Other"),
                "Id": f.resource_arn,
                "Partition": "aws",
                "Region": region,
            }
        else:
            resource = {
                "Type": "AwsAccount",
                "Id": f"AWS::::Account:{account}",
                "Partition": "aws",
                "Region": region,
            }
        description = f.message
        if f.region is None:
            description = f"{description} (account-wide)"
        when = _iso(result)
        compliance: dict[str, Any] = {"Status": "FAILED"}
        related = requirements_of(f.rule_id, f.resource_type)[:RELATED_REQUIREMENTS_MAX]
        if related:
            compliance["RelatedRequirements"] = list(related)
        return {
            "SchemaVersion": SCHEMA_VERSION,
            "Id": f"{TOOL_NAME}/{f.rule_id}/{fingerprint(f)}",
            "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
            "ProductName": TOOL_NAME,
            "GeneratorId": f.rule_id,
            "AwsAccountId": account,
            "Region": region,
            "Types": [FINDING_TYPE],
            "CreatedAt": when,
            "UpdatedAt": when,
            "Severity": {"Label": LABELS[f.severity], "Original": f.severity.value},
            "Title": _cut(f"{f.rule_id} {f.title}", TITLE_MAX),
            "Description": _cut(description, DESCRIPTION_MAX),
            "Remediation": {
                "Recommendation": {"Text": _cut(f.remediation, RECOMMENDATION_MAX), "Url": f.doc_url}
            },
            "Resources": [resource],
            "Compliance": compliance,
            "RecordState": "ACTIVE",
            "ProductFields": {
                "backup-auditor/rule": f.rule_id,
                "backup-auditor/version": result.tool_version,
            },
        }

    def render(self, result: EvaluationResult) -> str:
        findings = [self.finding(result, f) for f in result.findings]
        return json.dumps({"Findings": findings}, indent=2) + "\n"
