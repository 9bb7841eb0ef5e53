"""Configuration precedence: flag > environment > config file > default."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.config import DEFAULT_ROLE_NAME, AuditConfig, load_config
from auditor.errors import ConfigError
from auditor.model.results import Severity


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    assert load_config({}, env={}, cwd=tmp_path) == AuditConfig()
    assert AuditConfig().role_name == DEFAULT_ROLE_NAME


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    (tmp_path / "backup-auditor.toml").write_text(
        '[backup-auditor]\nrole-name = "FromFile"\nregions = ["eu-west-1"]\njob_window_days = 30\n'
    )
    env = {"BACKUP_AUDITOR_ROLE_NAME": "FromEnv", "BACKUP_AUDITOR_FAIL_ON": "HIGH"}
    cfg = load_config({"role_name": None}, env=env, cwd=tmp_path)
    assert cfg.role_name == "FromEnv"  # env beats file
    assert cfg.regions == ("eu-west-1",)  # file beats default
    assert cfg.job_window_days == 30
    assert cfg.fail_on is Severity.HIGH
    cfg = load_config({"role_name": "FromFlag", "regions": "us-east-1, us-west-2"}, env=env, cwd=tmp_path)
    assert cfg.role_name == "FromFlag"
    assert cfg.regions == ("us-east-1", "us-west-2")


def test_config_file_from_env_var_and_explicit(tmp_path: Path) -> None:
    f = tmp_path / "elsewhere.toml"
    f.write_text("quiet = true\naccounts = '111111111111,222222222222'\n")
    cfg = load_config({}, env={"BACKUP_AUDITOR_CONFIG": str(f)}, cwd=tmp_path)
    assert cfg.quiet is True
    assert cfg.accounts == ("111111111111", "222222222222")
    assert load_config({}, env={}, config_file=f, cwd=tmp_path).quiet is True
    with pytest.raises(ConfigError, match="config file not found"):
        load_config({}, env={}, config_file=tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        ({"accounts": "12345"}, {}, "not 12-digit AWS account ids: 12345"),
        ({"shard": "3/2"}, {}, "need 0 <= I < N"),
        ({"shard": "x"}, {}, "expected I/N"),
        (
            {},
            {"BACKUP_AUDITOR_MAX_CONCURRENCY": "lots"},
            "environment variable BACKUP_AUDITOR_MAX_CONCURRENCY",
        ),
        ({"fail_on": "urgent"}, {}, "unknown severity 'urgent'"),
        ({"as_of": "last tuesday"}, {}, "not an ISO 8601 timestamp"),
        ({"quiet": "maybe"}, {}, "expected true or false"),
        ({"max_concurrency": 4, "per_account_region_concurrency": 8}, {}, "exceeds max concurrency"),
        ({"aurora_cost_per_gb_month": "-1"}, {}, "must not be negative"),
        ({"jobs": "0"}, {}, "option --jobs: expected a whole number of processes >= 1, got '0'"),
        (
            {},
            {"BACKUP_AUDITOR_JOBS": "-2"},
            "variable BACKUP_AUDITOR_JOBS: expected a whole number of processes",
        ),
        ({}, {"BACKUP_AUDITOR_JOBS": "2.5"}, "expected a whole number of processes >= 1, got '2.5'"),
        ({"jobs": "two"}, {}, "expected a whole number of processes >= 1, got 'two'"),
    ],
)
def test_bad_values_say_where_they_came_from(
    tmp_path: Path, flags: dict[str, object], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(flags, env=env, cwd=tmp_path)


def test_bad_config_file_names_file_and_key(tmp_path: Path) -> None:
    f = tmp_path / "backup-auditor.toml"
    f.write_text("rol_name = 'typo'\n")
    with pytest.raises(ConfigError) as info:
        load_config({}, env={}, cwd=tmp_path)
    assert str(f) in str(info.value) and "unknown key 'rol_name'" in str(info.value)
    f.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config({}, env={}, cwd=tmp_path)
    f.write_text("job-window-days = 0\n")
    with pytest.raises(ConfigError, match=r"key 'job_window_days': expected a whole number >= 1"):
        load_config({}, env={}, cwd=tmp_path)


def test_as_of_without_offset_is_utc(tmp_path: Path) -> None:
    cfg = load_config({"as_of": "2026-11-20T06:00:00"}, env={}, cwd=tmp_path)
    assert cfg.as_of == datetime(2026, 11, 20, 6, tzinfo=UTC)
