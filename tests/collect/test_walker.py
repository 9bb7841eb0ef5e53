"""The generic walker of the collector against the sandbox over HTTP: per-item recursion, parameter
templates, empty listings, "nothing there" error codes and failed parent listings.

Declarations here are the real ones of :mod:`auditor.services` or small ones built for a test; the
walk is the engine's (``_Engine.collect_walk``) with real clients on a sandbox of the module's own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from auditor.collect import engine
from auditor.collect.engine import DEADLINE_CODE, REGIONAL_WALKS, _Engine, _Scope, _Walk, _walk
from auditor.collect.progress import Progress
from auditor.config import AuditConfig
from auditor.evidence import BundleWriter, Call, CollectionError
from auditor.evidence.bundle import load_calls
from auditor.sandbox import Sandbox, start_sandbox
from auditor.services import REGIONAL_OPERATIONS, Operation, operation
from tests.collect.support import MANAGEMENT

REGION = "ap-southeast-2"
EMPTY_REGION = "ca-central-1"
PLANS = 3
SELECTIONS_PER_PLAN = 2


@pytest.fixture(scope="module")
def sandbox(aws_env: None) -> Iterator[Sandbox]:
    with start_sandbox() as running:
        _seed(running.endpoint_url)
        yield running


def _seed(url: str) -> None:
    backup = boto3.client("backup", endpoint_url=url, region_name=REGION)
    backup.create_backup_vault(BackupVaultName="walk-vault")
    backup.create_backup_vault(BackupVaultName="walk-vault-with-policy")
    backup.put_backup_vault_access_policy(
        BackupVaultName="walk-vault-with-policy",
        Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
        '"Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}',
    )
    for p in range(PLANS):
        plan = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": f"walk-plan-{p}",
                "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "walk-vault"}],
            }
        )
        for s in range(SELECTIONS_PER_PLAN):
            backup.create_backup_selection(
                BackupPlanId=plan["BackupPlanId"],
                BackupSelection={
                    "SelectionName": f"walk-selection-{p}-{s}",
                    "IamRoleArn": f"arn:aws:iam::{MANAGEMENT}:role/backup",
                    "Resources": ["*"],
                },
            )
    dynamodb = boto3.client("dynamodb", endpoint_url=url, region_name=REGION)
    dynamodb.create_table(
        TableName="walk-table",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "team", "Value": "walkers"}],
    )


@dataclass
class Walked:
    """What one walk wrote (``None``: no file) and recorded."""

    files: dict[str, list[Call] | None]
    errors: list[CollectionError]
    calls: int
    depth: int


def walk(
    sandbox: Sandbox,
    tmp_path: Path,
    tree: _Walk,
    *,
    region: str = REGION,
    page_size: int | None = None,
    deadline: float | None = None,
) -> Walked:
    config = AuditConfig(endpoint_url=sandbox.endpoint_url, max_attempts=1, quiet=True, deadline=deadline)

    async def run(writer: BundleWriter) -> _Engine:
        engine = _Engine(config, writer, Progress(enabled=False), page_size)
        scope = _Scope(MANAGEMENT, region, asyncio.Semaphore(4))
        try:
            async with AsyncExitStack() as stack:
                for service in {op.service for op in (tree.op, *tree.descendants)}:
                    await engine.open_client(stack, scope, service, region, {})
                await engine.collect_walk(scope, tree, engine.call_context(MANAGEMENT, region), 0)
        finally:
            await engine.pool.close()
        return engine

    with BundleWriter(tmp_path / "bundle") as writer:
        engine = asyncio.run(run(writer))
        base = writer.staging_dir / "accounts" / MANAGEMENT / region
        files: dict[str, list[Call] | None] = {}
        for op in (tree.op, *tree.descendants):
            path = base / f"{op.key}.json"
            files[op.key] = load_calls(path) if path.exists() else None
    return Walked(files, engine.errors, engine.calls, engine.max_depth)


def real(key: str) -> _Walk:
    """The walk the collector makes from the declaration ``key``."""
    (found,) = [w for w in REGIONAL_WALKS if w.op.key == key]
    return found


def test_plans_walk_recurses_into_selections_with_templated_params(sandbox: Sandbox, tmp_path: Path) -> None:
    result = walk(sandbox, tmp_path, real("backup.ListBackupPlans"), page_size=1)
    assert result.errors == []
    (listing,) = result.files["backup.ListBackupPlans"] or []
    plan_ids = [p["BackupPlanId"] for p in listing.response["BackupPlansList"]]
    assert len(plan_ids) == PLANS
    plans = result.files["backup.GetBackupPlan"] or []
    assert [c.params for c in plans] == [{"BackupPlanId": i} for i in plan_ids]
    selections = result.files["backup.ListBackupSelections"] or []
    assert [c.params for c in selections] == [{"BackupPlanId": i} for i in plan_ids]
    # Grandchildren: one GetBackupSelection per listed selection, in plan order then listing order,
    # with the plan id taken from the parent call's parameters and the selection id from the item.
    expected = [
        {"BackupPlanId": c.params["BackupPlanId"], "SelectionId": s["SelectionId"]}
        for c in selections
        for s in c.response["BackupSelectionsList"]
    ]
    got = result.files["backup.GetBackupSelection"] or []
    assert [c.params for c in got] == expected
    assert len(got) == PLANS * SELECTIONS_PER_PLAN
    assert {c.response["BackupSelection"]["SelectionName"] for c in got} == {
        f"walk-selection-{p}-{s}" for p in range(PLANS) for s in range(SELECTIONS_PER_PLAN)
    }
    # page size 1: the plan listing takes PLANS pages, each selection listing SELECTIONS pages,
    # and a GetBackupSelection waits for the last page of its plan's listing.
    assert result.depth == PLANS + SELECTIONS_PER_PLAN + 1
    pages = PLANS + PLANS + PLANS * SELECTIONS_PER_PLAN + PLANS * SELECTIONS_PER_PLAN
    assert result.calls == pages


def test_empty_listing_writes_every_file_below_it_empty(sandbox: Sandbox, tmp_path: Path) -> None:
    result = walk(sandbox, tmp_path, real("backup.ListBackupPlans"), region=EMPTY_REGION)
    assert result.errors == []
    (listing,) = result.files["backup.ListBackupPlans"] or []
    assert listing.response["BackupPlansList"] == []
    for key in ("backup.GetBackupPlan", "backup.ListBackupSelections", "backup.GetBackupSelection"):
        assert result.files[key] == [], key
    assert result.calls == 1


def test_item_template_builds_arns_from_partition_region_and_account(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    result = walk(sandbox, tmp_path, real("dynamodb.ListTables"))
    assert result.errors == []
    tags = result.files["dynamodb.ListTagsOfResource"] or []
    assert [c.params for c in tags] == [
        {"ResourceArn": f"arn:aws:dynamodb:{REGION}:{MANAGEMENT}:table/walk-table"}
    ]
    assert tags[0].response["Tags"] == [{"Key": "team", "Value": "walkers"}]
    assert [c.params for c in result.files["dynamodb.DescribeTable"] or []] == [{"TableName": "walk-table"}]


def test_absent_code_is_nothing_there_not_an_error(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = walk(sandbox, tmp_path / "declared", real("backup.ListBackupVaults"))
    assert result.errors == []
    policies = result.files["backup.GetBackupVaultAccessPolicy"] or []
    # Only the vault with a policy has a stored call; the other answered ResourceNotFoundException.
    assert [c.params for c in policies] == [{"BackupVaultName": "walk-vault-with-policy"}]
    # The calls read the codes from the declarations: without the declared code, the same walk
    # records the other vault's answer as an error.
    key = ("backup", "GetBackupVaultAccessPolicy")
    assert engine.ABSENT_CODES[key] == operation("backup.GetBackupVaultAccessPolicy").absent_codes
    monkeypatch.setattr(engine, "ABSENT_CODES", {k: v for k, v in engine.ABSENT_CODES.items() if k != key})
    result = walk(sandbox, tmp_path / "strict", real("backup.ListBackupVaults"))
    assert [(e.operation, e.code) for e in result.errors] == [
        ("GetBackupVaultAccessPolicy", "ResourceNotFoundException")
    ]
    assert [c.params for c in result.files["backup.GetBackupVaultAccessPolicy"] or []] == [
        {"BackupVaultName": "walk-vault-with-policy"}
    ]


def _failing_listing() -> _Walk:
    """A listing that fails (its vault does not exist) with a per-item operation below it."""
    listing = Operation(
        "backup",
        "ListRecoveryPointsByBackupVault",
        params=({"BackupVaultName": "no-such-vault"},),
        iam_action="backup:ListRecoveryPointsByBackupVault",
    )
    child = Operation(
        "backup",
        "DescribeRecoveryPoint",
        parent=listing.key,
        items="RecoveryPoints",
        item_params={
            "BackupVaultName": "{params[BackupVaultName]}",
            "RecoveryPointArn": "{item[RecoveryPointArn]}",
        },
        iam_action="backup:DescribeRecoveryPoint",
    )
    return _Walk(listing, (_Walk(child, ()),))


def test_failed_parent_listing_writes_nothing_below_it(sandbox: Sandbox, tmp_path: Path) -> None:
    result = walk(sandbox, tmp_path, _failing_listing())
    assert result.files == {
        "backup.ListRecoveryPointsByBackupVault": None,
        "backup.DescribeRecoveryPoint": None,
    }
    # The failure is recorded on the listing alone: readers treat the absent per-item file as
    # not collected.
    assert [(e.operation, e.region) for e in result.errors] == [("ListRecoveryPointsByBackupVault", REGION)]
    assert result.errors[0].code != DEADLINE_CODE


def test_past_the_deadline_the_listing_and_everything_below_are_not_reached(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    result = walk(sandbox, tmp_path, real("backup.ListBackupPlans"), deadline=time.monotonic() - 1)
    assert all(files is None for files in result.files.values())
    assert sorted(e.operation for e in result.errors) == [
        "GetBackupPlan",
        "GetBackupSelection",
        "ListBackupPlans",
        "ListBackupSelections",
    ]
    assert {e.code for e in result.errors} == {DEADLINE_CODE}
    assert result.calls == 0


def test_every_regional_declaration_is_walked_once() -> None:
    walked = [key for tree in REGIONAL_WALKS for key in tree.keys]
    assert sorted(walked) == sorted(op.key for op in REGIONAL_OPERATIONS)
    assert _walk(operation("backup.ListBackupVaults")).keys == (
        "backup.ListBackupVaults",
        "backup.GetBackupVaultAccessPolicy",
        "backup.ListRecoveryPointsByBackupVault",
    )
