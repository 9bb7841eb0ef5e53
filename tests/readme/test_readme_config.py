"""Every setting the README documents loads alike from its flag, its environment variable and the
TOML file, under the flag's name; unknown TOML keys name the closest valid one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from auditor.cli import app
from auditor.commands.options import collect_flags
from auditor.config import AuditConfig, env_var, load_config, option_name, option_names
from auditor.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"
FRAMEWORK = Path(__file__).resolve().parents[2] / "fixtures" / "frameworks" / "describe-framework.json"

# A non-default value per setting: (flag / env text, TOML literal).
SAMPLES: dict[str, tuple[str, str]] = {
    "role-name": ("AuditReadOnly", '"AuditReadOnly"'),
    "external-id": ("ext-123", '"ext-123"'),
    "accounts": ("111111111111,222222222222", '["111111111111", "222222222222"]'),
    "regions": ("eu-west-1,us-east-1", '["eu-west-1", "us-east-1"]'),
    "ou": ("Workloads/Production,ou-ab12-cdefgh34", '["Workloads/Production", "ou-ab12-cdefgh34"]'),
    "shard": ("1/4", '"1/4"'),
    "endpoint-url": ("http://127.0.0.1:5000", '"http://127.0.0.1:5000"'),
    "max-concurrency": ("32", "32"),
    "per-region-concurrency": ("4", "4"),
    "max-attempts": ("3", "3"),
    "timeout": ("30", "30"),
    "job-window-days": ("30", "30"),
    "gzip": ("true", "true"),
    "fail-on": ("high", '"high"'),
    "fail-on-not-audited": ("true", "true"),
    "fail-on-new": ("high", '"high"'),
    "as-of": ("2026-11-20T06:00:00+00:00", '"2026-11-20T06:00:00+00:00"'),
    "aurora-cost-per-gb-month": ("0.5", "0.5"),
    "quiet": ("true", "true"),
    "jobs": ("5", "5"),
    "waivers": ("/srv/audit/waivers.toml", '"/srv/audit/waivers.toml"'),
    "history": ("/srv/audit/history.jsonl", '"/srv/audit/history.jsonl"'),
    "framework-file": (str(FRAMEWORK), f'"{FRAMEWORK}"'),
}
FIELDS = {option_name(f): f for f in AuditConfig.__dataclass_fields__ if f != "deadline"}


def readme_settings() -> list[tuple[str, str, list[str]]]:
    """(key, environment variable, commands) per row of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("<!-- config:start -->") : text.index("<!-- config:end -->")]
    rows = re.findall(r"^\| `([a-z-]+)` \| `(BACKUP_AUDITOR_[A-Z_]+)` \| [^|]+ \| ([a-z, ]+) \|", table, re.M)
    return [(key, env, [c.strip() for c in commands.split(",")]) for key, env, commands in rows]


def _command_flags() -> dict[str, set[str]]:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    return {name: {o for p in cmd.params for o in p.opts} for name, cmd in commands.items()}


def test_the_table_documents_every_setting_and_its_variable() -> None:
    rows = readme_settings()
    assert sorted(key for key, _, _ in rows) == sorted(option_names()) == sorted(SAMPLES)
    for key, env, _ in rows:
        assert env == env_var(FIELDS[key]), key


def test_every_documented_key_is_a_flag_of_the_commands_it_lists() -> None:
    flags = _command_flags()
    for key, _, commands in readme_settings():
        for command in commands:
            assert f"--{key}" in flags[command], (key, command)


def _from_flag(key: str, raw: str) -> AuditConfig:
    """As the commands pass it: collection flags through ``collect_flags`` (which renames)."""
    param = key.replace("-", "_")
    if param in (collect_flags.__kwdefaults__ or {}):
        value: Any = raw in ("true", "1") if param in ("gzip", "quiet") else raw
        flags = {k: v for k, v in collect_flags(**{param: value}).items() if v is not None}
    else:
        flags = {FIELDS[key]: raw}
    return load_config(flags, env={}, cwd=Path("/nonexistent"))


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_setting_loads_alike_from_flag_env_and_toml(key: str, tmp_path: Path) -> None:
    raw, literal = SAMPLES[key]
    extra = {"max-concurrency": "64"} if key == "per-region-concurrency" else {}
    from_flag = _from_flag(key, raw)
    from_env = load_config({}, env={env_var(FIELDS[key]): raw, **extra}, cwd=tmp_path)
    for spelling in (key, key.replace("-", "_")):
        toml = tmp_path / f"{spelling}.toml"
        toml.write_text(f"[backup-auditor]\n{spelling} = {literal}\n", encoding="utf-8")
        from_toml = load_config({}, env={}, config_file=toml)
        assert from_toml == from_env == from_flag, key
    field = FIELDS[key]
    assert getattr(from_flag, field) != getattr(AuditConfig(), field), f"{key} left the default"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "per-account-region-concurrency",
            "unknown key 'per-account-region-concurrency' (did you mean 'per-region-concurrency'?)",
        ),
        ("compress", "unknown key 'compress' (did you mean 'gzip'?)"),
        ("rol_name", "unknown key 'rol_name' (did you mean 'role-name'?)"),
        ("max-concurency", "unknown key 'max-concurency' (did you mean 'max-concurrency'?)"),
        ("format", "unknown key 'format': --format is a command-line option only, not a setting"),
        ("zzz", "unknown key 'zzz' (known: accounts, as-of,"),
    ],
)
def test_an_unknown_key_names_the_closest_valid_one(key: str, message: str, tmp_path: Path) -> None:
    toml = tmp_path / "backup-auditor.toml"
    toml.write_text(f"{key} = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config({}, env={}, cwd=tmp_path)
    assert str(error.value).startswith(f"{toml}: {message}")


def test_the_readme_toml_example_loads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.S)
    assert example is not None
    toml = tmp_path / "backup-auditor.toml"
    toml.write_text(example.group(1), encoding="utf-8")
    config = load_config({}, env={}, cwd=tmp_path)
    assert config.per_account_region_concurrency == 4 and config.compress is True
    assert config.role_name == "BackupAuditorReadOnly" and config.regions == ("us-east-1", "eu-west-1")


def test_old_variable_names_of_renamed_settings_still_work_and_lose_to_the_new() -> None:
    old = {"BACKUP_AUDITOR_COMPRESS": "true", "BACKUP_AUDITOR_PER_ACCOUNT_REGION_CONCURRENCY": "3"}
    config = load_config({}, env=old, cwd=Path("/nonexistent"))
    assert config.compress is True and config.per_account_region_concurrency == 3
    both = {**old, "BACKUP_AUDITOR_GZIP": "false", "BACKUP_AUDITOR_PER_REGION_CONCURRENCY": "5"}
    config = load_config({}, env=both, cwd=Path("/nonexistent"))
    assert config.compress is False and config.per_account_region_concurrency == 5
