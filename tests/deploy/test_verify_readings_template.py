"""deploy/verify-readings.yaml: the verification kit, rendered from the probe table.

Proves: the committed template is what the generator renders from auditor/readings.py (and
``python -m auditor.deploy check`` notices when it is not); it passes cfn-lint, informational
checks included, in two Regions; its probes are exactly the table's, each with its tags, its
own selection (patterns, conditions, ListOfTags as the table says) and the table's expected
outcomes; the plan is one hourly rule kept one day into the kit's vault, run by a role with
AWS Backup's managed backup policy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode

from auditor.deploy import KIT_TEMPLATE, stale, write_all
from auditor.deploy.readings_template import logical_id, render_kit
from auditor.readings import KIT_PLAN_NAME, PROBE_TAG, ProbeKind, all_probes, reading_of

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "deploy" / KIT_TEMPLATE
_TYPES = {
    ProbeKind.DYNAMODB_TABLE: "AWS::DynamoDB::Table",
    ProbeKind.EBS_VOLUME: "AWS::EC2::Volume",
    ProbeKind.EFS_FILE_SYSTEM: "AWS::EFS::FileSystem",
}


def _kit() -> dict[str, Any]:
    template, matches = decode(str(KIT))
    assert not matches, [str(m) for m in matches]
    assert template is not None
    return dict(template)


def test_committed_kit_is_the_generator_output() -> None:
    assert KIT.read_text(encoding="utf-8") == render_kit(), "run `python -m auditor.deploy render`"
    assert KIT not in stale()


def test_check_notices_a_hand_edited_kit(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    (deploy / "src").mkdir(parents=True)
    for src in (ROOT / "deploy" / "src").iterdir():
        (deploy / "src" / src.name).write_text(src.read_text())
    write_all(deploy)
    cmd = [sys.executable, "-m", "auditor.deploy", "check", "--deploy-dir", str(deploy)]
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    kit = deploy / KIT_TEMPLATE
    kit.write_text(kit.read_text().replace("DeleteAfterDays: 1", "DeleteAfterDays: 7"))
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 1 and KIT_TEMPLATE in run.stderr


def test_cfn_lint_clean_informational_checks_included() -> None:
    config = ManualArgs(regions=["us-east-1", "eu-west-1"], include_checks=["I"])
    assert [str(m) for m in lint(KIT.read_text(), config=config)] == []


def test_the_template_s_probes_are_exactly_the_table_s() -> None:
    resources = _kit()["Resources"]
    in_template = {
        r["Metadata"]["BackupAuditor"]["Probe"]: lid
        for lid, r in resources.items()
        if "BackupAuditor" in r.get("Metadata", {})
    }
    assert sorted(in_template) == sorted(p.id for p in all_probes())
    selections = [r for r in resources.values() if r["Type"] == "AWS::Backup::BackupSelection"]
    assert len(selections) == len(all_probes())
    for p in all_probes():
        res = resources[in_template[p.id]]
        assert res["Type"] == _TYPES[p.kind] and in_template[p.id] == logical_id(p, "Probe")
        meta = res["Metadata"]["BackupAuditor"]
        reading = reading_of(p.id)
        assert meta["Reading"] == (reading.id if reading else "control")
        assert (meta["OurReading"], meta["OppositeReading"]) == (p.ours.value, p.opposite.value)
        props = res["Properties"]
        tags = props.get("Tags", props.get("FileSystemTags"))
        assert {t["Key"]: t["Value"] for t in tags} == dict(p.all_tags)
        assert tags[0] == {"Key": PROBE_TAG, "Value": p.id}
        _check_selection(resources[logical_id(p, "Selection")], p)


def _check_selection(selection: dict[str, Any], p: Any) -> None:
    props = selection["Properties"]
    assert props["BackupPlanId"] == {"Ref": "Plan"}
    body = props["BackupSelection"]
    assert body["SelectionName"] == p.selection_name
    assert body["IamRoleArn"] == {"Fn::GetAtt": ["BackupRole", "Arn"]}
    assert len(body.get("Resources", [])) == len(p.selection.resources)
    for written, pattern in zip(body.get("Resources", []), p.selection.resources, strict=True):
        text = written["Fn::Sub"]
        if pattern == "{self}":
            assert logical_id(p, "Probe") in text
        else:
            assert "{" not in text.replace("${", "")  # every placeholder became a variable
            assert text.endswith(pattern.rsplit("}", 1)[-1])
    conds = body.get("Conditions", {})
    got = {(op, c["ConditionKey"], c["ConditionValue"]) for op, items in conds.items() for c in items}
    assert got == {(c.operator, c.key, c.value) for c in p.selection.conditions}
    lot = {(t["ConditionType"], t["ConditionKey"], t["ConditionValue"]) for t in body.get("ListOfTags", [])}
    assert lot == {("STRINGEQUALS", k, v) for k, v in p.selection.list_of_tags}


def test_one_hourly_plan_kept_one_day_into_the_kit_s_vault() -> None:
    resources = _kit()["Resources"]
    plans = [r for r in resources.values() if r["Type"] == "AWS::Backup::BackupPlan"]
    assert len(plans) == 1
    plan = plans[0]["Properties"]["BackupPlan"]
    assert plan["BackupPlanName"] == KIT_PLAN_NAME
    (rule,) = plan["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 * ? * * *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": 1}
    assert rule["TargetBackupVault"] == {"Fn::GetAtt": ["Vault", "BackupVaultName"]}
    role = resources["BackupRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"}
    ]
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "backup.amazonaws.com"}
    efs = [r for r in resources.values() if r["Type"] == "AWS::EFS::FileSystem"]
    assert efs and all(r["Properties"]["BackupPolicy"] == {"Status": "DISABLED"} for r in efs)
    volumes = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::Volume"]
    assert volumes and all(v["Size"] == 1 and v["VolumeType"] == "gp3" for v in volumes)
