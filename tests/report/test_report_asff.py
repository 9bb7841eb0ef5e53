"""ASFF: BatchImportFindings ``Findings`` validated against botocore's securityhub model."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import botocore.session
from botocore.model import StructureShape
from botocore.validate import ParamValidator

from auditor.model.results import EvaluationResult
from auditor.report.asff import DESCRIPTION_MAX, TITLE_MAX, AsffFormat

_MODEL = botocore.session.get_session().get_service_model("securityhub")


def _findings(result: EvaluationResult) -> list[dict[str, Any]]:
    doc = json.loads(AsffFormat().render(result))
    assert list(doc) == ["Findings"]
    findings: list[dict[str, Any]] = doc["Findings"]
    return findings


def test_batch_import_findings_input_validates_against_botocore(result: EvaluationResult) -> None:
    findings = _findings(result)
    shape = _MODEL.operation_model("BatchImportFindings").input_shape
    assert shape is not None
    report = ParamValidator().validate({"Findings": findings}, shape)
    assert not report.has_errors(), report.generate_report()


def test_every_required_aws_security_finding_member_is_present_and_typed(result: EvaluationResult) -> None:
    shape = _MODEL.shape_for("AwsSecurityFinding")
    assert isinstance(shape, StructureShape)
    for f in _findings(result):
        assert set(shape.required_members) <= set(f)
        for name, value in f.items():
            member = shape.members[name]  # KeyError: a member the model does not know
            expected = {"string": str, "structure": dict, "list": list, "map": dict, "integer": int}
            assert isinstance(value, expected[member.type_name]), name


def test_values_follow_the_asff_rules(result: EvaluationResult) -> None:
    for out, f in zip(_findings(result), result.findings, strict=True):
        account = f.account_id
        assert out["SchemaVersion"] == "2018-10-08"
        assert out["GeneratorId"] == f.rule_id
        assert out["AwsAccountId"] == account
        region = f.region or "us-east-1"
        assert out["ProductArn"] == f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
        assert out["Severity"]["Label"] == {"info": "INFORMATIONAL"}.get(
            f.severity.value, f.severity.value.upper()
        )
        assert out["Compliance"]["Status"] == "FAILED"
        assert set(out["Compliance"]) <= {"Status", "RelatedRequirements"}
        assert out["Remediation"]["Recommendation"]["Url"] == f.doc_url
        assert out["CreatedAt"] == out["UpdatedAt"] == "2026-11-20T06:00:00.000Z"
        assert re.fullmatch(r"[A-Z][\w ]+/[\w ]+/\w+", out["Types"][0])
        res = out["Resources"][0]
        if f.resource_arn:
            assert res["Id"] == f.resource_arn
        else:
            assert res == {
                "Type": "AwsAccount",
                "Id": f"AWS::::Account:{account}",
                "Partition": "aws",
                "Region": region,
            }


def test_resource_types_map_to_asff_types(result: EvaluationResult) -> None:
    types = {
        f.resource_type: out["Resources"][0]["Type"]
        for out, f in zip(_findings(result), result.findings, strict=True)
        if f.resource_arn
    }
    assert types["Aurora"] == "AwsRdsDbCluster"
    assert types["RDS"] == "AwsRdsDbInstance"
    assert types["EC2"] == "AwsEc2Instance"
    assert types["EFS"] == "AwsEfsFileSystem"
    assert types["DynamoDB"] == "AwsDynamoDbTable"


def test_ids_are_unique_deterministic_and_survive_a_changed_message(result: EvaluationResult) -> None:
    ids = [f["Id"] for f in _findings(result)]
    assert len(set(ids)) == len(ids)
    assert ids == [f["Id"] for f in _findings(result)]
    later = replace(
        result, findings=tuple(replace(f, message="reworded " + f.message) for f in result.findings)
    )
    assert [f["Id"] for f in _findings(later)] == ids
    assert all(i.startswith("backup-auditor/BKP-") for i in ids)


def test_long_text_is_cut_to_the_asff_limits(result: EvaluationResult) -> None:
    f = replace(result.findings[0], title="T" * 400, message="M" * 3000, remediation="R" * 900)
    out = _findings(replace(result, findings=(f,)))[0]
    assert len(out["Title"]) == TITLE_MAX and out["Title"].endswith("…")
    assert len(out["Description"]) == DESCRIPTION_MAX
    assert len(out["Remediation"]["Recommendation"]["Text"]) == 512


def test_organization_level_finding_uses_the_management_account(result: EvaluationResult) -> None:
    f = replace(result.findings[0], account_id=None, region=None, resource_arn=None)
    out = _findings(replace(result, findings=(f,)))[0]
    assert out["AwsAccountId"] == "999999999999"
    assert out["Description"].endswith("(account-wide)")


def test_related_requirements_name_the_controls_of_the_finding_resource_type(
    bundle_result: EvaluationResult,
) -> None:
    by_type: dict[tuple[str, str | None], list[str]] = {}
    for out, f in zip(_findings(bundle_result), bundle_result.findings, strict=True):
        by_type[(f.rule_id, f.resource_type)] = out["Compliance"].get("RelatedRequirements", [])
    table = by_type[("BKP-002", "DynamoDB")]
    assert "AWS Security Hub DynamoDB.4" in table
    assert "AWS Config dynamodb-in-backup-plan" in table
    assert "AWS Backup Audit Manager BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN" in table
    assert not any("EC2.28" in r or "ebs-" in r or "RDS.26" in r for r in table)  # other types'
    assert "AWS Security Hub EFS.2" in by_type[("BKP-002", "EFS")]
    assert by_type[("BKP-030", None)] == [
        "AWS Backup Audit Manager BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        "AWS Config backup-plan-min-frequency-and-min-retention-check",
    ]
    unmapped = [k for k in by_type if k[0] in ("BKP-014", "BKP-090", "BKP-012")]
    assert unmapped and all(by_type[k] == [] for k in unmapped)
    assert all(len(v) <= 32 and all(x.strip() for x in v) for v in by_type.values())
