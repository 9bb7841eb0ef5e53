"""``--framework-file``: an AWS Backup Audit Manager framework, as ``aws backup describe-framework``
prints it, turned into ``[controls.BKP-NNN]`` tables (:mod:`auditor.controls`).

The file is the JSON of DescribeFramework (botocore ``backup`` output shape): ``FrameworkControls``,
a list of ``{ControlName, ControlInputParameters: [{ParameterName, ParameterValue}], ControlScope:
{ComplianceResourceIds, ComplianceResourceTypes, Tags}}``. For each control:

* its rules are those whose metadata names the control (:mod:`auditor.frameworks`); those with a
  ``[controls.BKP-NNN]`` table take its parameters (``ParameterValue`` strings read as the catalogue
  says: whole numbers, comma-separated lists, ``hours`` / ``days`` units) and its scope
  (``ComplianceResourceTypes`` -> ``resource-types``, the one tag of ``Tags`` -> ``tag-key`` /
  ``tag-value``, ``ComplianceResourceIds`` -> ``resource-arns``, which must be ARNs), and are turned
  on;
* a control name Audit Manager does not have, a parameter the control does not take or cannot be
  read, two entries for one control, or a malformed member: :class:`ConfigError` naming the file
  and the member (exit 2);
* a control none of our rules evaluates yet, or a scope a rule cannot apply (tags of plans or
  vaults, which are not collected): a warning, returned with the tables, that the CLI prints.

The framework's values win over the config file's ``[controls]`` keys they set; a framework
control's scope replaces the table's scope (no scope = every resource, as in Audit Manager).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.compliance import evidence_map
from auditor.controls import ARN_SCOPE, CONTROL_IDS, SCOPE_KEYS, parse_controls
from auditor.errors import ConfigError
from auditor.frameworks import CATALOGUE, Framework, FrameworkControl, Parameter, Subject

UNITS = ("hours", "days")
BACKUP_OWN_TYPES = "AWS::Backup::"
"""``ComplianceResourceTypes`` such as ``AWS::Backup::BackupVault`` name what a vault or plan
control judges anyway (AWS Backup guide, creating-frameworks-api.html): nothing to narrow."""


@dataclass(frozen=True)
class FrameworkTables:
    """What a framework file sets: ``[controls.BKP-NNN]``-style tables, and what it could not."""

    path: Path
    name: str
    tables: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    """Rule id -> keys of its ``[controls.BKP-NNN]`` table (as the config file spells them)."""
    origins: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Rule id -> table key -> the framework member it came from (for error messages)."""
    warnings: tuple[str, ...] = ()


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.evidence = evidence_map()
        self.tables: dict[str, dict[str, object]] = {}
        self.origins: dict[str, dict[str, str]] = {}
        self.warnings: list[str] = []
        self.seen: dict[str, str] = {}

    def fail(self, where: str, why: str) -> ConfigError:
        return ConfigError(f"{self.path}: key '{where}': {why}")

    def warn(self, where: str, name: str, why: str) -> None:
        self.warnings.append(f"{self.path}: {where} ({name}): {why}")

    # -- members -----------------------------------------------------------------------------

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected a non-empty string, got {value!r}")
        return value.strip()

    def items(self, value: object, where: str) -> list[object]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        return value

    def obj(self, value: object, where: str) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    # -- one control ---------------------------------------------------------------------------

    def control(self, raw: object, where: str) -> None:
        item = self.obj(raw, where)
        name = self.text(item.get("ControlName"), f"{where}.ControlName")
        control = CATALOGUE.get(name)
        if control is None or control.framework is not Framework.AUDIT_MANAGER:
            known = sorted(c.id for c in CATALOGUE.values() if c.framework is Framework.AUDIT_MANAGER)
            raise self.fail(
                f"{where}.ControlName", f"unknown Audit Manager control {name!r} (known: {', '.join(known)})"
            )
        if name in self.seen:
            raise self.fail(
                f"{where}.ControlName",
                f"{name} is also {self.seen[name]}: backup-auditor evaluates one scope per control",
            )
        self.seen[name] = where
        rule_ids = self.evidence.get(name, ())
        if not rule_ids:
            self.warn(where, name, "no rule of this version evaluates this control; it is not evaluated")
            return
        values = self.parameters(
            control, item.get("ControlInputParameters"), f"{where}.ControlInputParameters"
        )
        configurable = [rid for rid in rule_ids if rid in CONTROL_IDS]
        if not configurable:
            if values or self.has_scope(item.get("ControlScope"), f"{where}.ControlScope"):
                self.warn(
                    where,
                    name,
                    f"evaluated by {', '.join(rule_ids)}, which take no parameters or scope: "
                    "its parameters and scope are not applied",
                )
            return
        for rid in configurable:
            self.apply(rid, control, values, item.get("ControlScope"), where)

    def apply(
        self,
        rule_id: str,
        control: FrameworkControl,
        values: Mapping[str, tuple[object, str]],
        scope: object,
        where: str,
    ) -> None:
        """Set ``rule_id``'s table from one framework control: on, its parameters, its scope."""
        table: dict[str, object] = {"enabled": True}
        origin: dict[str, str] = {"enabled": f"{where}.ControlName"}
        scoped = self.scope(scope, f"{where}.ControlScope", control, rule_id, where)
        for key, (value, member) in (*values.items(), *scoped.items()):
            if value is not None:
                table[key] = value
                origin[key] = member
        self.tables[rule_id] = table
        self.origins[rule_id] = origin

    def parameters(self, control: FrameworkControl, raw: object, where: str) -> dict[str, tuple[object, str]]:
        """Our table keys from the control's input parameters: ``key -> (value, member)``."""
        given: dict[str, tuple[str, str]] = {}
        for i, item in enumerate(self.items(raw, where)):
            member = f"{where}[{i}]"
            param = self.obj(item, member)
            pname = self.text(param.get("ParameterName"), f"{member}.ParameterName")
            value = param.get("ParameterValue")
            if not isinstance(value, str):
                raise self.fail(f"{member}.ParameterValue", f"expected a string, got {value!r}")
            if pname in given:
                raise self.fail(f"{member}.ParameterName", f"{pname} is given twice")
            given[pname] = (value.strip(), f"{member}.ParameterValue")
        by_name = {p.name: p for p in control.parameters}
        by_value = {p.value: p for p in control.parameters if p.value is not None}
        for pname, (_, member) in given.items():
            if pname not in by_name and pname not in by_value:
                known = sorted([*by_name, *by_value])
                hint = f"known: {', '.join(known)}" if known else "this version reads no parameter of it"
                raise self.fail(
                    member.rsplit(".", 1)[0] + ".ParameterName",
                    f"{control.id} takes no parameter {pname!r} ({hint})",
                )
        out: dict[str, tuple[object, str]] = {}
        for p in control.parameters:
            out.update(self.one(p, given))
        return out

    def one(self, p: Parameter, given: Mapping[str, tuple[str, str]]) -> dict[str, tuple[object, str]]:
        if p.kind == "unit":
            unit = given.get(p.name)
            number = given.get(p.value or "")
            if unit is None and number is None:
                return {}
            unit_text = "days" if unit is None else unit[0].lower()
            if unit_text not in UNITS:
                assert unit is not None
                raise self.fail(unit[1], f"expected 'hours' or 'days', got {unit[0]!r}")
            if number is None:
                assert unit is not None
                return {f"{p.key}-{unit_text}": (1, unit[1])}
            return {f"{p.key}-{unit_text}": (self.whole(number), number[1])}
        got = given.get(p.name)
        if got is None:
            return {}
        if p.kind == "list":
            values = [v.strip() for v in got[0].split(",") if v.strip()]
            if not values:
                raise self.fail(got[1], "expected a comma-separated list, got an empty value")
            return {p.key: (values, got[1])}
        return {p.key: (self.whole(got), got[1])}

    def whole(self, got: tuple[str, str]) -> int:
        text, member = got
        if not text.isdigit():
            raise self.fail(member, f"expected a whole number, got {text!r}")
        return int(text)

    def tag_scope(
        self, raw: object, where: str, allowed: bool, rule_id: str, name: str, control_where: str
    ) -> dict[str, tuple[object, str]]:
        """``tag-key`` / ``tag-value`` from a scope's ``Tags`` (one pair; an empty value = any)."""
        tag_map = self.obj(raw, where)
        if len(tag_map) > 1:
            raise self.fail(where, f"a control scope takes one tag, got {len(tag_map)}")
        ((tag_key, tag_val),) = tag_map.items()
        if tag_val is not None and not isinstance(tag_val, str):
            raise self.fail(f"{where}.{tag_key}", f"expected a string, got {tag_val!r}")
        if not allowed:
            self.warn(
                control_where,
                name,
                f"tag scope {tag_key}={tag_val} not applied: {rule_id} judges backup plans or vaults, "
                "whose tags are not collected; it is evaluated for all of them",
            )
            return {}
        return {
            "tag-key": (self.text(tag_key, where), where),
            "tag-value": (tag_val or None, f"{where}.{tag_key}"),
        }

    def has_scope(self, raw: object, where: str) -> bool:
        if raw is None:
            return False
        scope = self.obj(raw, where)
        return any(scope.get(k) for k in ("ComplianceResourceIds", "ComplianceResourceTypes", "Tags"))

    def scope(
        self, raw: object, where: str, control: FrameworkControl, rule_id: str, control_where: str
    ) -> dict[str, tuple[object, str]]:
        """Scope keys for ``rule_id``'s table (the table's own scope is dropped when merged)."""
        out: dict[str, tuple[object, str]] = {}
        if raw is None:
            return out
        scope = self.obj(raw, where)
        name = control.id
        allowed = ARN_SCOPE if control.subject in (Subject.PLAN, Subject.VAULT) else SCOPE_KEYS
        types = [
            self.text(t, f"{where}.ComplianceResourceTypes[{i}]")
            for i, t in enumerate(
                self.items(scope.get("ComplianceResourceTypes"), f"{where}.ComplianceResourceTypes")
            )
        ]
        types = [t for t in types if not t.startswith(BACKUP_OWN_TYPES)]
        if types:
            if "resource-types" not in allowed:
                raise self.fail(
                    f"{where}.ComplianceResourceTypes",
                    f"{name} judges backup plans or vaults: scope it by ComplianceResourceIds (ARNs) only",
                )
            out["resource-types"] = (types, f"{where}.ComplianceResourceTypes")
        arns = []
        for i, rid in enumerate(
            self.items(scope.get("ComplianceResourceIds"), f"{where}.ComplianceResourceIds")
        ):
            value = self.text(rid, f"{where}.ComplianceResourceIds[{i}]")
            if not value.startswith("arn:"):
                raise self.fail(
                    f"{where}.ComplianceResourceIds[{i}]",
                    f"{value!r} is not an ARN: across accounts backup-auditor scopes by ARN; give the "
                    "resource's ARN",
                )
            arns.append(value)
        if arns:
            out["resource-arns"] = (arns, f"{where}.ComplianceResourceIds")
        tags = scope.get("Tags")
        if tags:
            out.update(
                self.tag_scope(tags, f"{where}.Tags", "tag-key" in allowed, rule_id, name, control_where)
            )
        return out


def read_framework_file(path: Path) -> FrameworkTables:
    """The tables ``path`` sets; :class:`ConfigError` naming the file and member when it is bad."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: framework file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    reader = _Reader(path)
    top = reader.obj(doc, "(top level)")
    if "FrameworkControls" not in top:
        raise reader.fail(
            "FrameworkControls", "missing: expected the output of `aws backup describe-framework`"
        )
    controls = reader.items(top.get("FrameworkControls"), "FrameworkControls")
    if not controls:
        raise reader.fail("FrameworkControls", "the framework has no controls")
    for i, raw in enumerate(controls):
        reader.control(raw, f"FrameworkControls[{i}]")
    name = top.get("FrameworkName")
    tables = FrameworkTables(
        path=path,
        name=name if isinstance(name, str) else path.name,
        tables=reader.tables,
        origins=reader.origins,
        warnings=tuple(reader.warnings),
    )
    _check(tables)
    return tables


def _check(tables: FrameworkTables) -> None:
    """Parse each table alone, so a value out of range names the framework member."""
    for rule_id, table in tables.tables.items():
        try:
            parse_controls({rule_id: table}, "controls")
        except ConfigError as exc:
            raise ConfigError(
                f"{tables.path}: {_rename(str(exc), rule_id, tables.origins[rule_id])}"
            ) from None


def _rename(message: str, rule_id: str, origins: Mapping[str, str]) -> str:
    for key in sorted(origins, key=len, reverse=True):
        message = message.replace(
            f"'controls.{rule_id}.{key}'", f"'{origins[key]}' (as [controls.{rule_id}] {key})"
        )
    return message


def merge_tables(config_tables: Mapping[str, object] | None, framework: FrameworkTables) -> dict[str, object]:
    """The config file's ``[controls]`` with the framework's tables laid over it: the framework's
    keys win; its scope replaces the table's; a duration it sets replaces both units."""
    merged: dict[str, object] = {}
    for rule_id, table in (config_tables or {}).items():
        merged[str(rule_id).upper()] = dict(table) if isinstance(table, Mapping) else table
    for rule_id, table in framework.tables.items():
        base = merged.get(rule_id)
        out = {str(k).replace("_", "-"): v for k, v in base.items()} if isinstance(base, Mapping) else {}
        for key in table:
            for stem in _stems(key):
                out.pop(f"{stem}-hours", None)
                out.pop(f"{stem}-days", None)
        for key in SCOPE_KEYS:
            out.pop(key, None)
        out.update(table)
        merged[rule_id] = out
    return merged


def _stems(key: str) -> Sequence[str]:
    for unit in UNITS:
        if key.endswith(f"-{unit}"):
            return (key[: -len(unit) - 1],)
    return ()
