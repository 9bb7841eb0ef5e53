"""Run configuration: one frozen record shared by the CLI, the Lambda handler and ``run_audit``.

Precedence (documented in the README): command-line flag > environment variable
(``BACKUP_AUDITOR_<OPTION>``) > config file (``backup-auditor.toml``) > default.

A setting has one public name, its command-line flag (``--per-region-concurrency``): the TOML key
is that name (``per-region-concurrency``; ``per_region_concurrency`` is accepted too) and the
environment variable is ``BACKUP_AUDITOR_`` + that name in upper case with ``_``. Only two fields
are named differently inside the code (:data:`_OPTION_FOR_FIELD`).
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from auditor.controls import Controls, parse_controls
from auditor.errors import ConfigError
from auditor.model.results import Severity
from auditor.waivers import default_waivers_path

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
SESSION_NAME = "backup-auditor"


@dataclass(frozen=True)
class AuditConfig:
    """Everything one audit run needs. Defaults are the documented defaults."""

    role_name: str = DEFAULT_ROLE_NAME
    """Role assumed in each member account (not in the caller's own account)."""
    external_id: str | None = None
    """External ID passed to sts:AssumeRole, when the audit role requires one."""
    accounts: tuple[str, ...] | None = None
    """Explicit account ids; ``None`` = every ACTIVE account of the organization."""
    regions: tuple[str, ...] | None = None
    """Explicit regions; ``None`` = each account's enabled regions (ec2 DescribeRegions)."""
    ou: tuple[str, ...] | None = None
    """Audit only the accounts under these organizational units (ids or paths, with everything
    below them); ``None`` = no restriction."""
    shard: tuple[int, int] | None = None
    """``(i, n)``: collect only the i-th of n deterministic shards of the account list (0 <= i < n)."""
    endpoint_url: str | None = None
    """Send every AWS call here (the sandbox); ``None`` = real AWS endpoints."""
    max_concurrency: int = 64
    """Upper bound of AWS calls in flight across the whole run."""
    per_account_region_concurrency: int = 8
    """Upper bound of AWS calls in flight for one account-region."""
    max_attempts: int = 8
    """botocore adaptive retries per call after its first attempt (throttling, 5xx, dropped
    connections; a timed-out call gets at most 2 attempts in all)."""
    job_window_days: int = 14
    """ListBackupJobs looks back this many days."""
    compress: bool = False
    """Store bundle files gzip-compressed (``.json.gz``)."""
    deadline: float | None = None
    """``time.monotonic()`` value by which collection must stop; what is not reached is recorded
    as not audited (used by the Lambda handler)."""
    timeout: float | None = None
    """Seconds the collection may take, from its start (``--timeout``); calls not made by then are
    recorded as not collected and the bundle is written. ``None`` = no limit (besides ``deadline``)."""
    fail_on: Severity | None = None
    """Exit 1 when a finding at or above this severity exists; ``None`` = never."""
    fail_on_not_audited: bool = False
    """Exit 1 when any account-region of the run is partial or not audited (a coverage gate)."""
    fail_on_new: Severity | None = None
    """Exit 1 when a finding at or above this severity is new against ``previous`` (and not waived)."""
    as_of: datetime | None = None
    """Evaluate as if now were this instant (default: the bundle's collected_at)."""
    aurora_cost_per_gb_month: float = 0.021
    """USD per GB-month used to estimate billed Aurora snapshot storage."""
    quiet: bool = False
    """No progress display on stderr."""
    jobs: int | None = None
    """Processes that load the bundle and run the rules when evaluating (:mod:`auditor.model.parallel`,
    :class:`auditor.evaluate.RulesRunning`); ``None`` = the CPUs this process may use, at most 4; 1 = no child process."""
    waivers: Path | None = None
    """Waivers file (accepted risks, :mod:`auditor.waivers`); default: ``backup-auditor-waivers.toml``
    beside the config file (or in the working directory) when it exists."""
    history: Path | None = None
    """The index of run summaries ``audit`` appends to (:mod:`auditor.history`); default:
    ``history.jsonl`` in the parent of ``--out``."""
    previous: Path | None = None
    """The previous run (findings JSON, audit output directory or bundle) to compare with
    (``--previous``, a flag only; the Lambda sets it to its ``latest/`` findings)."""
    framework_file: Path | None = None
    """An AWS Backup Audit Manager framework (the JSON of ``aws backup describe-framework``) whose
    controls' parameters and scopes set the compliance controls (:mod:`auditor.framework_file`)."""
    controls: Controls = field(default_factory=Controls)
    """Parameters and scopes of the compliance controls (the config file's ``[controls]`` table,
    with the framework file's controls laid over it: no flag, no environment variable)."""
    framework_warnings: tuple[str, ...] = ()
    """What the framework file asks that this version cannot evaluate (printed on stderr)."""


@dataclass(frozen=True)
class OutputPaths:
    """Where an audit writes: ``out_dir/evidence/``, ``out_dir/findings.json``, ``out_dir/report.html``."""

    out_dir: Path

    @property
    def evidence(self) -> Path:
        return self.out_dir / "evidence"

    @property
    def findings(self) -> Path:
        return self.out_dir / "findings.json"

    @property
    def report_html(self) -> Path:
        return self.out_dir / "report.html"


CONFIG_FILE_NAME = "backup-auditor.toml"
ENV_PREFIX = "BACKUP_AUDITOR_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"

# Fields a user may set (flag, env var, config file). deadline is the Lambda's, not a user's.
_SETTABLE = tuple(
    f.name
    for f in fields(AuditConfig)
    if f.name not in ("deadline", "controls", "previous", "framework_warnings")
)
CONTROLS_KEY = "controls"
"""The config file's table of per-control parameters (:mod:`auditor.controls`)."""

_OPTION_FOR_FIELD = {"per_account_region_concurrency": "per-region-concurrency", "compress": "gzip"}
"""Fields whose public name (flag, TOML key, env var) is not the field name with dashes."""

FLAG_ONLY_OPTIONS = (
    "format",
    "out",
    "output",
    "force",
    "config",
    "accounts-from",
    "previous",
    "account",
    "region",
    "rule",
    "severity",
)
"""Per-run command-line options that are not settings: no TOML key, no environment variable."""


def option_name(field_name: str) -> str:
    """The public name of a config field: its flag without ``--`` and its TOML key."""
    return _OPTION_FOR_FIELD.get(field_name, field_name.replace("_", "-"))


def option_names() -> tuple[str, ...]:
    """Every setting's public name, in field order."""
    return tuple(option_name(f) for f in _SETTABLE)


def env_var(field_name: str) -> str:
    """Environment variable for a config field, e.g. ``role_name`` -> ``BACKUP_AUDITOR_ROLE_NAME``,
    ``compress`` -> ``BACKUP_AUDITOR_GZIP`` (the flag's name)."""
    return ENV_PREFIX + option_name(field_name).upper().replace("-", "_")


def _legacy_env_var(field_name: str) -> tuple[str, ...]:
    """The variable named after the field, still read for a renamed field (deployed stacks set
    ``BACKUP_AUDITOR_COMPRESS``); the flag-named variable wins when both are set."""
    return (ENV_PREFIX + field_name.upper(),) if field_name in _OPTION_FOR_FIELD else ()


_FIELD_FOR_OPTION = {option_name(f): f for f in _SETTABLE}


def unknown_key_message(key: str) -> str:
    """Why ``key`` is not a setting, naming the closest valid key (difflib) when there is one."""
    name = key.replace("_", "-")
    if name in FLAG_ONLY_OPTIONS:
        return f"unknown key '{key}': --{name} is a command-line option only, not a setting"
    renamed = _OPTION_FOR_FIELD.get(name.replace("-", "_"))
    close = [renamed] if renamed else difflib.get_close_matches(name, option_names(), n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}' (did you mean '{close[0]}'?)"
    return f"unknown key '{key}' (known: {', '.join(sorted(option_names()))})"


def load_config(
    flags: Mapping[str, object] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    cwd: Path | None = None,
) -> AuditConfig:
    """Build an :class:`AuditConfig` with precedence flag > env > file > default.

    ``flags`` maps field names to values given on the command line (``None`` = not given).
    The config file is ``config_file``, else ``$BACKUP_AUDITOR_CONFIG``, else
    ``./backup-auditor.toml`` if it exists. Its keys are the flags' names (``role-name`` or
    ``role_name``), at top level or under a ``[backup-auditor]`` table. Every bad value raises
    :class:`ConfigError` naming where it came from.
    """
    environ = os.environ if env is None else env
    values: dict[str, object] = {}
    here = cwd or Path.cwd()
    path = _config_path(config_file, environ, here)
    raw_controls = _file_values(path, values) if path is not None else None
    for name in _SETTABLE:
        for var in (env_var(name), *_legacy_env_var(name)):
            if environ.get(var, "") != "":
                values[name] = _coerce(name, environ[var], f"environment variable {var}")
                break
    for name, raw in (flags or {}).items():
        if name == "previous":  # a flag only: no variable, no TOML key
            if raw is not None:
                values[name] = Path(str(raw))
            continue
        if name not in _SETTABLE:
            raise ValueError(f"unknown config field {name!r}")
        if raw is not None:
            values[name] = _coerce(name, raw, f"option --{option_name(name)}")
    if values.get("waivers") is None:
        values["waivers"] = default_waivers_path(path, here)
    framework = values.get("framework_file")
    if isinstance(framework, Path):
        values["controls"], values["framework_warnings"] = _framework_controls(framework, path, raw_controls)
    config = AuditConfig(**values)  # type: ignore[arg-type]  # values are coerced per field type above
    _validate(config)
    return config


def _file_values(path: Path, values: dict[str, object]) -> object:
    """Put the config file's settings in ``values``; return its raw ``[controls]`` table (the
    framework file, which may come from a flag or variable, is laid over it later)."""
    raw_controls: object = None
    for key, raw in _read_config_file(path).items():
        if key == "controls":
            values[key] = _read_controls(path, raw)
            raw_controls = raw
        else:
            values[key] = _coerce(key, raw, f"{path}: key '{key}'")
    for key in ("waivers", "history", "framework_file"):  # a relative path is relative to the config file
        value = values.get(key)
        if isinstance(value, Path):
            values[key] = path.parent / value
    return raw_controls


def _framework_controls(
    framework: Path, config_path: Path | None, raw_controls: object
) -> tuple[Controls, tuple[str, ...]]:
    """The ``[controls]`` table with ``framework``'s controls laid over it, and its warnings."""
    from auditor.framework_file import merge_tables, read_framework_file  # needs the rule registry

    tables = read_framework_file(framework)
    table = raw_controls if isinstance(raw_controls, Mapping) else None
    try:
        controls = parse_controls(merge_tables(table, tables), CONTROLS_KEY)
    except ConfigError as exc:
        where = f"{config_path} with {framework}" if config_path else str(framework)
        raise ConfigError(f"{where}: {exc}") from None
    return controls, tables.warnings


def _config_path(explicit: Path | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return explicit
    from_env = environ.get(CONFIG_ENV)
    if from_env:
        p = Path(from_env)
        if not p.is_file():
            raise ConfigError(f"{p}: config file not found (from {CONFIG_ENV})")
        return p
    default = cwd / CONFIG_FILE_NAME
    return default if default.is_file() else None


def _read_config_file(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    table = data.get("backup-auditor", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [backup-auditor] must be a table")
    out: dict[str, object] = {}
    for key, value in table.items():
        if key == CONTROLS_KEY:
            out["controls"] = value
            continue
        name = _FIELD_FOR_OPTION.get(key.replace("_", "-"))
        if name is None:
            raise ConfigError(f"{path}: {unknown_key_message(key)}")
        out[name] = value
    return out


def _read_controls(path: Path, raw: object) -> Controls:
    try:
        return parse_controls(raw, CONTROLS_KEY)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _split(raw: object, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        items = [p.strip() for p in raw.split(",")]
    elif isinstance(raw, list | tuple):
        items = [str(p).strip() for p in raw]
    else:
        raise ConfigError(f"{where}: expected a comma-separated list, got {raw!r}")
    items = [p for p in items if p]
    if not items:
        raise ConfigError(f"{where}: empty list")
    return tuple(items)


def _coerce(name: str, raw: object, where: str) -> object:
    """Turn a flag / env / TOML value into the field's type, or raise ConfigError saying where."""
    try:
        if name == "ou":
            return _split(raw, where)
        if name in ("accounts", "regions"):
            return _account_ids(raw, where) if name == "accounts" else _split(raw, where)
        if name == "shard":
            return parse_shard(raw, where)
        if name in ("max_concurrency", "per_account_region_concurrency", "max_attempts", "job_window_days"):
            return _whole_number(raw, where)
        if name == "jobs":
            return _processes(raw, where)
        if name == "timeout":
            return _seconds(raw, where)
        if name == "aurora_cost_per_gb_month":
            return _cost(raw, where)
        if name in ("compress", "quiet", "fail_on_not_audited"):
            return _boolean(raw, where)
        if name in ("fail_on", "fail_on_new"):
            return parse_severity(raw, where)
        if name == "as_of":
            return parse_instant(raw, where)
        if name in ("role_name", "external_id", "endpoint_url"):
            return _text(raw, where)
        if name in ("waivers", "history"):
            return Path(_text(raw, where)) if not isinstance(raw, Path) else raw
        if name == "framework_file":
            return Path(_text(str(raw) if isinstance(raw, Path) else raw, where))
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid value {raw!r}") from exc
    raise ValueError(f"no coercion for field {name!r}")


def _account_ids(raw: object, where: str) -> tuple[str, ...]:
    items = _split(raw, where)
    bad = [a for a in items if not (len(a) == 12 and a.isdigit())]
    if bad:
        raise ConfigError(f"{where}: not 12-digit AWS account ids: {', '.join(bad)}")
    return items


def _whole_number(raw: object, where: str) -> int:
    value = int(str(raw)) if not isinstance(raw, bool) else None
    if value is None or value < 1:
        raise ConfigError(f"{where}: expected a whole number >= 1, got {raw!r}")
    return value


def _processes(raw: object, where: str) -> int:
    """A number of processes: a whole number >= 1 (``2.5``, ``two`` or ``0`` say so)."""
    text = str(raw).strip()
    if isinstance(raw, bool) or not (isinstance(raw, int) or text.lstrip("+-").isdigit()) or int(text) < 1:
        raise ConfigError(f"{where}: expected a whole number of processes >= 1, got {raw!r}")
    return int(text)


def _seconds(raw: object, where: str) -> float:
    seconds = float(str(raw)) if not isinstance(raw, bool) else math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{where}: expected a number of seconds > 0, got {raw!r}")
    return seconds


def _cost(raw: object, where: str) -> float:
    cost = float(str(raw)) if not isinstance(raw, bool) else math.nan
    if not math.isfinite(cost):
        raise ConfigError(f"{where}: expected a finite number of USD, got {raw!r}")
    if cost < 0:
        raise ConfigError(f"{where}: must not be negative")
    return cost


def _boolean(raw: object, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{where}: expected true or false, got {raw!r}")


def _text(raw: object, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{where}: expected a non-empty string")
    return raw.strip()


def parse_shard(raw: object, where: str = "--shard") -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with 0 <= I < N."""
    if isinstance(raw, tuple) and len(raw) == 2:
        i, n = int(raw[0]), int(raw[1])
    else:
        text = str(raw)
        left, sep, right = text.partition("/")
        if not sep or not left.strip().isdigit() or not right.strip().isdigit():
            raise ConfigError(f"{where}: expected I/N (e.g. 0/4), got {text!r}")
        i, n = int(left), int(right)
    if n < 1 or not 0 <= i < n:
        raise ConfigError(f"{where}: need 0 <= I < N, got {i}/{n}")
    return (i, n)


def parse_severity(raw: object, where: str = "--fail-on") -> Severity:
    text = str(raw).strip().lower()
    try:
        return Severity(text)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ConfigError(f"{where}: unknown severity {raw!r} (choose from {choices})") from None


def parse_instant(raw: object, where: str = "--as-of") -> datetime:
    if isinstance(raw, datetime):
        parsed = raw
    else:
        try:
            parsed = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            raise ConfigError(f"{where}: not an ISO 8601 timestamp: {raw!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _validate(config: AuditConfig) -> None:
    if config.ou is not None and config.accounts is not None:
        raise ConfigError("--ou and --accounts exclude each other: name the accounts or the units")
    if config.per_account_region_concurrency > config.max_concurrency:
        raise ConfigError(
            "per-account-region concurrency "
            f"({config.per_account_region_concurrency}) exceeds max concurrency ({config.max_concurrency})"
        )
