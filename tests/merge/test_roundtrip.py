"""Shard / merge round trip on a sandbox organization: collecting the organization in shards
(``--shard I/N``, and explicit account batches as the state machine does) and merging the shard
bundles gives the same bundle as one run over the whole organization.

Compared: the set of files, every file's calls (timestamps that depend on when a run happened
normalised, calls in a stable order), the manifest's accounts, organization, errors and skipped
accounts. Two organizations: the demo organization (``seed_demo_org``: every resource type the
collectors read) and the collection tests' (tests/collect/support.py: an account needing an
ExternalId). Both have an account whose role does not trust the caller and a suspended one, so
errors and skipped accounts take part in the comparison.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.engine import collect_to_bundle
from auditor.config import AuditConfig
from auditor.evidence import Bundle, read_bundle
from auditor.evidence.merge import merge_bundles
from auditor.sandbox import start_sandbox
from auditor.sandbox.seed import seed_demo_org
from tests.collect.support import ENV, base_config, seed

# ISO 8601 instants: the only values that legitimately differ between two runs (ListBackupJobs'
# ByCreatedAfter window start, collected_at).
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")


@dataclass(frozen=True)
class Target:
    config: AuditConfig
    """Collects the whole organization."""
    members: tuple[str, ...]
    """ACTIVE member accounts (audited or denied), for explicit batches."""


@pytest.fixture(scope="module", params=["demo-org", "collect-tests-org"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The demo organization (every resource type) and the collection tests' organization (an
    account needing an ExternalId)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
            mp.delenv(key, raising=False)
        for key, value in ENV.items():
            mp.setenv(key, value)
        # A moto process of its own: seeding creates an organization, which must not meet
        # one another test made in the shared in-process moto state.
        with start_sandbox(own_process=True) as sandbox:
            if request.param == "demo-org":
                demo = seed_demo_org(sandbox.endpoint_url)
                config = AuditConfig(
                    endpoint_url=sandbox.endpoint_url,
                    regions=demo.regions,
                    role_name=demo.audit_role_name,
                    max_attempts=2,
                    quiet=True,
                )
                members = tuple(a for a in demo.active_account_ids if a != demo.management_account_id)
                yield Target(config, members)
            else:
                org = seed(sandbox.endpoint_url)
                yield Target(base_config(org), (org.alpha, org.beta, org.denied, org.external))


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and _INSTANT.match(value):
        return "<instant>"
    return value


def _contents(bundle: Bundle) -> dict[str, list[str]]:
    """Relative file path (without .gz) -> its calls, normalised and sorted."""
    out: dict[str, list[str]] = {}
    for account, region, service, operation, _path in bundle.iter_files():
        calls = bundle.calls(account, region, service, operation) or []
        key = f"{account or 'organization'}/{region or '-'}/{service}.{operation}"
        out[key] = sorted(
            json.dumps(_normalise({"params": c.params, "response": c.response}), sort_keys=True)
            for c in calls
        )
    return out


def _error_set(bundle: Bundle) -> list[tuple[Any, ...]]:
    return sorted(
        (e.account_id or "", e.region or "", e.service, e.operation, e.code, e.message)
        for e in bundle.manifest.errors
    )


def _assert_same(single: Bundle, merged: Bundle) -> None:
    assert merged.manifest.accounts == single.manifest.accounts
    assert merged.manifest.organization == single.manifest.organization
    assert _error_set(merged) == _error_set(single)
    assert merged.manifest.extra.get("skipped_accounts") == single.manifest.extra.get("skipped_accounts")
    a, b = _contents(single), _contents(merged)
    assert sorted(b) == sorted(a)
    for key in a:
        assert b[key] == a[key], key


def _collect(config: AuditConfig, out: Path) -> Path:
    path, _manifest = collect_to_bundle(config, out, progress=False)
    return path


@pytest.mark.slow
def test_sharded_collection_merges_into_the_single_run_bundle(target: Target, tmp_path: Path) -> None:
    config = target.config
    single = read_bundle(_collect(config, tmp_path / "single"))
    assert len(single.manifest.accounts) >= 4 and single.manifest.errors  # a real organization
    shards = [_collect(replace(config, shard=(i, 3)), tmp_path / f"shard{i}") for i in range(3)]
    assert all(read_bundle(s).manifest.accounts for s in shards)  # every shard holds accounts

    merge_bundles(shards, tmp_path / "merged")

    _assert_same(single, read_bundle(tmp_path / "merged"))
    # the comparison sees a missing shard
    merge_bundles(shards[:2], tmp_path / "two-of-three")
    with pytest.raises(AssertionError):
        _assert_same(single, read_bundle(tmp_path / "two-of-three"))


@pytest.mark.slow
def test_explicit_account_batches_merge_into_the_single_run_bundle(target: Target, tmp_path: Path) -> None:
    """The state machine's way: each batch collects explicit accounts (compressed, as the Lambda does)."""
    accounts = sorted(target.members)
    config = replace(target.config, accounts=tuple(accounts), compress=True)
    single = read_bundle(_collect(config, tmp_path / "single"))
    batches = [accounts[:2], accounts[2:]]
    shards = [
        _collect(replace(config, accounts=tuple(batch)), tmp_path / f"batch{i}")
        for i, batch in enumerate(batches)
    ]

    merge_bundles(shards, tmp_path / "merged")

    merged = read_bundle(tmp_path / "merged")
    _assert_same(single, merged)
    assert all(p.name.endswith(".json.gz") for *_, p in merged.iter_files())
