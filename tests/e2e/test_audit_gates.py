"""``audit`` against the seeded sandbox: ``--fail-on critical`` passes while an account's role cannot
be assumed; ``--fail-on-not-audited`` fails on that coverage, and the summary says which gate failed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.commands.demo import sdk_environment
from auditor.sandbox import Sandbox
from auditor.sandbox.seed import SeededOrg
from auditor.summary import plural


@pytest.fixture(scope="module")
def sdk_env(sandbox: Sandbox) -> Iterator[None]:
    with sdk_environment(sandbox.client_env()):
        yield


def test_coverage_gate_fails_where_the_findings_gate_passes(
    sandbox: Sandbox, seeded_org: SeededOrg, sdk_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = [
        "audit",
        "--endpoint-url",
        sandbox.endpoint_url,
        "--role-name",
        seeded_org.audit_role_name,
        "--regions",
        ",".join(seeded_org.regions),
        "--quiet",
        "--format",
        "json",
        "--fail-on",
        "critical",
    ]
    assert main([*common, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "gate:      --fail-on critical: 0 findings at or above (passed); exit 0" in err

    assert main([*common, "--out", str(tmp_path / "b"), "--fail-on-not-audited"]) == 1
    err = capsys.readouterr().err
    coverage = json.loads((tmp_path / "b" / "findings.json").read_text(encoding="utf-8"))["coverage"]
    incomplete = sum(1 for c in coverage if c["status"] != "audited")
    assert incomplete >= 1  # the demo's denied account
    assert (
        "--fail-on critical: 0 findings at or above (passed); --fail-on-not-audited: "
        f"{plural(incomplete, 'account-region')} partial or not audited (FAILED); exit 1"
    ) in err
