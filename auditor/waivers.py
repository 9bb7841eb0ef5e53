"""Accepted risks: a waivers file that attaches an owner, a reason and an expiry to findings.

The file is TOML, one ``[[waiver]]`` table per accepted risk::

    [[waiver]]
    rule = "BKP-002"                      # a rule id, or "*" for every rule
    resource = "arn:aws:dynamodb:*:*:table/scratch-*"   # ARN pattern: * any run, ? one character
    account = "111122223333"              # or a list of account ids
    region = "eu-west-1"                  # or a list of Regions
    tag = "env=scratch"                   # KEY=VALUE, or KEY alone for any value
    reason = "Scratch tables are rebuilt from source every night"
    owner = "data-platform@example.com"
    expires = 2027-03-31                  # a TOML date (or "2027-03-31"); required
    ticket = "SEC-1234"                   # optional

Every matcher given must hold (AND); a waiver with only ``rule`` matches every finding of that
rule. ``tag`` reads the tags of the finding's resource (findings without a resource ARN never
match a tag). A waiver applies while the evaluation's ``as_of`` date is on or before ``expires``.

Applying waivers never drops a finding: a waived finding keeps its place in the findings JSON with
``"waiver": {..., "status": "active"}``, is counted apart ("accepted") and is left out of the
headline counts and of ``--fail-on``. A finding whose only matching waiver has expired gets
``"status": "expired"`` and counts like any other. A waiver that matched no finding is *stale*;
stale waivers are listed in ``summary.waivers.stale``. A malformed entry raises
:class:`WaiverFileError` (exit 2) naming the file, the entry (``waiver[N]``, 1-based) and the key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from auditor.errors import BadInputError
from auditor.model.results import EvaluationResult, Finding, FindingWaiver

WAIVERS_FILE_NAME = "backup-auditor-waivers.toml"
"""Looked for beside the config file (or in the working directory) when no file is named."""

_MATCHERS = ("rule", "resource", "account", "region", "tag")
_FIELDS = ("reason", "owner", "expires", "ticket")
KEYS = _MATCHERS + _FIELDS
_ACCOUNT = re.compile(r"^\d{12}$")


class WaiverFileError(BadInputError):
    """The waivers file cannot be read, or an entry is malformed (exit 2)."""


@dataclass(frozen=True)
class Waiver:
    """One ``[[waiver]]`` entry, validated."""

    entry: int
    """1-based position in the file (``waiver[N]`` in messages and in the findings JSON)."""
    rule: str
    reason: str
    owner: str
    expires: date
    resource: str | None = None
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tag_key: str | None = None
    tag_value: str | None = None
    """``None`` with a ``tag_key``: any value of that key."""
    ticket: str | None = None

    def active_on(self, day: date) -> bool:
        return day <= self.expires

    def matches(self, finding: Finding, tags: Mapping[str, str] | None) -> bool:
        """Whether every matcher of this waiver holds for ``finding`` (``tags``: its resource's)."""
        if self.rule != "*" and self.rule != finding.rule_id:
            return False
        if self.accounts and finding.account_id not in self.accounts:
            return False
        if self.regions and finding.region not in self.regions:
            return False
        if self.resource is not None and not (
            finding.resource_arn is not None and fnmatchcase(finding.resource_arn, self.resource)
        ):
            return False
        if self.tag_key is not None:
            if tags is None or self.tag_key not in tags:
                return False
            if self.tag_value is not None and tags[self.tag_key] != self.tag_value:
                return False
        return True

    def describe(self) -> str:
        """``waiver[2] BKP-002 resource arn:... (owner, until 2027-03-31)``."""
        what = [self.rule]
        what += [f"resource {self.resource}"] if self.resource else []
        what += [f"account {','.join(self.accounts)}"] if self.accounts else []
        what += [f"region {','.join(self.regions)}"] if self.regions else []
        if self.tag_key is not None:
            what.append(f"tag {self.tag_key}" + ("" if self.tag_value is None else f"={self.tag_value}"))
        return f"waiver[{self.entry}] {' '.join(what)} ({self.owner}, until {self.expires.isoformat()})"

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "rule": self.rule,
            "resource": self.resource,
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "tag": None
            if self.tag_key is None
            else (self.tag_key if self.tag_value is None else f"{self.tag_key}={self.tag_value}"),
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "ticket": self.ticket,
        }


@dataclass(frozen=True)
class WaiverSet:
    """The waivers of one file."""

    path: Path
    waivers: tuple[Waiver, ...]


# ------------------------------------------------------------------------------------------------
# Reading the file
# ------------------------------------------------------------------------------------------------


def default_waivers_path(config_file: Path | None, cwd: Path) -> Path | None:
    """``backup-auditor-waivers.toml`` beside the config file (else in ``cwd``), if it exists."""
    candidate = (config_file.parent if config_file is not None else cwd) / WAIVERS_FILE_NAME
    return candidate if candidate.is_file() else None


def load_waivers(path: Path, known_rules: Iterable[str]) -> WaiverSet:
    """Read and validate ``path``; ``known_rules`` are the rule ids a waiver may name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WaiverFileError(f"{path}: waivers file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise WaiverFileError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverFileError(f"{path}: cannot read: {exc}") from exc
    extra = sorted(set(data) - {"waiver"})
    if extra:
        raise WaiverFileError(f"{path}: unknown top-level key '{extra[0]}' (entries are [[waiver]] tables)")
    entries = data.get("waiver", [])
    if not isinstance(entries, list):
        raise WaiverFileError(f"{path}: 'waiver' must be an array of tables ([[waiver]])")
    rules = frozenset(known_rules)
    return WaiverSet(path, tuple(_waiver(path, i, raw, rules) for i, raw in enumerate(entries, start=1)))


def _waiver(path: Path, entry: int, raw: object, rules: frozenset[str]) -> Waiver:
    where = f"{path}: waiver[{entry}]"
    if not isinstance(raw, dict):
        raise WaiverFileError(f"{where}: must be a table")
    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(KEYS)})"
            extra = " (OU paths are not collected by this version)" if key == "ou" else ""
            raise WaiverFileError(f"{where}: unknown key '{key}'{hint}{extra}")
    rule = _required_text(raw, "rule", where)
    if rule != "*" and rule not in rules:
        close = difflib.get_close_matches(rule, sorted(rules), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise WaiverFileError(f"{where}: key 'rule': no such rule {rule!r}{hint}; use a rule id or \"*\"")
    accounts = _texts(raw, "account", where)
    bad = [a for a in accounts if not _ACCOUNT.match(a)]
    if bad:
        raise WaiverFileError(f"{where}: key 'account': not a 12-digit account id: {bad[0]!r}")
    tag_key, tag_value = _tag(raw.get("tag"), where)
    ticket = raw.get("ticket")
    if ticket is not None and (not isinstance(ticket, str | int) or not str(ticket).strip()):
        raise WaiverFileError(f"{where}: key 'ticket': expected a non-empty string")
    resource = raw.get("resource")
    if resource is not None and (not isinstance(resource, str) or not resource.strip()):
        raise WaiverFileError(f"{where}: key 'resource': expected an ARN pattern (a non-empty string)")
    return Waiver(
        entry=entry,
        rule=rule,
        reason=_required_text(raw, "reason", where),
        owner=_required_text(raw, "owner", where),
        expires=_expires(raw, where),
        resource=resource.strip() if isinstance(resource, str) else None,
        accounts=accounts,
        regions=_texts(raw, "region", where),
        tag_key=tag_key,
        tag_value=tag_value,
        ticket=None if ticket is None else str(ticket).strip(),
    )


def _required_text(raw: Mapping[str, object], key: str, where: str) -> str:
    if key not in raw:
        raise WaiverFileError(f"{where}: missing key '{key}' (required)")
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise WaiverFileError(f"{where}: key '{key}': expected a non-empty string, got {value!r}")
    return value.strip()


def _texts(raw: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise WaiverFileError(f"{where}: key '{key}': expected a string or a non-empty list of strings")
    return tuple(v.strip() for v in items)


def _tag(value: object, where: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str) or not value.strip() or value.startswith("="):
        raise WaiverFileError(f'{where}: key \'tag\': expected "KEY=VALUE" or "KEY", got {value!r}')
    key, sep, val = value.partition("=")
    return key.strip(), (val if sep else None)


def _expires(raw: Mapping[str, object], where: str) -> date:
    if "expires" not in raw:
        raise WaiverFileError(f"{where}: missing key 'expires' (required: every accepted risk ends)")
    value = raw["expires"]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise WaiverFileError(f"{where}: key 'expires': expected a date such as 2027-03-31, got {value!r}")


# ------------------------------------------------------------------------------------------------
# Applying them
# ------------------------------------------------------------------------------------------------


def apply_waivers(result: EvaluationResult, waivers: WaiverSet) -> EvaluationResult:
    """``result`` with each matching finding's ``waiver`` set and ``summary.waivers`` filled.

    A finding takes the first active waiver (file order) that matches it; with none, the first
    expired one that matches, marked expired. ``today`` is the evaluation's ``as_of`` date.
    """
    today = result.as_of.date()
    tags = _tags_by_arn(result.resources)
    used: set[int] = set()
    findings: list[Finding] = []
    for finding in result.findings:
        resource_tags = tags.get(finding.resource_arn) if finding.resource_arn else None
        match = _match(finding, resource_tags, waivers.waivers, today)
        if match is None:
            findings.append(finding)
            continue
        used.add(match.entry)
        findings.append(replace(finding, waiver=_attach(match, today)))
    summary = dict(result.summary)
    summary["waivers"] = _summary(waivers, findings, used, today)
    return replace(result, findings=tuple(findings), summary=summary)


def _match(
    finding: Finding, tags: Mapping[str, str] | None, waivers: Sequence[Waiver], today: date
) -> Waiver | None:
    expired: Waiver | None = None
    for w in waivers:
        if not w.matches(finding, tags):
            continue
        if w.active_on(today):
            return w
        expired = expired or w
    return expired


def _attach(w: Waiver, today: date) -> FindingWaiver:
    return FindingWaiver(
        entry=w.entry,
        reason=w.reason,
        owner=w.owner,
        expires=w.expires.isoformat(),
        ticket=w.ticket,
        status="active" if w.active_on(today) else "expired",
        days_left=(w.expires - today).days,
    )


def _summary(waivers: WaiverSet, findings: Sequence[Finding], used: set[int], today: date) -> dict[str, Any]:
    active = sum(1 for f in findings if f.waived)
    expired = sum(1 for f in findings if f.waiver is not None and not f.waived)
    stale = [w for w in waivers.waivers if w.entry not in used and w.active_on(today)]
    return {
        "file": str(waivers.path),
        "entries": len(waivers.waivers),
        "accepted_findings": active,
        "expired_waiver_findings": expired,
        "stale": [w.to_json() for w in stale],
    }


def _tags_by_arn(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, str]]:
    out: dict[str, Mapping[str, str]] = {}
    for r in resources:
        tags = r.get("tags")
        if isinstance(tags, Mapping):
            out[str(r.get("arn"))] = {str(k): str(v) for k, v in tags.items()}
    return out


__all__ = [
    "WAIVERS_FILE_NAME",
    "Waiver",
    "WaiverFileError",
    "WaiverSet",
    "apply_waivers",
    "default_waivers_path",
    "load_waivers",
]
