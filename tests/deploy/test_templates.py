"""deploy/: the SAM application and the audit role template.

Proves: the committed templates are exactly what the generator renders; both pass cfn-lint,
the SAM one also after AWS SAM's own transform (that is where cfn-lint checks IAM action names
and resource properties) and its state machine definition against the ASL schema; every operation
the collectors call has its IAM action in the policies; the state machine has the shape the
Lambda handler relies on.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode
from samtranslator.translator.transform import transform

import auditor.lambda_handler as lh
from auditor.config import AuditConfig, env_var
from auditor.deploy import ASSUME_ROLE, render, stale, template_files, write_all
from auditor.services import ALL_OPERATIONS, REGIONAL_OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
AUDIT_ROLE = ROOT / "deploy" / "audit-role.yaml"
REGION = "us-east-1"


def _load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches, [str(m) for m in matches]
    assert template is not None
    return dict(template)


def _lint(text: str) -> list[str]:
    return [str(m) for m in lint(text, config=ManualArgs(regions=[REGION]))]


def _statements(template: dict[str, Any], resource: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for policy in template["Resources"][resource]["Properties"]["Policies"]:
        for st in policy["PolicyDocument"]["Statement"]:
            if isinstance(st, dict) and "Sid" in st:
                out[st["Sid"]] = st
            elif isinstance(st, dict) and "Fn::If" in st:
                out[st["Fn::If"][1]["Sid"]] = {**st["Fn::If"][1], "_condition": st["Fn::If"][0]}
    return out


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


# --------------------------------------------------------------------------- generated, current


def test_committed_templates_equal_generator_output() -> None:
    for tf in template_files():
        assert tf.target.read_text() == render(tf.source.read_text(), tf.source.name), (
            f"{tf.target} is stale: run `python -m auditor.deploy render`"
        )
    assert stale() == []


def test_check_command_detects_a_stale_template(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    (deploy / "src").mkdir(parents=True)
    for tf in template_files():
        (deploy / "src" / tf.source.name).write_text(tf.source.read_text())
    cmd = [sys.executable, "-m", "auditor.deploy", "check", "--deploy-dir", str(deploy)]
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 1  # nothing rendered yet
    write_all(deploy)
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    target = deploy / "template.yaml"
    target.write_text(target.read_text().replace("- backup:ListBackupPlans\n", ""))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "template.yaml: out of date" in done.stderr


def test_render_rejects_unknown_blocks_and_sources_without_one() -> None:
    with pytest.raises(ValueError, match=r"x\.yaml:2: unknown generated block 'nope'"):
        render("a: 1\n  # @generated nope\n", "x.yaml")
    with pytest.raises(ValueError, match="no '# @generated' line"):
        render("a: 1\n", "x.yaml")


# --------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_sam_template_as_written() -> None:
    assert _lint(TEMPLATE.read_text()) == []


def test_cfn_lint_after_the_sam_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    """cfn-lint validates AWS::Serverless resources only by their own schema; run AWS SAM's
    transform (as CloudFormation does on deploy, after `sam deploy` uploaded the code) and lint
    the result, which checks IAM actions (W3037), runtimes, event rules and permissions."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    sam = copy.deepcopy(_load(TEMPLATE))
    sam["Resources"]["AuditFunction"]["Properties"]["CodeUri"] = "s3://artifacts-bucket/function.zip"
    cfn = transform(sam, {"AWS::Region": REGION}, None)
    types = {r["Type"] for r in cfn["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::StepFunctions::StateMachine", "AWS::Events::Rule"} <= types
    assert _lint(json.dumps(cfn, default=str)) == []


def test_cfn_lint_audit_role() -> None:
    assert _lint(AUDIT_ROLE.read_text()) == []


def test_cfn_lint_catches_a_bad_action_in_the_audit_role() -> None:
    """The lint tests above can fail: a misspelt action in the generated list is reported."""
    bad = AUDIT_ROLE.read_text().replace("- backup:ListBackupPlans\n", "- backup:ListBackupPlanz\n")
    assert any("listbackupplanz" in m for m in _lint(bad))


def test_state_machine_definition_passes_the_asl_schema() -> None:
    sm = _load(TEMPLATE)["Resources"]["OrgAuditStateMachine"]["Properties"]
    plain: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "StateMachine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/sm",
                    "Definition": sm["Definition"],
                    "DefinitionSubstitutions": {
                        "AuditFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:audit"
                    },
                },
            }
        },
    }
    assert _lint(json.dumps(plain, default=str)) == []
    broken = copy.deepcopy(plain)
    broken["Resources"]["StateMachine"]["Properties"]["Definition"]["States"]["CollectBatches"][
        "MaxConcurrencyX"
    ] = 1
    assert any("MaxConcurrencyX" in m for m in _lint(json.dumps(broken, default=str)))


# --------------------------------------------------------------------------- IAM policies


def test_every_operation_has_its_iam_action_in_the_execution_role() -> None:
    statements = _statements(_load(TEMPLATE), "ExecutionRole")
    read_only = _actions(statements["CollectorReadOnly"])
    assert statements["CollectorReadOnly"]["Resource"] == "*"
    missing = [
        op.key for op in ALL_OPERATIONS if op.iam_action != ASSUME_ROLE and op.iam_action not in read_only
    ]
    assert missing == []
    # nothing but reads on "*"
    assert all(a.split(":", 1)[1].startswith(("Describe", "Get", "List")) for a in read_only)
    assume = statements["AssumeAuditRole"]
    assert _actions(assume) == {ASSUME_ROLE}
    assert assume["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${AuditRoleName}"}
    assert statements["PublishSummary"]["_condition"] == "CreateTopic"
    assert _actions(statements["PublishSummary"]) == {"sns:Publish"}
    assert _actions(statements["WriteRuns"]) == {"s3:PutObject", "s3:GetObject"}
    assert _actions(statements["ListRuns"]) == {"s3:ListBucket"}


def test_every_regional_operation_has_its_iam_action_in_the_audit_role() -> None:
    statements = _statements(_load(AUDIT_ROLE), "AuditRole")
    actions = _actions(statements["CollectorReadOnly"])
    assert [op.key for op in REGIONAL_OPERATIONS if op.iam_action not in actions] == []
    assert "ec2:DescribeRegions" in actions  # enabled regions are read with the member's credentials
    assert not any(a.startswith(("organizations:", "sts:AssumeRole")) for a in actions)


#: Operations whose IAM action is not named after them (S3 API reference, "Permissions" of each
#: operation: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html,
#: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html).
IAM_NAMED_OTHERWISE = {
    "s3.ListBuckets": "ListAllMyBuckets",
    "s3.GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
}


def test_operations_and_iam_actions_match_botocore() -> None:
    """Each operation exists in botocore's model and its IAM prefix is the service's signing
    name (efs -> elasticfilesystem), so the generated action is the one IAM checks."""
    session = botocore.session.get_session()
    problems = []
    for op in ALL_OPERATIONS:
        model = session.get_service_model(op.service)
        if op.name not in model.operation_names:
            problems.append(f"{op.key}: no such operation in botocore")
        prefix, _, action = op.iam_action.partition(":")
        if prefix != model.signing_name or action != IAM_NAMED_OTHERWISE.get(op.key, op.name):
            problems.append(f"{op.key}: IAM action {op.iam_action} != {model.signing_name}:{op.name}")
    assert problems == []


def test_audit_role_trust_and_external_id() -> None:
    role = _load(AUDIT_ROLE)["Resources"]["AuditRole"]["Properties"]
    st = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert st["Action"] == "sts:AssumeRole"
    assert st["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AuditorAccountId}:root"}}
    condition, with_id, without_id = st["Condition"]["Fn::If"]
    assert condition == "RequireExternalId"
    principal = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AuditorAccountId}:role/${AuditorRoleName}"}
    assert with_id["ArnEquals"]["aws:PrincipalArn"] == principal
    assert with_id["StringEquals"]["sts:ExternalId"] == {"Ref": "ExternalId"}
    assert without_id == {"ArnEquals": {"aws:PrincipalArn": principal}}
    # the two templates agree on the names they share
    main = _load(TEMPLATE)["Parameters"]
    params = _load(AUDIT_ROLE)["Parameters"]
    assert params["AuditRoleName"]["Default"] == main["AuditRoleName"]["Default"]
    assert params["AuditorRoleName"]["Default"] == main["ExecutionRoleName"]["Default"]


# --------------------------------------------------------------------------- function + bucket


def test_function_bucket_and_schedule() -> None:
    t = _load(TEMPLATE)
    assert t["Transform"] == "AWS::Serverless-2016-10-31"
    fn = t["Resources"]["AuditFunction"]["Properties"]
    assert (
        fn["Runtime"] == "python3.12" and fn["Timeout"] == 900 and fn["MemorySize"] == {"Ref": "MemorySize"}
    )
    module, _, func = fn["Handler"].rpartition(".")
    assert module == lh.__name__ and callable(getattr(lh, func))
    # every variable the function gets is one the handler or load_config reads
    known = {env_var(f) for f in AuditConfig.__dataclass_fields__} | {
        lh.ENV_BUCKET,
        lh.ENV_PREFIX,
        lh.ENV_TOPIC,
        lh.ENV_MARGIN,
        lh.ENV_BATCH_SIZE,
        lh.ENV_SHARD_CONCURRENCY,
        lh.ENV_TOLERATED_FAILURE,
    }
    variables = set(fn["Environment"]["Variables"])
    assert variables <= known, variables - known
    assert {lh.ENV_BUCKET, lh.ENV_TOPIC, env_var("role_name"), env_var("regions")} <= variables
    schedule = fn["Events"]["Daily"]
    assert schedule["Type"] == "Schedule" and schedule["Properties"]["Schedule"] == {
        "Ref": "ScheduleExpression"
    }
    assert t["Parameters"]["ScheduleExpression"]["Default"].startswith("cron(0 5 * * ? *")

    bucket = t["Resources"]["OutputBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rule = bucket["LifecycleConfiguration"]["Rules"][0]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "RetentionDays"}
    assert t["Resources"]["NotificationTopic"]["Condition"] == "CreateTopic"


# --------------------------------------------------------------------------- state machine


def _definition() -> dict[str, Any]:
    return dict(_load(TEMPLATE)["Resources"]["OrgAuditStateMachine"]["Properties"]["Definition"])


def test_state_machine_shape() -> None:
    d = _definition()
    states = d["States"]
    assert d["StartAt"] == "ListAccounts"
    assert states["ListAccounts"]["Parameters"]["Payload"]["mode"] == "list_accounts"
    assert states["ListAccounts"]["Next"] == "CollectBatches"

    m = states["CollectBatches"]
    assert m["Type"] == "Map"
    assert m["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert m["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert m["ItemReader"]["Parameters"] == {"Bucket.$": "$.bucket", "Key.$": "$.accounts_key"}
    # batch size, concurrency and tolerance come from list_accounts' output (deploy parameters)
    assert m["ItemBatcher"]["MaxItemsPerBatchPath"] == "$.batch_size"
    assert m["MaxConcurrencyPath"] == "$.max_concurrency"
    assert m["ToleratedFailurePercentagePath"] == "$.tolerated_failure_percentage"
    assert m["ResultWriter"]["Resource"] == "arn:aws:states:::s3:putObject"
    assert m["Catch"][0]["ErrorEquals"] == ["States.ALL"] and m["Catch"][0]["Next"] == "MergeAndReport"
    assert m["Next"] == "MergeAndReport"

    inner = m["ItemProcessor"]["States"]
    collect = inner[m["ItemProcessor"]["StartAt"]]
    assert collect["Parameters"]["Payload"]["mode"] == "collect_shard"
    assert collect["Parameters"]["Payload"]["accounts.$"] == "$.Items"
    catch = collect["Catch"][0]
    assert catch["ErrorEquals"] == ["States.ALL"]
    record = inner[catch["Next"]]
    assert record["Resource"] == "arn:aws:states:::aws-sdk:s3:putObject"
    # the failure record lands where merge_and_report looks for it
    assert f"{{}}{lh.FAILED_DIR}{{}}.json" in record["Parameters"]["Key.$"]
    assert inner[record["Next"]]["Type"] == "Pass" and inner[record["Next"]]["End"] is True

    final = states["MergeAndReport"]
    assert final["Parameters"]["Payload"]["mode"] == "merge_and_report"
    assert final["End"] is True
    for name in ("ListAccounts", "MergeAndReport"):
        assert states[name]["Parameters"]["FunctionName"] == "${AuditFunctionArn}"
    assert {"list_accounts", "collect_shard", "merge_and_report"} <= set(lh.MODES)


def test_state_machine_role_can_run_the_distributed_map() -> None:
    t = _load(TEMPLATE)
    statements = _statements(t, "StateMachineRole")
    assert _actions(statements["DistributedMapChildren"]) == {"states:StartExecution"}
    assert _actions(statements["InvokeAuditFunction"]) == {"lambda:InvokeFunction"}
    assert {"s3:GetObject", "s3:PutObject"} <= _actions(statements["ItemReaderResultWriterFailureRecords"])
    name = t["Resources"]["OrgAuditStateMachine"]["Properties"]["Name"]
    assert name == {"Fn::Sub": "${AWS::StackName}-org-audit"}
    assert statements["DistributedMapChildren"]["Resource"]["Fn::Sub"].endswith(
        ":stateMachine:${AWS::StackName}-org-audit"
    )
