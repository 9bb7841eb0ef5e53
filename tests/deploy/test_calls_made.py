"""Every API call the collectors actually make is allowed by the deployed policies.

The policy is generated from ``auditor.services``; this test does not trust that list.
It collects a sandbox organization with the real engine while recording every botocore call
(a ``before-call`` observer on the engine's own aioboto3 session: the calls still go to the
sandbox), and checks each one's IAM action (``<signing name>:<operation>``) against the
execution role of deploy/template.yaml and, for calls made in member accounts, the audit role of
deploy/audit-role.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aioboto3
import pytest
from cfnlint.decode import decode

from auditor.collect.engine import collect_to_bundle
from auditor.sandbox import start_sandbox
from auditor.services import ALL_OPERATIONS, Scope
from tests.collect.support import ENV, Org, base_config, seed

ROOT = Path(__file__).resolve().parents[2]


def _policy_actions(path: Path, resource: str) -> set[str]:
    template, matches = decode(str(path))
    assert template is not None and not matches
    actions: set[str] = set()
    for policy in template["Resources"][resource]["Properties"]["Policies"]:
        for st in policy["PolicyDocument"]["Statement"]:
            if isinstance(st, dict) and "Action" in st:
                action = st["Action"]
                actions |= {action} if isinstance(action, str) else set(action)
    return actions


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
            mp.delenv(key, raising=False)
        for key, value in ENV.items():
            mp.setenv(key, value)
        # A moto process of its own: seed() creates an organization, which must not meet
        # one another test made in the shared in-process moto state.
        with start_sandbox(own_process=True) as sandbox:
            yield seed(sandbox.endpoint_url)


@pytest.mark.slow
def test_every_call_made_is_in_the_policies(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: set[tuple[str, str]] = set()

    def record(model: Any, **_: Any) -> None:
        made.add((model.service_model.signing_name, model.name))

    class RecordingSession(aioboto3.Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.events.register("before-call", record)

    monkeypatch.setattr(aioboto3, "Session", RecordingSession)
    _path, manifest = collect_to_bundle(base_config(org), tmp_path / "bundle", progress=False)

    assert len(manifest.accounts) >= 4
    # The IAM action of a call: the declaration's (S3 names two of its actions otherwise: the
    # declarations say which, tests/deploy/test_templates.py checks them).
    declared = {(op.iam_action.split(":")[0], op.name): op.iam_action for op in ALL_OPERATIONS}
    actions = {declared.get((prefix, name), f"{prefix}:{name}") for prefix, name in made}
    assert "s3:ListAllMyBuckets" in actions
    # the recorder saw the whole run: discovery, organization and regional calls
    assert {
        "sts:GetCallerIdentity",
        "sts:AssumeRole",
        "organizations:ListAccounts",
        "backup:ListBackupPlans",
    } <= actions

    execution = _policy_actions(ROOT / "deploy" / "template.yaml", "ExecutionRole")
    assert sorted(actions - execution) == []

    member = _policy_actions(ROOT / "deploy" / "audit-role.yaml", "AuditRole")
    # Organization-level calls (organizations:*, backup:DescribeGlobalSettings) are made in the
    # management account only.
    org_level = {op.iam_action for op in ALL_OPERATIONS if op.scope is Scope.ORGANIZATION}
    in_members = {
        a
        for a in actions
        if not a.startswith("organizations:") and a not in org_level and a != "sts:AssumeRole"
    }
    assert sorted(in_members - member) == []
