"""--framework-file: an Audit Manager framework (describe-framework JSON) onto [controls.BKP-NNN]."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.config import load_config
from auditor.controls import Controls, ControlScope, Duration
from auditor.errors import ConfigError
from tests.rules.rule_fixtures import build_bundle


def _control(
    name: str, params: dict[str, str] | None = None, scope: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ControlName": name,
        "ControlInputParameters": [
            {"ParameterName": k, "ParameterValue": v} for k, v in (params or {}).items()
        ],
    }
    if scope is not None:
        out["ControlScope"] = scope
    return out


def _framework(tmp_path: Path, *controls: dict[str, Any], name: str = "fw.json") -> Path:
    """A file shaped as `aws backup describe-framework` prints it (botocore DescribeFramework output)."""
    path = tmp_path / name
    doc = {
        "FrameworkName": "TeamFramework",
        "FrameworkArn": "arn:aws:backup:us-east-1:123456789012:framework/TeamFramework-ce7655ae",
        "FrameworkDescription": "backup controls of the payments team",
        "FrameworkControls": list(controls),
        "CreationTime": 1516925490,
        "DeploymentStatus": "COMPLETED",
        "FrameworkStatus": "ACTIVE",
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _load(path: Path, toml: str | None = None, tmp: Path | None = None) -> tuple[Controls, tuple[str, ...]]:
    config_file = None
    if toml is not None:
        assert tmp is not None
        config_file = tmp / "backup-auditor.toml"
        config_file.write_text(toml, encoding="utf-8")
    config = load_config({"framework_file": path}, env={}, config_file=config_file, cwd=path.parent)
    return config.controls, config.framework_warnings


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        _load(path)
    return str(info.value)


def test_the_aws_guide_examples_set_parameters_and_scopes(tmp_path: Path) -> None:
    # Controls 2, 4 and 9 of the AWS Backup guide's creating-frameworks-api.html examples.
    path = _framework(
        tmp_path,
        _control(
            "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            {"requiredRetentionDays": "35", "requiredFrequencyUnit": "hours", "requiredFrequencyValue": "24"},
            {"Tags": {"key1": "prod"}},
        ),
        _control("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", {"requiredRetentionDays": "90"}, {}),
        _control(
            "BACKUP_LAST_RECOVERY_POINT_CREATED",
            {"recoveryPointAgeValue": "12", "recoveryPointAgeUnit": "hours"},
            {"ComplianceResourceTypes": ["EC2", "RDS"]},
        ),
        _control("BACKUP_RECOVERY_POINT_ENCRYPTED", {}, {"Tags": {"team": "payments"}}),
    )
    controls, warnings = _load(path)
    assert controls.bkp_030.params.frequency == Duration(24, "hours")
    assert controls.bkp_030.params.retention_days == 35
    assert controls.bkp_032.params.retention_days == 90
    assert controls.bkp_035.params.max_age == Duration(12, "hours")
    assert controls.bkp_035.scope == ControlScope(resource_types=("EC2", "RDS"))
    assert controls.bkp_031.scope == ControlScope(tag_key="team", tag_value="payments")
    # Plans' tags are not collected: the tag scope of the plan control is a warning, not a filter.
    assert controls.bkp_030.scope.everything
    assert (
        len(warnings) == 1
        and "FrameworkControls[0] (BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK)" in warnings[0]
    )
    assert "key1=prod not applied" in warnings[0]


def test_value_without_unit_is_days_and_unit_without_value_is_one(tmp_path: Path) -> None:
    path = _framework(
        tmp_path,
        _control("BACKUP_LAST_RECOVERY_POINT_CREATED", {"recoveryPointAgeValue": "3"}),
        _control("BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", {"requiredFrequencyUnit": "hours"}),
    )
    controls, _ = _load(path)
    assert controls.bkp_035.params.max_age == Duration(3, "days")
    assert controls.bkp_030.params.frequency == Duration(1, "hours")
    assert controls.bkp_030.params.retention_days == 35  # not given: Audit Manager's default


def test_principal_list_is_comma_separated_and_vault_scope_takes_arns(tmp_path: Path) -> None:
    vault = "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod"
    path = _framework(
        tmp_path,
        _control(
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            {"principalArnList": "arn:aws:iam::111111111111:role/A,\n arn:aws:iam::111111111111:role/B"},
            {"ComplianceResourceIds": [vault], "ComplianceResourceTypes": ["AWS::Backup::BackupVault"]},
        ),
    )
    controls, warnings = _load(path)
    assert controls.bkp_033.params.exempt_principals == (
        "arn:aws:iam::111111111111:role/A",
        "arn:aws:iam::111111111111:role/B",
    )
    assert controls.bkp_033.scope == ControlScope(resource_arns=(vault,))
    assert warnings == ()


def test_framework_values_win_over_the_config_file_and_replace_its_scope(tmp_path: Path) -> None:
    toml = """
[controls.BKP-035]
max-age-days = 2
tag-key = "backup"
enabled = false

[controls.BKP-032]
retention-days = 10
"""
    path = _framework(
        tmp_path,
        _control(
            "BACKUP_LAST_RECOVERY_POINT_CREATED",
            {"recoveryPointAgeValue": "6", "recoveryPointAgeUnit": "hours"},
        ),
    )
    controls, _ = _load(path, toml, tmp_path)
    assert controls.bkp_035.params.max_age == Duration(6, "hours")  # not "give hours or days, not both"
    assert controls.bkp_035.enabled and controls.bkp_035.scope.everything  # the framework's: no scope = all
    assert controls.bkp_032.params.retention_days == 10  # not in the framework: the file's


def test_every_audit_manager_control_applies_and_a_scope_on_a_scopeless_rule_is_a_warning(
    tmp_path: Path,
) -> None:
    path = _framework(
        tmp_path,
        _control(
            "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
            {"maxRestoreTime": "720"},
            {"ComplianceResourceTypes": ["DynamoDB"]},
        ),
        _control("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", {}, {"ComplianceResourceTypes": ["RDS"]}),
        _control("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", {"crossRegionList": "us-west-2,eu-west-1"}),
    )
    controls, warnings = _load(path)
    assert controls.bkp_038.params.max_restore_minutes == 720
    assert controls.bkp_038.scope.resource_types == ("DynamoDB",)
    assert controls.bkp_036.params.destination_regions == ("us-west-2", "eu-west-1")
    assert [w.split(": ", 1)[1].split(":", 1)[0] for w in warnings] == [
        "FrameworkControls[1] (BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN)",
    ]
    assert "BKP-002" in warnings[0] and "not applied" in warnings[0]


@pytest.mark.parametrize(
    ("control", "member", "why"),
    [
        (
            _control("BACKUP_EVERYTHING_GOOD"),
            "FrameworkControls[0].ControlName",
            "unknown Audit Manager control",
        ),
        (
            _control("BACKUP_LAST_RECOVERY_POINT_CREATED", {"recoveryPointAgeValue": "one"}),
            "FrameworkControls[0].ControlInputParameters[0].ParameterValue",
            "expected a whole number, got 'one'",
        ),
        (
            _control("BACKUP_LAST_RECOVERY_POINT_CREATED", {"recoveryPointAgeUnit": "weeks"}),
            "FrameworkControls[0].ControlInputParameters[0].ParameterValue",
            "expected 'hours' or 'days'",
        ),
        (
            _control("BACKUP_LAST_RECOVERY_POINT_CREATED", {"maxAge": "3"}),
            "FrameworkControls[0].ControlInputParameters[0].ParameterName",
            "takes no parameter 'maxAge'",
        ),
        (
            _control(
                "BACKUP_LAST_RECOVERY_POINT_CREATED",
                {"recoveryPointAgeValue": "800", "recoveryPointAgeUnit": "hours"},
            ),
            "FrameworkControls[0].ControlInputParameters[0].ParameterValue' (as [controls.BKP-035] max-age-hours)",
            "from 1 to 744",
        ),
        (
            _control("BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", {"requiredFrequencyValue": "32"}),
            "FrameworkControls[0].ControlInputParameters[0].ParameterValue' (as [controls.BKP-030] frequency-days)",
            "from 1 to 31",
        ),
        (
            _control("BACKUP_RECOVERY_POINT_ENCRYPTED", {}, {"ComplianceResourceIds": ["default"]}),
            "FrameworkControls[0].ControlScope.ComplianceResourceIds[0]",
            "'default' is not an ARN",
        ),
        (
            _control("BACKUP_RECOVERY_POINT_ENCRYPTED", {}, {"Tags": {"a": "1", "b": "2"}}),
            "FrameworkControls[0].ControlScope.Tags",
            "one tag",
        ),
        (
            _control(
                "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", {}, {"ComplianceResourceTypes": ["RDS"]}
            ),
            "FrameworkControls[0].ControlScope.ComplianceResourceTypes",
            "scope it by ComplianceResourceIds",
        ),
    ],
)
def test_bad_controls_name_the_file_and_the_member(
    tmp_path: Path, control: dict[str, Any], member: str, why: str
) -> None:
    path = _framework(tmp_path, control)
    message = _error(path)
    assert message.startswith(f"{path}: key '{member}")
    assert why in message


def test_bad_documents_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert _error(bad).startswith(f"{bad}: not valid JSON")
    assert _error(tmp_path / "missing.json") == f"{tmp_path / 'missing.json'}: framework file not found"
    bad.write_text('{"FrameworkName": "x"}', encoding="utf-8")
    assert (
        "key 'FrameworkControls': missing: expected the output of `aws backup describe-framework`"
        in _error(bad)
    )
    twice = _framework(
        tmp_path, _control("BACKUP_RECOVERY_POINT_ENCRYPTED"), _control("BACKUP_RECOVERY_POINT_ENCRYPTED")
    )
    assert (
        "FrameworkControls[1].ControlName': BACKUP_RECOVERY_POINT_ENCRYPTED is also FrameworkControls[0]"
        in _error(twice)
    )


def test_env_and_toml_name_the_framework_file(tmp_path: Path) -> None:
    path = _framework(
        tmp_path, _control("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", {"requiredRetentionDays": "7"})
    )
    from_env = load_config(env={"BACKUP_AUDITOR_FRAMEWORK_FILE": str(path)}, cwd=tmp_path)
    assert from_env.framework_file == path and from_env.controls.bkp_032.params.retention_days == 7
    toml = tmp_path / "backup-auditor.toml"
    toml.write_text(f'framework-file = "{path}"\n', encoding="utf-8")
    from_file = load_config(env={}, config_file=toml)
    assert from_file.controls.bkp_032.params.retention_days == 7


def test_cli_applies_the_framework_and_prints_its_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = build_bundle("BKP-032", "fail", tmp_path / "bundle")
    out = tmp_path / "findings.json"
    assert main(["evaluate", str(bundle), "-q", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["summary"]["by_rule"].get("BKP-032")
    capsys.readouterr()
    lenient = _framework(
        tmp_path,
        _control("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", {"requiredRetentionDays": "1"}),
        _control("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", {"maxRestoreTime": "60"}),
    )
    assert main(["evaluate", str(bundle), "-q", "-o", str(out), "--framework-file", str(lenient)]) == 0
    assert "BKP-032" not in json.loads(out.read_text())["summary"]["by_rule"]
    err = capsys.readouterr().err
    assert "warning" not in err  # BKP-038 evaluates the restore-time control: nothing left out
    broken = _framework(tmp_path, _control("NOT_A_CONTROL"), name="broken.json")
    assert main(["evaluate", str(bundle), "-q", "--framework-file", str(broken)]) == 2
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("backup-auditor: ")]
    assert lines == [
        f"backup-auditor: error: {broken}: key 'FrameworkControls[0].ControlName': unknown Audit Manager "
        "control 'NOT_A_CONTROL' (known: " + lines[0].split("(known: ", 1)[1]
    ]
