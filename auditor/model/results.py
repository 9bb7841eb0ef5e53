"""Records that leave the evaluator: findings, coverage, per-resource verdicts.

These are the Python side of the findings JSON (``backup-auditor-findings``, versions 1 and 2, see the
README). Everything here is frozen; reports and the CLI read them and never mutate them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

FINDINGS_FORMAT = "backup-auditor-findings"
FINDINGS_VERSION = 2
"""The version written by default; version 1 is still read, and written on request."""


class Severity(StrEnum):
    """Finding severity, ordered: ``Severity.HIGH.rank > Severity.LOW.rank``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}

CoverageStatus = Literal["audited", "partial", "not_audited"]


@dataclass(frozen=True)
class Coverage:
    """Whether one account-region could be read; ``missing`` names ``service.Operation`` not collected."""

    account_id: str
    region: str | None
    status: CoverageStatus
    missing: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    """One line per failure, e.g. ``sts.AssumeRole: AccessDenied: ...``."""
    unavailable: tuple[str, ...] = ()
    """Services (boto3 names) AWS does not offer in this Region (the manifest's ``unavailable``):
    not called, nothing to audit there; neither an error nor partial coverage."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "account_id": self.account_id,
            "region": self.region,
            "status": self.status,
            "missing": list(self.missing),
            "reasons": list(self.reasons),
        }
        if self.unavailable:  # absent when empty (findings of Regions offering every service unchanged)
            out["unavailable"] = list(self.unavailable)
        return out


@dataclass(frozen=True)
class SelectionRef:
    """A backup selection, as named in verdicts and findings."""

    plan_id: str
    plan_name: str
    selection_id: str
    selection_name: str

    def to_json(self) -> dict[str, str]:
        return {
            "plan_id": self.plan_id,
            "plan_name": self.plan_name,
            "selection_id": self.selection_id,
            "selection_name": self.selection_name,
        }


@dataclass(frozen=True)
class FindingWaiver:
    """The accepted risk (``[[waiver]]`` entry of the waivers file) a finding matched."""

    entry: int
    """1-based position of the entry in the waivers file."""
    reason: str
    owner: str
    expires: str
    """ISO date, the last day the waiver applies."""
    ticket: str | None
    status: Literal["active", "expired"]
    """``active``: the finding is accepted; ``expired``: it counts again, and says so."""
    days_left: int
    """Days from the evaluation's date to ``expires`` (negative once expired)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "ticket": self.ticket,
            "status": self.status,
            "days_left": self.days_left,
        }


_new = object.__new__

_IDENTITY_KEYS = ("source_arn", "operation", "vault_name", "identifier", "plan_id", "selection_id", "cause")
"""Details that tell findings of one rule and scope apart (BKP-090: one finding per cause)."""


@dataclass(frozen=True)
class Finding:
    """One rule firing on one subject (a resource, an account-region, an account, a source ARN)."""

    rule_id: str
    severity: Severity
    account_id: str | None
    region: str | None
    resource_arn: str | None
    resource_type: str | None
    title: str
    message: str
    remediation: str
    doc_url: str
    details: Mapping[str, Any] = field(default_factory=dict)
    waiver: FindingWaiver | None = None
    """The waiver that matched (``auditor.waivers``); ``None`` when none did."""

    @property
    def waived(self) -> bool:
        """Accepted by an active waiver: counted apart, never in ``--fail-on`` or the headline."""
        return self.waiver is not None and self.waiver.status == "active"

    @property
    def subject(self) -> str:
        """What the finding is about, stable across runs: the ARN, else account/region/type plus
        the identifying detail (source ARN, operation, vault ...). Counts, sizes and costs are left
        out so that a finding keeps its identity while its numbers change."""
        if self.resource_arn:
            return self.resource_arn
        ident = {k: self.details[k] for k in _IDENTITY_KEYS if k in self.details}
        return "|".join(
            [
                self.account_id or "",
                self.region or "",
                self.resource_type or "",
                json.dumps(ident, sort_keys=True, default=str),
            ]
        )

    @property
    def id(self) -> str:
        """The finding's stable id: SHA-256 (hex) of rule id, account, Region and :attr:`subject`,
        one per line. The same finding has the same id in every run (ASFF ``Id``, SARIF
        ``partialFingerprints``, the findings JSON ``id``, ``diff`` and waivers use it)."""
        key = "\n".join([self.rule_id, self.account_id or "", self.region or "", self.subject])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @classmethod
    def quick(
        cls,
        rule_id: str,
        severity: Severity,
        account_id: str | None,
        region: str | None,
        resource_arn: str | None,
        resource_type: str | None,
        title: str,
        message: str,
        remediation: str,
        doc_url: str,
        details: Mapping[str, Any],
    ) -> Finding:
        """``Finding(...)`` (no waiver) without the frozen dataclass's ``__init__``, which sets each
        of the twelve fields through ``object.__setattr__``: they go into the instance's
        ``__dict__`` directly, one by one in field order so that the dict keeps sharing its keys
        with the other findings' (setting a whole new ``__dict__`` would double the memory of a
        finding). About four times faster; rules make findings by the hundred thousand. The
        result is the same object: equal, frozen, ``dataclasses.replace`` works on it."""
        finding = _new(cls)
        fields = finding.__dict__
        fields["rule_id"] = rule_id
        fields["severity"] = severity
        fields["account_id"] = account_id
        fields["region"] = region
        fields["resource_arn"] = resource_arn
        fields["resource_type"] = resource_type
        fields["title"] = title
        fields["message"] = message
        fields["remediation"] = remediation
        fields["doc_url"] = doc_url
        fields["details"] = details
        fields["waiver"] = None
        return finding

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "account_id": self.account_id,
            "region": self.region,
            "resource_arn": self.resource_arn,
            "resource_type": self.resource_type,
            "title": self.title,
            "message": self.message,
            "remediation": self.remediation,
            "doc_url": self.doc_url,
            "details": dict(self.details),
            **({} if self.waiver is None else {"waiver": self.waiver.to_json()}),
        }


@dataclass(frozen=True)
class EvaluationResult:
    """Everything ``evaluate`` produces. ``resources`` and ``plans`` stay JSON-ready lists of
    dicts (built once from frames) so reports need no pandas and findings JSON round-trips."""

    as_of: datetime
    collected_at: datetime
    tool_version: str
    organization: Mapping[str, Any] | None
    accounts: tuple[Mapping[str, Any], ...]
    coverage: tuple[Coverage, ...]
    findings: tuple[Finding, ...]
    resources: tuple[Mapping[str, Any], ...]
    plans: tuple[Mapping[str, Any], ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)
    errors: tuple[Mapping[str, Any], ...] = ()
