"""The [controls.BKP-NNN] tables of backup-auditor.toml: defaults, parameters, scopes, errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.config import load_config
from auditor.controls import Controls, ControlScope, Duration, parse_controls
from auditor.errors import ConfigError
from auditor.runner import rule_settings


def _load(tmp_path: Path, text: str) -> Controls:
    path = tmp_path / "backup-auditor.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(env={}, config_file=path).controls


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    return str(info.value)


def test_defaults_are_audit_managers() -> None:
    c = Controls()
    assert c.bkp_030.params.frequency == Duration(1, "days")
    assert c.bkp_030.params.retention_days == 35
    assert c.bkp_032.params.retention_days == 35
    assert c.bkp_033.params.exempt_principals == ()
    assert (c.bkp_034.params.min_retention_days, c.bkp_034.params.max_retention_days) == (None, None)
    assert c.bkp_035.params.max_age == Duration(1, "days")
    assert all(getattr(c, f).enabled and getattr(c, f).scope.everything for f in c.__dataclass_fields__)


def test_file_values_reach_the_rule_settings(tmp_path: Path) -> None:
    path = tmp_path / "backup-auditor.toml"
    path.write_text(
        'role-name = "Audit"\n'
        '[controls.BKP-035]\nmax-age-hours = 24\nresource-types = ["RDS", "EBS"]\n'
        "[controls.BKP-030]\nfrequency-hours = 12\nretention-days = 90\n"
        '[controls.BKP-032]\nenabled = false\ntag-key = "Env"\ntag-value = "prod"\n',
        encoding="utf-8",
    )
    config = load_config(env={}, config_file=path)
    settings = rule_settings(config)
    c = settings.controls
    assert config.role_name == "Audit"
    assert c.bkp_035.params.max_age == Duration(24, "hours") and c.bkp_035.params.max_age.hours == 24
    assert c.bkp_035.scope.resource_types == ("RDS", "EBS")
    assert c.bkp_030.params.frequency.hours == 12 and c.bkp_030.params.retention_days == 90
    assert not c.bkp_032.enabled and c.bkp_032.scope == ControlScope(tag_key="Env", tag_value="prod")
    assert c.bkp_031 == Controls().bkp_031


def test_controls_under_the_backup_auditor_table(tmp_path: Path) -> None:
    c = _load(tmp_path, "[backup-auditor.controls.BKP-032]\nretention-days = 7\n")
    assert c.bkp_032.params.retention_days == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[controls.BKP-035]\nmax-age-hour = 3\n",
            "unknown key 'controls.BKP-035.max-age-hour' (did you mean 'max-age-hours'?)",
        ),
        (
            "[controls.BKP-305]\nmax-age-hours = 3\n",
            "unknown control 'controls.BKP-305' (did you mean 'BKP-035'?)",
        ),
        (
            "[controls.BKP-035]\nmax-age-hours = 745\n",
            "key 'controls.BKP-035.max-age-hours': expected a whole number from 1 to 744, got 745",
        ),
        (
            "[controls.BKP-035]\nmax-age-days = 32\n",
            "key 'controls.BKP-035.max-age-days': expected a whole number from 1 to 31, got 32",
        ),
        (
            "[controls.BKP-030]\nfrequency-hours = 25\n",
            "key 'controls.BKP-030.frequency-hours': expected a whole number from 1 to 24, got 25",
        ),
        (
            "[controls.BKP-030]\nfrequency-hours = 2\nfrequency-days = 1\n",
            "give frequency-hours or frequency-days, not both",
        ),
        (
            '[controls.BKP-032]\nretention-days = "35"\n',
            "key 'controls.BKP-032.retention-days': expected a whole number >= 1, got '35'",
        ),
        ("[controls.BKP-032]\nretention-days = true\n", "expected a whole number >= 1, got True"),
        (
            '[controls.BKP-030]\nresource-types = ["RDS"]\n',
            "key 'controls.BKP-030.resource-types': this control judges plans or vaults",
        ),
        ('[controls.BKP-031]\ntag-value = "x"\n', "key 'controls.BKP-031.tag-value': needs tag-key"),
        (
            "[controls.BKP-031]\nresource-types = []\n",
            "key 'controls.BKP-031.resource-types': expected a non-empty list of strings",
        ),
        ('[controls.BKP-031]\nenabled = "no"\n', "key 'controls.BKP-031.enabled': expected true or false"),
        ('[controls.BKP-033]\nexempt-principals = ["a","b","c","d","e","f"]\n', "at most 5 values, got 6"),
        ('[controls.BKP-033]\nexempt-principals = ["role/Admin"]\n', "not IAM ARNs: role/Admin"),
        (
            "[controls.BKP-034]\nmin-retention-days = 30\nmax-retention-days = 7\n",
            "30 exceeds max-retention-days 7",
        ),
        ("controls = 3\n", "key 'controls': expected a table"),
        ("[controls]\nBKP-031 = 1\n", "key 'controls.BKP-031': expected a table"),
    ],
)
def test_a_bad_value_names_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    message = _error(tmp_path, text)
    assert message.startswith(str(tmp_path / "backup-auditor.toml") + ": ")
    assert expected in message


def test_a_bad_value_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    path = tmp_path / "backup-auditor.toml"
    path.write_text("[controls.BKP-035]\nmax-age-hours = 0\n", encoding="utf-8")
    code = main(["evaluate", str(tmp_path / "missing"), "--config", str(path), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}: key 'controls.BKP-035.max-age-hours'" in err


def test_parse_controls_without_a_file_prefix() -> None:
    assert parse_controls({}) == Controls()
    with pytest.raises(
        ConfigError, match=r"^unknown key 'controls.BKP-031.x' \(known: enabled, resource-arns"
    ):
        parse_controls({"BKP-031": {"x": 1}})


def test_scope_mask_types_tag_and_arns_all_hold() -> None:
    arns = pd.Series(["a", "b", "c", "d"])
    types = pd.Series(["RDS", "EBS", "RDS", "RDS"])
    tags = pd.Series([{"Env": "prod"}, {"Env": "prod"}, {"Env": "dev"}, None])
    assert ControlScope().mask(arns, types, tags).tolist() == [True] * 4
    assert ControlScope(resource_types=("RDS",)).mask(arns, types, tags).tolist() == [True, False, True, True]
    assert ControlScope(tag_key="Env").mask(arns, types, tags).tolist() == [True, True, True, False]
    scope = ControlScope(resource_types=("RDS",), tag_key="Env", tag_value="prod")
    assert scope.mask(arns, types, tags).tolist() == [True, False, False, False]
    assert ControlScope(resource_arns=("b", "d")).mask(arns, types, tags).tolist() == [
        False,
        True,
        False,
        True,
    ]
    assert scope.text() == "resource types RDS; tag Env=prod"


# -- BKP-023 / BKP-034 / BKP-038 (restore jobs, vault lock, restore testing) --------------------


def test_restore_and_lock_controls_read_their_parameters_and_scopes(tmp_path: Path) -> None:
    assert Controls().bkp_038.params.max_restore_minutes is None
    c = _load(
        tmp_path,
        '[controls.BKP-038]\nmax-restore-minutes = 120\ntag-key = "tier"\n'
        '[controls.BKP-034]\nmin-retention-days = 7\nmax-retention-days = 365\nresource-types = ["EBS"]\n'
        '[controls.BKP-023]\nresource-arns = ["arn:aws:ec2:us-east-1:1:volume/vol-1"]\n',
    )
    assert c.bkp_038.params.max_restore_minutes == 120 and c.bkp_038.scope.tag_key == "tier"
    assert (c.bkp_034.params.min_retention_days, c.bkp_034.params.max_retention_days) == (7, 365)
    assert c.bkp_034.scope.resource_types == ("EBS",)
    assert c.bkp_023.scope.resource_arns == ("arn:aws:ec2:us-east-1:1:volume/vol-1",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[controls.BKP-038]\nmax-restore-minutes = 0\n",
            "key 'controls.BKP-038.max-restore-minutes': expected a whole number >= 1, got 0",
        ),
        (
            '[controls.BKP-038]\nmax-restore-minutes = "2h"\n',
            "key 'controls.BKP-038.max-restore-minutes': expected a whole number >= 1, got '2h'",
        ),
        (
            "[controls.BKP-038]\nmax-restore-minute = 5\n",
            "unknown key 'controls.BKP-038.max-restore-minute' (did you mean 'max-restore-minutes'?)",
        ),
        ("[controls.BKP-023]\nmax-age-hours = 3\n", "unknown key 'controls.BKP-023.max-age-hours'"),
        (
            "[controls.BKP-034]\nmin-retention-days = true\n",
            "key 'controls.BKP-034.min-retention-days': expected a whole number >= 1, got True",
        ),
    ],
)
def test_restore_and_lock_controls_bad_values_name_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = _error(tmp_path, text)
    assert message.startswith(str(tmp_path / "backup-auditor.toml") + ": ")
    assert expected in message
