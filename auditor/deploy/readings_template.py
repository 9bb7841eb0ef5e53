"""``deploy/verify-readings.yaml``: the verification kit's CloudFormation template, rendered from
the probe table :mod:`auditor.readings` (``python -m auditor.deploy render``).

One stack in one Region of a test account: every probe resource with its tags (and
``backup-auditor:probe`` = its id), a backup vault, the IAM role AWS Backup assumes (managed policy
``AWSBackupServiceRolePolicyForBackup``), one backup plan with one hourly rule kept 1 day, and one
backup selection per probe. Each probe carries ``Metadata.BackupAuditor``: the reading it exercises
and the outcome under our reading and under the opposite one.

Property shapes follow the CloudFormation reference (AWS::Backup::BackupSelection
BackupSelectionResourceType, Conditions / ConditionParameter and ConditionResourceType:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-backup-backupselection-backupselectionresourcetype.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-backup-backupselection-conditionparameter.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-backup-backupselection-conditionresourcetype.html);
``Conditions`` keys carry the ``aws:ResourceTag/`` prefix (ConditionParameter: "Include the prefix
aws:ResourceTag in your tags"), ``ListOfTags`` keys are the bare tag key (ConditionResourceType:
"in "Department": "accounting", "Department" is the key"). The tests lint the result with cfn-lint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.readings import (
    KIT_PLAN_NAME,
    OPT_IN_PRECONDITIONS,
    SELF,
    Probe,
    ProbeKind,
    all_probes,
    reading_of,
)

SOURCE = "auditor/readings.py"
SCHEDULE = "cron(0 * ? * * *)"
"""Every hour, on the hour (UTC): the shortest frequency AWS Backup allows."""
RETENTION_DAYS = 1
START_WINDOW_MINUTES = 60
COMPLETION_WINDOW_MINUTES = 120
BACKUP_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"

_SUB = {
    "{partition}": "${AWS::Partition}",
    "{region}": "${AWS::Region}",
    "{account}": "${AWS::AccountId}",
    "{stack}": "${AWS::StackName}",
}


def logical_id(probe: Probe, prefix: str) -> str:
    """``a3-not-equals-missing-key`` -> ``ProbeA3NotEqualsMissingKey``."""
    return prefix + "".join(part.capitalize() for part in probe.id.split("-"))


def _self_arn(probe: Probe) -> str:
    lid = logical_id(probe, "Probe")
    if probe.kind is ProbeKind.EBS_VOLUME:
        return "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/${" + lid + "}"
    return "${" + lid + ".Arn}"


def _sub(pattern: str, probe: Probe) -> dict[str, str]:
    text = pattern.replace(SELF, _self_arn(probe))
    for token, variable in _SUB.items():
        text = text.replace(token, variable)
    return {"Fn::Sub": text}


def _tags(probe: Probe) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in probe.all_tags]


def _metadata(probe: Probe) -> dict[str, Any]:
    reading = reading_of(probe.id)
    return {
        "BackupAuditor": {
            "Probe": probe.id,
            "Reading": reading.id if reading is not None else "control",
            "Purpose": probe.purpose,
            "OurReading": probe.ours.value,
            "OppositeReading": probe.opposite.value,
        }
    }


def _probe_resource(probe: Probe) -> dict[str, Any]:
    common: dict[str, Any] = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
    if probe.kind is ProbeKind.DYNAMODB_TABLE:
        props: dict[str, Any] = {
            "TableName": {"Fn::Sub": "${AWS::StackName}-" + probe.id},
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Tags": _tags(probe),
        }
        kind = "AWS::DynamoDB::Table"
    elif probe.kind is ProbeKind.EBS_VOLUME:
        props = {
            "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
            "Size": 1,
            "VolumeType": "gp3",
            "Encrypted": True,
            "Tags": _tags(probe),
        }
        kind = "AWS::EC2::Volume"
    else:
        props = {
            "Encrypted": True,
            "BackupPolicy": {"Status": "DISABLED"},  # no EFS automatic backups: only the kit's plan
            "FileSystemTags": _tags(probe),
        }
        kind = "AWS::EFS::FileSystem"
    return {"Type": kind, **common, "Metadata": _metadata(probe), "Properties": props}


def _conditions(probe: Probe) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for c in probe.selection.conditions:
        out.setdefault(c.operator, []).append({"ConditionKey": c.key, "ConditionValue": c.value})
    return out


def _selection(probe: Probe) -> dict[str, Any]:
    s = probe.selection
    body: dict[str, Any] = {
        "SelectionName": probe.selection_name,
        "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
    }
    if s.resources:
        body["Resources"] = [_sub(p, probe) for p in s.resources]
    if s.not_resources:
        body["NotResources"] = [_sub(p, probe) for p in s.not_resources]
    if s.conditions:
        body["Conditions"] = _conditions(probe)
    if s.list_of_tags:
        body["ListOfTags"] = [
            {"ConditionType": "STRINGEQUALS", "ConditionKey": k, "ConditionValue": v}
            for k, v in s.list_of_tags
        ]
    return {
        "Type": "AWS::Backup::BackupSelection",
        "Properties": {"BackupPlanId": {"Ref": "Plan"}, "BackupSelection": body},
    }


def _preconditions() -> str:
    return ", ".join(f"{k.value} {'on' if on else 'off'}" for k, on in OPT_IN_PRECONDITIONS.items())


def template() -> dict[str, Any]:
    """The kit's template as a plain mapping (CloudFormation's long-form intrinsic functions)."""
    resources: dict[str, Any] = {
        "Vault": {
            "Type": "AWS::Backup::BackupVault",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {"BackupVaultName": {"Fn::Sub": "${AWS::StackName}-vault"}},
        },
        "BackupRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [{"Fn::Sub": BACKUP_POLICY}],
            },
        },
        "Plan": {
            "Type": "AWS::Backup::BackupPlan",
            "Properties": {
                "BackupPlan": {
                    "BackupPlanName": KIT_PLAN_NAME,
                    "BackupPlanRule": [
                        {
                            "RuleName": "hourly",
                            "TargetBackupVault": {"Fn::GetAtt": ["Vault", "BackupVaultName"]},
                            "ScheduleExpression": SCHEDULE,
                            "StartWindowMinutes": START_WINDOW_MINUTES,
                            "CompletionWindowMinutes": COMPLETION_WINDOW_MINUTES,
                            "Lifecycle": {"DeleteAfterDays": RETENTION_DAYS},
                        }
                    ],
                }
            },
        },
    }
    for probe in all_probes():
        resources[logical_id(probe, "Probe")] = _probe_resource(probe)
        resources[logical_id(probe, "Selection")] = _selection(probe)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "backup-auditor verification kit: small probe resources and one hourly AWS Backup plan "
            "that confirm the open readings of docs/semantics-review.md on a real account. "
            f"Precondition in the Region (AWS Backup opt-in): {_preconditions()}. "
            "Guide: docs/verify-readings.md"
        ),
        "Resources": resources,
        "Outputs": {
            "PlanId": {"Value": {"Ref": "Plan"}, "Description": "the kit's backup plan"},
            "VaultName": {
                "Value": {"Fn::GetAtt": ["Vault", "BackupVaultName"]},
                "Description": "delete its recovery points before deleting the stack",
            },
        },
    }


# ------------------------------------------------------------------------------------------------
# A small YAML writer: block style, every string double-quoted (JSON string syntax is valid YAML),
# so no value is ever read as another type and the output is stable.
# ------------------------------------------------------------------------------------------------


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _key(key: str) -> str:
    plain = key.replace("::", "").replace(":", "").isalnum()
    return key if plain else json.dumps(key)


def _emit(value: object, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(v, (Mapping, list)) and v:
                out.append(f"{pad}{_key(str(k))}:")
                _emit(v, indent + 2, out)
            else:
                out.append(f"{pad}{_key(str(k))}: {_inline(v)}")
        return
    if isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            if isinstance(item, (Mapping, list)) and item:
                lines: list[str] = []
                _emit(item, indent + 2, lines)
                out.append(f"{pad}- {lines[0].lstrip()}")
                out.extend(lines[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
        return
    out.append(pad + _scalar(value))


def _inline(value: object) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(doc: Mapping[str, Any]) -> str:
    out: list[str] = []
    _emit(doc, 0, out)
    return "\n".join(out) + "\n"


def render_kit() -> str:
    """The committed text of ``deploy/verify-readings.yaml``."""
    header = [
        f"# GENERATED by `python -m auditor.deploy render` from {SOURCE} (the probe table).",
        "# Do not edit: change the table and re-render. Guide: docs/verify-readings.md",
    ]
    return "\n".join(header) + "\n" + to_yaml(template())
