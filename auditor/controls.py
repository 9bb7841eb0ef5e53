"""Parameters and scopes of the compliance controls (BKP-030 ...), read from ``backup-auditor.toml``.

Each control is one table of the config file::

    [controls.BKP-035]
    max-age-hours = 24
    resource-types = ["RDS", "EBS"]

    [controls.BKP-033]
    exempt-principals = ["arn:aws:iam::111111111111:role/BackupAdmin"]
    enabled = false

Every key is optional; defaults are AWS Backup Audit Manager's (the page each control cites).
The scope keys mirror Audit Manager's ``ControlScope``
(https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ControlScope.html): ``resource-types``
(AWS Backup resource types such as ``"RDS"``), one tag (``tag-key`` with an optional ``tag-value``)
or ``resource-arns``. Keys given together must all hold for a subject to be in scope. A control
that judges plans or vaults takes ``resource-arns`` of those only (their tags are not collected).

Everything here is a frozen dataclass: :class:`Controls` rides on
:class:`auditor.rules.base.RuleSettings` to the rules.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import pandas as pd

from auditor.errors import ConfigError

Unit = Literal["hours", "days"]
P = TypeVar("P")


@dataclass(frozen=True)
class Duration:
    """A whole number of hours or days, as Audit Manager's ``...Value`` / ``...Unit`` pairs."""

    value: int
    unit: Unit

    @property
    def hours(self) -> int:
        return self.value * (24 if self.unit == "days" else 1)

    def text(self) -> str:
        name = self.unit[:-1] if self.value == 1 else self.unit
        return f"{self.value} {name}"


@dataclass(frozen=True)
class ControlScope:
    """Which subjects a control judges (Audit Manager's ``ControlScope``); empty = all of them."""

    resource_types: tuple[str, ...] = ()
    tag_key: str | None = None
    tag_value: str | None = None
    """With ``tag_key``: the value the tag must have; ``None`` = any value."""
    resource_arns: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.resource_types and self.tag_key is None and not self.resource_arns

    def mask(
        self, arns: pd.Series, types: pd.Series | None = None, tags: pd.Series | None = None
    ) -> pd.Series:
        """Boolean mask of the subjects in scope. ``tags`` holds dicts (None where unknown: such a
        subject is out of a tag scope); ``types`` may be None when the control has no type scope."""
        ok = pd.Series(True, index=arns.index)
        if self.resource_arns:
            ok &= arns.isin(self.resource_arns)
        if self.resource_types and types is not None:
            ok &= types.isin(self.resource_types)
        if self.tag_key is not None and tags is not None:
            key, value = self.tag_key, self.tag_value
            ok &= tags.map(
                lambda t: isinstance(t, dict) and key in t and (value is None or t[key] == value)
            ).astype(bool)
        return ok

    def text(self) -> str:
        """How the scope reads in a finding's details."""
        if self.everything:
            return "all"
        parts = []
        if self.resource_types:
            parts.append("resource types " + ", ".join(self.resource_types))
        if self.tag_key is not None:
            parts.append(f"tag {self.tag_key}" + ("" if self.tag_value is None else f"={self.tag_value}"))
        if self.resource_arns:
            parts.append(f"{len(self.resource_arns)} resource ARN(s)")
        return "; ".join(parts)


@dataclass(frozen=True)
class PlanFrequencyParams:
    """BKP-030: a plan rule at least this frequent and keeping recovery points this long."""

    frequency: Duration = Duration(1, "days")
    retention_days: int = 35


@dataclass(frozen=True)
class RetentionParams:
    """BKP-032: recovery points kept at least this long."""

    retention_days: int = 35


@dataclass(frozen=True)
class ManualDeletionParams:
    """BKP-033: principals the vault access policy may leave able to delete."""

    exempt_principals: tuple[str, ...] = ()


@dataclass(frozen=True)
class VaultLockParams:
    """BKP-034: the locked vault's retention bounds must lie within these (unset = any)."""

    min_retention_days: int | None = None
    max_retention_days: int | None = None


@dataclass(frozen=True)
class RecoveryPointAgeParams:
    """BKP-035: the newest completed recovery point is at most this old."""

    max_age: Duration = Duration(1, "days")


# -- copies and air-gapped vaults (BKP-022/036/037/039) -------------------------------------


@dataclass(frozen=True)
class CrossRegionParams:
    """BKP-036: the other Regions a copy may go to (empty = any other Region)."""

    destination_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrossAccountParams:
    """BKP-037: the other accounts a copy may go to (empty = any other account of the organization)."""

    destination_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AirGappedParams:
    """BKP-039: a recovery point in a logically air-gapped vault at most this old."""

    max_age: Duration = Duration(7, "days")


@dataclass(frozen=True)
class RestoreTimeParams:
    """BKP-038: restore testing coverage, and a restore time target in minutes (unset: coverage only)."""

    max_restore_minutes: int | None = None


@dataclass(frozen=True)
class NoParams:
    """A control without parameters (BKP-031)."""


@dataclass(frozen=True)
class Control(Generic[P]):
    """One control's switch, scope and parameters."""

    params: P
    enabled: bool = True
    scope: ControlScope = field(default_factory=ControlScope)


@dataclass(frozen=True)
class Controls:
    """Every control's settings; defaults are Audit Manager's."""

    bkp_030: Control[PlanFrequencyParams] = Control(PlanFrequencyParams())
    bkp_031: Control[NoParams] = Control(NoParams())
    bkp_032: Control[RetentionParams] = Control(RetentionParams())
    bkp_033: Control[ManualDeletionParams] = Control(ManualDeletionParams())
    bkp_034: Control[VaultLockParams] = Control(VaultLockParams())
    bkp_035: Control[RecoveryPointAgeParams] = Control(RecoveryPointAgeParams())
    # -- copies and air-gapped vaults
    bkp_022: Control[NoParams] = Control(NoParams())
    bkp_036: Control[CrossRegionParams] = Control(CrossRegionParams())
    bkp_037: Control[CrossAccountParams] = Control(CrossAccountParams())
    bkp_039: Control[AirGappedParams] = Control(AirGappedParams())
    # restore jobs and restore testing
    bkp_023: Control[NoParams] = Control(NoParams())
    bkp_038: Control[RestoreTimeParams] = Control(RestoreTimeParams())


# --------------------------------------------------------------------------------------------
# Reading the [controls] table
# --------------------------------------------------------------------------------------------

SCOPE_KEYS = ("resource-types", "tag-key", "tag-value", "resource-arns")
RESOURCE_SCOPE = SCOPE_KEYS
ARN_SCOPE = ("resource-arns",)


class _Table:
    """One ``[controls.BKP-NNN]`` table being read: takes keys, then rejects what is left."""

    def __init__(self, raw: Mapping[str, object], where: str) -> None:
        self.raw = {str(k).replace("_", "-"): v for k, v in raw.items()}
        self.where = where
        self.known: list[str] = ["enabled"]

    def key(self, key: str) -> str:
        return f"{self.where}.{key}"

    def take(self, key: str) -> object | None:
        self.known.append(key)
        return self.raw.get(key)

    def whole(self, key: str, low: int, high: int | None = None) -> int | None:
        raw = self.take(key)
        if raw is None:
            return None
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int)
            or raw < low
            or (high is not None and raw > high)
        ):
            limit = f"from {low} to {high}" if high is not None else f">= {low}"
            raise ConfigError(f"key '{self.key(key)}': expected a whole number {limit}, got {raw!r}")
        return raw

    def strings(self, key: str, at_most: int | None = None) -> tuple[str, ...]:
        raw = self.take(key)
        if raw is None:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x.strip() for x in raw):
            raise ConfigError(f"key '{self.key(key)}': expected a non-empty list of strings, got {raw!r}")
        if at_most is not None and len(raw) > at_most:
            raise ConfigError(f"key '{self.key(key)}': at most {at_most} values, got {len(raw)}")
        return tuple(x.strip() for x in raw)

    def text(self, key: str) -> str | None:
        raw = self.take(key)
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise ConfigError(f"key '{self.key(key)}': expected a string, got {raw!r}")
        return raw

    def duration(
        self, stem: str, hours: tuple[int, int], days: tuple[int, int], default: Duration
    ) -> Duration:
        """``<stem>-hours`` or ``<stem>-days`` (not both), within Audit Manager's ranges."""
        h = self.whole(f"{stem}-hours", *hours)
        d = self.whole(f"{stem}-days", *days)
        if h is not None and d is not None:
            raise ConfigError(
                f"key '{self.key(stem + '-hours')}': give {stem}-hours or {stem}-days, not both"
            )
        if h is not None:
            return Duration(h, "hours")
        return Duration(d, "days") if d is not None else default

    def scope(self, allowed: tuple[str, ...]) -> ControlScope:
        for key in SCOPE_KEYS:
            if key not in allowed and key in self.raw:
                raise ConfigError(
                    f"key '{self.key(key)}': this control judges plans or vaults, whose scope is "
                    f"{', '.join(allowed)} only"
                )
        types = self.strings("resource-types")
        arns = self.strings("resource-arns")
        tag_key, tag_value = self.text("tag-key"), self.text("tag-value")
        if tag_value is not None and tag_key is None:
            raise ConfigError(f"key '{self.key('tag-value')}': needs tag-key")
        if tag_key is not None and not tag_key.strip():
            raise ConfigError(f"key '{self.key('tag-key')}': must not be empty")
        return ControlScope(resource_types=types, tag_key=tag_key, tag_value=tag_value, resource_arns=arns)

    def control(self, params: P, scope: tuple[str, ...]) -> Control[P]:
        enabled = self.raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"key '{self.key('enabled')}': expected true or false, got {enabled!r}")
        built = Control(params=params, enabled=enabled, scope=self.scope(scope))
        for key in self.raw:
            if key not in self.known:
                close = difflib.get_close_matches(key, self.known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(sorted(self.known))
                raise ConfigError(f"unknown key '{self.key(key)}' ({hint})")
        return built


def _bkp_030(t: _Table) -> Control[PlanFrequencyParams]:
    freq = t.duration("frequency", (1, 24), (1, 31), Duration(1, "days"))
    retention = t.whole("retention-days", 1)
    params = PlanFrequencyParams(frequency=freq, retention_days=35 if retention is None else retention)
    return t.control(params, ARN_SCOPE)


def _bkp_031(t: _Table) -> Control[NoParams]:
    return t.control(NoParams(), RESOURCE_SCOPE)


def _bkp_032(t: _Table) -> Control[RetentionParams]:
    retention = t.whole("retention-days", 1)
    return t.control(RetentionParams(35 if retention is None else retention), RESOURCE_SCOPE)


def _bkp_033(t: _Table) -> Control[ManualDeletionParams]:
    principals = t.strings("exempt-principals", at_most=5)
    bad = [p for p in principals if not p.startswith("arn:")]
    if bad:
        raise ConfigError(f"key '{t.key('exempt-principals')}': not IAM ARNs: {', '.join(bad)}")
    return t.control(ManualDeletionParams(principals), ARN_SCOPE)


def _bkp_034(t: _Table) -> Control[VaultLockParams]:
    low, high = t.whole("min-retention-days", 1), t.whole("max-retention-days", 1)
    if low is not None and high is not None and low > high:
        raise ConfigError(f"key '{t.key('min-retention-days')}': {low} exceeds max-retention-days {high}")
    return t.control(VaultLockParams(low, high), RESOURCE_SCOPE)


def _bkp_035(t: _Table) -> Control[RecoveryPointAgeParams]:
    age = t.duration("max-age", (1, 744), (1, 31), Duration(1, "days"))
    return t.control(RecoveryPointAgeParams(age), RESOURCE_SCOPE)


# -- copies and air-gapped vaults (BKP-022/036/037/039) -------------------------------------

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")


def _bkp_022(t: _Table) -> Control[NoParams]:
    return t.control(NoParams(), RESOURCE_SCOPE)


def _bkp_036(t: _Table) -> Control[CrossRegionParams]:
    regions = t.strings("destination-regions")
    bad = [r for r in regions if not _REGION_RE.match(r)]
    if bad:
        raise ConfigError(f"key '{t.key('destination-regions')}': not AWS Region names: {', '.join(bad)}")
    return t.control(CrossRegionParams(regions), RESOURCE_SCOPE)


def _bkp_037(t: _Table) -> Control[CrossAccountParams]:
    # Audit Manager's crossAccountList takes up to 5 accounts.
    accounts = t.strings("destination-accounts", at_most=5)
    bad = [a for a in accounts if not _ACCOUNT_RE.match(a)]
    if bad:
        raise ConfigError(
            f"key '{t.key('destination-accounts')}': not 12-digit account ids: {', '.join(bad)}"
        )
    return t.control(CrossAccountParams(accounts), RESOURCE_SCOPE)


def _bkp_039(t: _Table) -> Control[AirGappedParams]:
    # Audit Manager's air-gapped control: hours 24-2184 or days 1-91.
    age = t.duration("max-age", (24, 2184), (1, 91), Duration(7, "days"))
    return t.control(AirGappedParams(age), RESOURCE_SCOPE)


def _bkp_023(t: _Table) -> Control[NoParams]:
    return t.control(NoParams(), RESOURCE_SCOPE)


def _bkp_038(t: _Table) -> Control[RestoreTimeParams]:
    return t.control(RestoreTimeParams(t.whole("max-restore-minutes", 1)), RESOURCE_SCOPE)


_READERS: Mapping[str, Callable[[_Table], Control[Any]]] = {
    "BKP-030": _bkp_030,
    "BKP-031": _bkp_031,
    "BKP-032": _bkp_032,
    "BKP-033": _bkp_033,
    "BKP-034": _bkp_034,
    "BKP-035": _bkp_035,
    # -- copies and air-gapped vaults
    "BKP-022": _bkp_022,
    "BKP-036": _bkp_036,
    "BKP-037": _bkp_037,
    "BKP-039": _bkp_039,
    # restore jobs and restore testing
    "BKP-023": _bkp_023,
    "BKP-038": _bkp_038,
}

CONTROL_IDS: tuple[str, ...] = tuple(_READERS)


def parse_controls(raw: object, where: str = "controls") -> Controls:
    """The ``[controls]`` table of a config file as :class:`Controls`; a bad table, control id,
    key or value raises :class:`ConfigError` naming ``where.BKP-NNN.key`` (the caller prefixes
    the file)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"key '{where}': expected a table of [{where}.BKP-NNN] tables")
    values: dict[str, Control[Any]] = {}
    for control_id, table in raw.items():
        reader = _READERS.get(str(control_id).upper())
        if reader is None:
            close = difflib.get_close_matches(str(control_id).upper(), CONTROL_IDS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(CONTROL_IDS)
            raise ConfigError(f"unknown control '{where}.{control_id}' ({hint})")
        if not isinstance(table, Mapping):
            raise ConfigError(f"key '{where}.{control_id}': expected a table")
        values[reader.__name__.lstrip("_")] = reader(_Table(table, f"{where}.{control_id}"))
    return Controls(**values)
