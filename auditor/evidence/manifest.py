"""Manifest of an evidence bundle (format ``backup-auditor-evidence``, versions 1 to 3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from auditor.errors import BundleError

BUNDLE_FORMAT = "backup-auditor-evidence"
BUNDLE_VERSION = 3
"""The version this tool writes. Version N adds the operations declared ``since=N`` (version 2:
Amazon S3, CloudFormation, Redshift; version 3: the services and controls added after it); an older
bundle lacks them, and what they would have inventoried or judged is "not evaluated: evidence not
collected" (``docs/evidence-bundle.md``, "Versions")."""
READABLE_VERSIONS: frozenset[int] = frozenset({1, 2, 3})
"""Every bundle version this tool reads."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class ToolInfo:
    """The tool that wrote the bundle."""

    name: str
    version: str


@dataclass(frozen=True)
class OrganizationInfo:
    """The AWS Organization the accounts were listed from (absent when accounts were explicit)."""

    id: str
    management_account_id: str

    @classmethod
    def from_describe(cls, response: Mapping[str, Any] | None) -> OrganizationInfo | None:
        """From an ``organizations.DescribeOrganization`` response; ``None`` without an id."""
        org = (response or {}).get("Organization")
        if not isinstance(org, Mapping) or not org.get("Id"):
            return None
        return cls(id=str(org["Id"]), management_account_id=str(org.get("MasterAccountId") or ""))


@dataclass(frozen=True)
class AccountEntry:
    """One account the run set out to audit, with the regions it set out to read."""

    id: str
    name: str
    status: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class CollectionError:
    """A call that failed; what it feeds is *not audited* for its account (and region)."""

    account_id: str | None
    """Account the call was made in; ``None`` for organization-level calls."""
    region: str | None
    """Region of the call; ``None`` for account-wide failures such as a denied AssumeRole."""
    service: str
    """boto3 client name, e.g. ``backup`` or ``sts``."""
    operation: str
    """Operation name as in botocore's service model, e.g. ``ListBackupPlans``."""
    code: str
    """Error code (``AccessDeniedException``, ``Throttling``, ``EndpointConnectionError`` ...)."""
    message: str
    """Human-readable message as the service (or the client) gave it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "region": self.region,
            "service": self.service,
            "operation": self.operation,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Manifest:
    """Contents of ``manifest.json``."""

    collected_at: datetime
    tool: ToolInfo
    organization: OrganizationInfo | None
    accounts: tuple[AccountEntry, ...]
    errors: tuple[CollectionError, ...] = ()
    unavailable: tuple[tuple[str, str], ...] = ()
    """(service, region) the collector did not call because AWS does not offer the service there
    (botocore's endpoint data; ``Service.some_regions``): "not available in this region" for
    every audited account of that region, neither an error nor partial coverage. Written as the
    member ``unavailable`` only when not empty."""
    format: str = BUNDLE_FORMAT
    version: int = BUNDLE_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Members this version does not know, kept so a rewrite does not lose them."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        out.update(
            {
                "format": self.format,
                "version": self.version,
                "collected_at": self.collected_at.astimezone(UTC).isoformat(),
                "tool": {"name": self.tool.name, "version": self.tool.version},
                "organization": (
                    None
                    if self.organization is None
                    else {
                        "id": self.organization.id,
                        "management_account_id": self.organization.management_account_id,
                    }
                ),
                "accounts": [
                    {"id": a.id, "name": a.name, "status": a.status, "regions": list(a.regions)}
                    for a in self.accounts
                ],
                "errors": [e.to_json() for e in self.errors],
            }
        )
        if self.unavailable:
            out["unavailable"] = [{"service": s, "region": r} for s, r in self.unavailable]
        return out

    @classmethod
    def from_json(cls, data: object, path: Path) -> Manifest:
        """Validate and load; every problem names ``path`` and the member that is wrong."""
        if not isinstance(data, dict):
            raise BundleError(path, f"expected a JSON object, found {type(data).__name__}")
        fmt = data.get("format")
        if fmt != BUNDLE_FORMAT:
            raise BundleError(path, f"unknown format {fmt!r} (expected {BUNDLE_FORMAT!r})")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version not in READABLE_VERSIONS:
            readable = ", ".join(str(v) for v in sorted(READABLE_VERSIONS))
            raise BundleError(path, f"unsupported version {version!r} (this tool reads versions {readable})")
        collected_at = _parse_time(_req(data, "collected_at", str, path), path, "collected_at")
        tool_raw = data.get("tool") or {}
        if not isinstance(tool_raw, dict):
            raise BundleError(path, "member 'tool' must be an object")
        tool = ToolInfo(name=str(tool_raw.get("name", "unknown")), version=str(tool_raw.get("version", "")))
        org_raw = data.get("organization")
        organization: OrganizationInfo | None = None
        if org_raw is not None:
            if not isinstance(org_raw, dict):
                raise BundleError(path, "member 'organization' must be an object or null")
            organization = OrganizationInfo(
                id=_req(org_raw, "id", str, path, "organization."),
                management_account_id=_req(org_raw, "management_account_id", str, path, "organization."),
            )
        accounts_raw = _req(data, "accounts", list, path)
        accounts: list[AccountEntry] = []
        for i, a in enumerate(accounts_raw):
            where = f"accounts[{i}]."
            if not isinstance(a, dict):
                raise BundleError(path, f"member 'accounts[{i}]' must be an object")
            regions = _req(a, "regions", list, path, where)
            if not all(isinstance(r, str) for r in regions):
                raise BundleError(path, f"member '{where}regions' must be a list of strings")
            accounts.append(
                AccountEntry(
                    id=_req(a, "id", str, path, where),
                    name=str(a.get("name") or ""),
                    status=str(a.get("status") or "ACTIVE"),
                    regions=tuple(regions),
                )
            )
        errors_raw = data.get("errors", [])
        if not isinstance(errors_raw, list):
            raise BundleError(path, "member 'errors' must be a list")
        errors: list[CollectionError] = []
        for i, e in enumerate(errors_raw):
            if not isinstance(e, dict):
                raise BundleError(path, f"member 'errors[{i}]' must be an object")
            errors.append(
                CollectionError(
                    account_id=_opt_str(e, "account_id", path, f"errors[{i}]."),
                    region=_opt_str(e, "region", path, f"errors[{i}]."),
                    service=_req(e, "service", str, path, f"errors[{i}]."),
                    operation=_req(e, "operation", str, path, f"errors[{i}]."),
                    code=str(e.get("code") or "Unknown"),
                    message=str(e.get("message") or ""),
                )
            )
        known = {
            "format",
            "version",
            "collected_at",
            "tool",
            "organization",
            "accounts",
            "errors",
            "unavailable",
        }
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(
            collected_at=collected_at,
            tool=tool,
            organization=organization,
            accounts=tuple(accounts),
            errors=tuple(errors),
            unavailable=_unavailable(data.get("unavailable", []), path),
            version=int(version),
            extra=extra,
        )


def _unavailable(raw: object, path: Path) -> tuple[tuple[str, str], ...]:
    """The ``unavailable`` member: a list of ``{"service": ..., "region": ...}``."""
    if not isinstance(raw, list):
        raise BundleError(path, "member 'unavailable' must be a list")
    out: list[tuple[str, str]] = []
    for i, u in enumerate(raw):
        if not isinstance(u, dict):
            raise BundleError(path, f"member 'unavailable[{i}]' must be an object")
        out.append(
            (
                _req(u, "service", str, path, f"unavailable[{i}]."),
                _req(u, "region", str, path, f"unavailable[{i}]."),
            )
        )
    return tuple(out)


def _req(data: dict[str, Any], key: str, typ: type[_T], path: Path, prefix: str = "") -> _T:
    if key not in data:
        raise BundleError(path, f"missing member '{prefix}{key}'")
    value = data[key]
    if not isinstance(value, typ):
        raise BundleError(
            path, f"member '{prefix}{key}' must be {typ.__name__}, found {type(value).__name__}"
        )
    return value


def _opt_str(data: dict[str, Any], key: str, path: Path, prefix: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BundleError(path, f"member '{prefix}{key}' must be a string or null")
    return value


def _parse_time(value: str, path: Path, member: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BundleError(path, f"member '{member}' is not an ISO 8601 timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        raise BundleError(path, f"member '{member}' has no UTC offset: {value!r}")
    return parsed
