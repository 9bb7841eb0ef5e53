"""Merge shard bundles (``collect --shard I/N``) into one evidence bundle.

Rules (``docs/deployment.md`` and ``docs/evidence-bundle.md``):

* Every input must be a complete bundle of the same format and version, collected from the same
  organization (or all with ``organization: null``).
* Account-region files (``accounts/<id>/<region>/...``) are copied. The same file in two inputs is
  fine when both hold the same calls; different content is a conflict naming both files.
* Organization-level files are merged call by call: calls with equal ``params`` must have equal
  responses (else a conflict naming both files); identical calls are kept once. A file merged from
  several inputs has its calls sorted by ``params`` so the result does not depend on input order.
* The manifest: accounts are the union (sorted by id; an account in several inputs must have the
  same name and status, its regions are united); errors are concatenated in input order with exact
  duplicates dropped; ``collected_at`` is the earliest input's; the extra member ``merge`` keeps
  the collection time range and one entry per input (with its own extra members). Members
  outside format v1 that all inputs agree on are kept, list members are united.
* Accounts of a shard that produced no bundle (``failed``) are added as accounts with an
  account-wide :class:`CollectionError`, so the evaluator reports them as not audited.

The result is written with :class:`BundleWriter`, so it appears atomically or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import TOOL_NAME, __version__
from auditor.errors import BundleError
from auditor.evidence.bundle import (
    MANIFEST,
    Bundle,
    BundleWriter,
    Call,
    json_default,
    load_calls,
    read_bundle,
)
from auditor.evidence.manifest import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    AccountEntry,
    CollectionError,
    Manifest,
    OrganizationInfo,
    ToolInfo,
)

MERGE_MEMBER = "merge"
"""Manifest extra member written by a merge: ``collected_at_range`` and ``inputs``."""

FAILED_SHARD_SERVICE = "backup-auditor"
FAILED_SHARD_OPERATION = "CollectShard"
"""``service`` / ``operation`` of the account-wide error recorded for an account whose shard failed."""


@dataclass(frozen=True)
class FailedShard:
    """A shard that produced no bundle: its accounts are recorded as not audited."""

    accounts: tuple[AccountEntry, ...]
    code: str
    """Short error code, e.g. the Step Functions error name (``Lambda.Unknown``, ``States.Timeout``)."""
    message: str
    """What went wrong, as reported by whatever ran the shard."""


_Key = tuple[str | None, str | None, str, str]
"""(account_id, region, service, operation) of one operation file."""


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=json_default)


def _read_header(path: Path) -> tuple[object, object]:
    """``(format, version)`` as written in ``path/manifest.json``, before full validation."""
    manifest_path = path / MANIFEST
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if not path.exists():
            raise BundleError(path, "no such bundle directory") from None
        raise BundleError(
            manifest_path, "missing: this directory is not a complete evidence bundle"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(manifest_path, f"cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise BundleError(manifest_path, f"malformed JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BundleError(manifest_path, f"expected a JSON object, found {type(data).__name__}")
    return data.get("format"), data.get("version")


def _open_inputs(inputs: Sequence[Path]) -> list[Bundle]:
    resolved: dict[Path, Path] = {}
    for p in inputs:
        real = Path(p).resolve()
        if real in resolved:
            raise BundleError(p, f"given twice (also as {resolved[real]})")
        resolved[real] = Path(p)
    # Compare format and version first, so a mix names both bundles instead of just the odd one.
    first_path = Path(inputs[0])
    first = _read_header(first_path)
    for p in inputs[1:]:
        other = _read_header(Path(p))
        if other != first:
            raise BundleError(
                Path(p) / MANIFEST,
                f"format {other[0]!r} version {other[1]!r} differs from {first_path / MANIFEST} "
                f"(format {first[0]!r} version {first[1]!r}); bundles of different formats cannot be merged",
            )
    return [read_bundle(p) for p in inputs]


def _merge_accounts(bundles: Sequence[Bundle]) -> dict[str, AccountEntry]:
    merged: dict[str, AccountEntry] = {}
    seen_in: dict[str, Path] = {}
    for b in bundles:
        for a in b.manifest.accounts:
            prev = merged.get(a.id)
            if prev is None:
                merged[a.id] = a
                seen_in[a.id] = b.path
                continue
            if (prev.name, prev.status) != (a.name, a.status):
                raise BundleError(
                    b.path / MANIFEST,
                    f"account {a.id} is {a.name!r} ({a.status}) here but {prev.name!r} ({prev.status}) "
                    f"in {seen_in[a.id] / MANIFEST}",
                )
            regions = prev.regions + tuple(r for r in a.regions if r not in prev.regions)
            merged[a.id] = AccountEntry(id=a.id, name=a.name, status=a.status, regions=regions)
    return merged


def _merge_extra(bundles: Sequence[Bundle]) -> dict[str, Any]:
    """Extra members of the inputs: a member every input that has it agrees on is kept; list
    members (e.g. ``skipped_accounts``) are united, items kept once in first-seen order; any
    other member that differs is kept only per input, under ``merge.inputs[].extra``."""
    seen: dict[str, list[Any]] = {}
    for b in bundles:
        for key, value in b.manifest.extra.items():
            if key != MERGE_MEMBER:
                seen.setdefault(key, []).append(value)
    out: dict[str, Any] = {}
    for key, values in seen.items():
        if len({_canonical(v) for v in values}) == 1:
            out[key] = values[0]
        elif all(isinstance(v, list) for v in values):
            united: dict[str, Any] = {}
            for v in values:
                for item in v:
                    united.setdefault(_canonical(item), item)
            out[key] = list(united.values())
    return out


class _FileMerger:
    """Collects operation files from all inputs and detects conflicts."""

    def __init__(self) -> None:
        # account-region files: key -> (content digest, source file); calls are re-read on write so
        # memory stays proportional to the number of files, not to their size.
        self.files: dict[_Key, tuple[str, Path]] = {}
        # organization files: key -> params canonical -> (call, response canonical, source file)
        self.org: dict[_Key, dict[str, tuple[Call, str, Path]]] = {}
        self.org_sources: dict[_Key, set[Path]] = {}
        self.compressed = False

    def add(self, bundle: Bundle) -> None:
        for account_id, region, service, operation, path in bundle.iter_files():
            self.compressed = self.compressed or path.name.endswith(".gz")
            key: _Key = (account_id, region, service, operation)
            calls = load_calls(path)
            if account_id is None:
                self._add_org(key, calls, path, bundle.path)
            else:
                self._add_account(key, calls, path)

    def _add_account(self, key: _Key, calls: list[Call], path: Path) -> None:
        content = _canonical([{"params": c.params, "response": c.response} for c in calls])
        digest = hashlib.sha256(content.encode()).hexdigest()
        prev = self.files.get(key)
        if prev is None:
            self.files[key] = (digest, path)
        elif prev[0] != digest:
            raise BundleError(
                path,
                f"conflicts with {prev[1]}: the same account-region file holds different content "
                "(overlapping shards collected at different times?)",
            )

    def _add_org(self, key: _Key, calls: list[Call], path: Path, bundle_path: Path) -> None:
        by_params = self.org.setdefault(key, {})
        self.org_sources.setdefault(key, set()).add(bundle_path)
        for c in calls:
            params = _canonical(c.params)
            response = _canonical(c.response)
            prev = by_params.get(params)
            if prev is None:
                by_params[params] = (c, response, path)
            elif prev[1] != response:
                raise BundleError(
                    path,
                    f"conflicts with {prev[2]}: call with params {params} has a different response "
                    "(the organization changed between shard runs?)",
                )

    def write(self, writer: BundleWriter) -> None:
        for key in sorted(self.org, key=_sort_key):
            entries = self.org[key]
            if len(self.org_sources[key]) > 1:
                calls = [entries[p][0] for p in sorted(entries)]
            else:
                calls = [e[0] for e in entries.values()]
            writer.write_calls(None, None, key[2], key[3], calls)
        for key in sorted(self.files, key=_sort_key):
            writer.write_calls(key[0], key[1], key[2], key[3], load_calls(self.files[key][1]))


def _sort_key(key: _Key) -> tuple[str, str, str, str]:
    return (key[0] or "", key[1] or "", key[2], key[3])


def merge_bundles(
    inputs: Sequence[Path],
    out: Path,
    *,
    force: bool = False,
    failed: Sequence[FailedShard] = (),
    compress: bool | None = None,
    organization: OrganizationInfo | None = None,
) -> Manifest:
    """Merge ``inputs`` into a new bundle at ``out``; return its manifest.

    ``failed`` lists shards that produced no bundle: their accounts (unless some input did
    collect them) are added with an account-wide error so they are reported as not audited.
    With no ``inputs`` at all (every shard failed) the bundle holds only those accounts, with
    ``organization: null`` and ``collected_at`` = now.
    ``compress`` stores files as ``.json.gz``; ``None`` = compress when any input did.
    ``organization`` names the organization of a run whose shards were given their accounts
    explicitly (their manifests say ``organization: null``) although the accounts were listed
    from that organization; an input naming another organization is then a conflict.
    Raises :class:`BundleError` (exit 2) naming the files in conflict; nothing is written then.
    """
    out = Path(out)
    if out.exists() and not force:
        raise BundleError(out, "already exists; pass --force to replace it")
    if not inputs and not failed:
        raise BundleError(Path(), "nothing to merge: give at least one bundle")
    bundles = _open_inputs(inputs) if inputs else []
    for b in bundles:
        if b.path.resolve() == out.resolve():
            raise BundleError(out, "is also an input; write the merge somewhere else")

    organization = _agreed_organization(bundles, organization)
    accounts = _merge_accounts(bundles)
    errors: list[CollectionError] = []
    for b in bundles:
        for e in b.manifest.errors:
            if e not in errors:
                errors.append(e)
    failed_entries = _add_failed_shards(failed, accounts, errors)

    files = _FileMerger()
    for b in bundles:
        files.add(b)

    # Every shard failed: the bundle only records that, as of now, without an organization.
    times = sorted(b.manifest.collected_at.astimezone(UTC) for b in bundles) or [datetime.now(UTC)]
    extra = _merge_extra(bundles)
    extra[MERGE_MEMBER] = {
        "collected_at_range": [times[0].isoformat(), times[-1].isoformat()],
        "inputs": [
            {
                "path": str(b.path),
                "collected_at": b.manifest.collected_at.astimezone(UTC).isoformat(),
                "tool": {"name": b.manifest.tool.name, "version": b.manifest.tool.version},
                "accounts": [a.id for a in b.manifest.accounts],
                "errors": len(b.manifest.errors),
                "extra": {k: v for k, v in b.manifest.extra.items() if k != MERGE_MEMBER},
            }
            for b in bundles
        ],
        "failed_shards": failed_entries,
    }
    manifest = Manifest(
        collected_at=times[0],
        tool=ToolInfo(name=TOOL_NAME, version=__version__),
        organization=organization,
        accounts=tuple(accounts[k] for k in sorted(accounts)),
        errors=tuple(errors),
        unavailable=tuple(sorted({u for b in bundles for u in b.manifest.unavailable})),
        format=BUNDLE_FORMAT,
        # Every input has the same version (checked above): the merge keeps it, so a merge of
        # version 1 bundles does not claim the operations version 2 added.
        version=bundles[0].manifest.version if bundles else BUNDLE_VERSION,
        extra=extra,
    )
    with BundleWriter(out, force=force, compress=files.compressed if compress is None else compress) as w:
        files.write(w)
        w.commit(manifest)
    return manifest


def _agreed_organization(
    bundles: Sequence[Bundle], organization: OrganizationInfo | None
) -> OrganizationInfo | None:
    """The merged bundle's organization: the run's if given, else the inputs' (which must agree)."""
    if organization is not None:
        for b in bundles:
            if b.manifest.organization not in (None, organization):
                raise BundleError(
                    b.path / MANIFEST,
                    f"organization {_org_text(b)} differs from the run's organization {organization.id}",
                )
        return organization
    for b in bundles[1:]:
        first = bundles[0]
        if b.manifest.organization != first.manifest.organization:
            raise BundleError(
                b.path / MANIFEST,
                f"organization {_org_text(b)} differs from {_org_text(first)} in {first.path / MANIFEST}",
            )
    return bundles[0].manifest.organization if bundles else None


def _add_failed_shards(
    failed: Sequence[FailedShard], accounts: dict[str, AccountEntry], errors: list[CollectionError]
) -> list[dict[str, Any]]:
    """Add each failed shard's uncollected accounts with an account-wide error; return its entries."""
    failed_entries: list[dict[str, Any]] = []
    for shard in failed:
        missing = [a for a in shard.accounts if a.id not in accounts]
        for a in missing:
            accounts[a.id] = a
            errors.append(
                CollectionError(
                    account_id=a.id,
                    region=None,
                    service=FAILED_SHARD_SERVICE,
                    operation=FAILED_SHARD_OPERATION,
                    code=shard.code,
                    message=shard.message,
                )
            )
        failed_entries.append(
            {"accounts": [a.id for a in shard.accounts], "code": shard.code, "message": shard.message}
        )
    return failed_entries


def _org_text(bundle: Bundle) -> str:
    org = bundle.manifest.organization
    if org is None:
        return "none (explicit accounts)"
    return f"{org.id} (management account {org.management_account_id})"


def merge_summary(manifest: Manifest) -> Mapping[str, Any]:
    """A few numbers for the CLI and the Lambda: inputs, accounts, errors, failed shards."""
    info = manifest.extra.get(MERGE_MEMBER, {})
    return {
        "inputs": len(info.get("inputs", [])),
        "accounts": len(manifest.accounts),
        "errors": len(manifest.errors),
        "failed_shards": len(info.get("failed_shards", [])),
        "collected_at_range": info.get("collected_at_range"),
    }
