"""Collection of the sandbox's demo organization: every required and optional operation of every
audited account-region is in the bundle, and the only failure is the account whose audit role is denied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.evidence import read_bundle
from auditor.sandbox import start_sandbox
from auditor.sandbox.seed import SeededOrg, seed_demo_org
from auditor.services import ORGANIZATION_OPERATIONS, regional_keys
from auditor.services import operation as operation_of
from tests.collect.support import run_collect


@pytest.fixture(scope="module")
def demo(aws_env: None) -> Iterator[SeededOrg]:
    with start_sandbox() as sandbox:
        yield seed_demo_org(sandbox.endpoint_url)


@pytest.mark.slow
def test_demo_org_collected_completely(demo: SeededOrg, tmp_path: Path) -> None:
    from auditor.config import AuditConfig

    config = AuditConfig(
        endpoint_url=demo.endpoint_url,
        role_name=demo.audit_role_name,
        regions=demo.regions,
        max_attempts=2,
        quiet=True,
    )
    result = run_collect(config, tmp_path / "demo")
    manifest = result.manifest
    assert manifest.organization is not None
    assert manifest.organization.id == demo.organization_id
    assert {a.id for a in manifest.accounts} == set(demo.active_account_ids)
    assert demo.suspended_account_id not in {a.id for a in manifest.accounts}
    assert [(e.account_id, e.region, e.service, e.operation) for e in manifest.errors] == [
        (demo.denied_account_id, None, "sts", "AssumeRole")
    ]
    bundle = read_bundle(result.path)
    seeded_regions = {a.account_id: set(a.regions) for a in demo.accounts}
    for account in manifest.accounts:
        if account.id == demo.denied_account_id:
            continue
        assert seeded_regions[account.id] <= set(account.regions) == set(demo.regions)
        for region in account.regions:
            for key in regional_keys():
                service, operation = key.split(".")
                # Account-wide operations (S3) are stored in the account's first region only.
                here = region == account.regions[0] or not operation_of(key).account_wide
                assert bundle.has(account.id, region, service, operation) == here, (
                    f"{account.id}/{region}/{key}"
                )
    for op in ORGANIZATION_OPERATIONS:
        assert bundle.org_calls(op.service, op.name) is not None, op.key
    policies = bundle.org_calls("organizations", "DescribeEffectivePolicy")
    assert policies is not None
    assert {c.params["TargetId"] for c in policies} <= set(demo.active_account_ids)
    assert policies, "the demo organization attaches a backup policy to some of its accounts"
