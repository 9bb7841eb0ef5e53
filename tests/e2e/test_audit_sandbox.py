"""End to end: `run_audit` against the seeded sandbox organization over real HTTP.

The demo organization (auditor/sandbox/org.py) plants one instance of every gap, each labelled
with the rule expected to fire. Every rule must fire where it should and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.commands.demo import missed_gaps, sdk_environment
from auditor.config import AuditConfig
from auditor.runner import AuditOutcome, run_audit
from auditor.sandbox import Sandbox
from auditor.sandbox.seed import SeededOrg


@pytest.fixture(scope="module")
def sdk_env(sandbox: Sandbox) -> Iterator[None]:
    with sdk_environment(sandbox.client_env()):
        yield


@pytest.fixture(scope="module")
def outcome(
    sandbox: Sandbox, seeded_org: SeededOrg, sdk_env: None, tmp_path_factory: pytest.TempPathFactory
) -> AuditOutcome:
    config = AuditConfig(
        endpoint_url=sandbox.endpoint_url,
        role_name=seeded_org.audit_role_name,
        regions=seeded_org.regions,
        quiet=True,
    )
    return run_audit(config, tmp_path_factory.mktemp("audit") / "out")


def _subject(rule_id: str, account: str | None, region: str | None, arn: str | None) -> tuple[object, ...]:
    return (rule_id, account, region, arn)


def test_every_planted_gap_is_found(outcome: AuditOutcome, seeded_org: SeededOrg) -> None:
    missed = missed_gaps(seeded_org.expected, outcome.result)
    assert missed == [], "\n".join(
        f"{g.rule_id} {g.account_id} {g.region} {g.resource_arn}: {g.note}" for g in missed
    )


def test_no_rule_fires_where_no_gap_was_planted(outcome: AuditOutcome, seeded_org: SeededOrg) -> None:
    planted_resources = {(g.rule_id, g.resource_arn) for g in seeded_org.expected if g.resource_arn}
    planted_scopes = {(g.rule_id, g.account_id, g.region) for g in seeded_org.expected}
    unexpected = [
        f
        for f in outcome.result.findings
        if (f.rule_id, f.resource_arn) not in planted_resources
        and (f.rule_id, f.account_id, f.region) not in planted_scopes
    ]
    assert unexpected == [], "\n".join(
        f"{f.rule_id} {f.account_id} {f.region} {f.resource_arn}" for f in unexpected
    )


def test_clean_resources_are_protected_and_have_no_finding(
    outcome: AuditOutcome, seeded_org: SeededOrg
) -> None:
    verdicts = {r["arn"]: r for r in outcome.result.resources}
    assert seeded_org.clean_arns
    for arn in seeded_org.clean_arns:
        assert verdicts[arn]["protected"] is True, (arn, verdicts[arn]["reason"])
        assert verdicts[arn]["selections"], arn
    flagged = {f.resource_arn for f in outcome.result.findings}
    assert not flagged & set(seeded_org.clean_arns)


def test_denied_account_is_not_audited_never_compliant(outcome: AuditOutcome, seeded_org: SeededOrg) -> None:
    denied = seeded_org.denied_account_id
    scopes = [c for c in outcome.result.coverage if c.account_id == denied]
    assert scopes and all(c.status == "not_audited" for c in scopes)
    assert any(f.rule_id == "BKP-090" and f.account_id == denied for f in outcome.result.findings)
    assert all(r["protected"] is None for r in outcome.result.resources if r["account_id"] == denied)
    assert seeded_org.suspended_account_id not in {a["id"] for a in outcome.result.accounts}


def test_outputs_written_and_consistent(outcome: AuditOutcome) -> None:
    data = json.loads(outcome.findings_path.read_text())
    assert data["format"] == "backup-auditor-findings"
    assert len(data["findings"]) == len(outcome.result.findings)
    html = outcome.report_paths["html"].read_text()
    assert "<script src=" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert (outcome.bundle_path / "manifest.json").is_file()


def test_audit_cli_exit_codes(sandbox: Sandbox, seeded_org: SeededOrg, sdk_env: None, tmp_path: Path) -> None:
    common = [
        "audit",
        "--endpoint-url",
        sandbox.endpoint_url,
        "--regions",
        ",".join(seeded_org.regions),
        "--quiet",
        "--format",
        "json",
    ]
    assert main([*common, "--out", str(tmp_path / "a")]) == 0
    assert main([*common, "--out", str(tmp_path / "b"), "--fail-on", "high"]) == 1
    # existing output without --force: bad input, nothing overwritten
    assert main([*common, "--out", str(tmp_path / "b")]) == 2
    assert main([*common, "--out", str(tmp_path / "c"), "--fail-on", "urgent"]) == 2
    assert main([*common, "--out", str(tmp_path / "d"), "--format", "pdf"]) == 2


def test_collect_accounts_from_file(
    sandbox: Sandbox, seeded_org: SeededOrg, sdk_env: None, tmp_path: Path
) -> None:
    wanted = sorted(seeded_org.auditable_account_ids)[:2]
    listing = tmp_path / "accounts.txt"
    listing.write_text("# two accounts of the organization\n" + "\n".join(wanted) + "\n")
    common = [
        "collect",
        "--endpoint-url",
        sandbox.endpoint_url,
        "--regions",
        seeded_org.regions[0],
        "--quiet",
    ]
    assert main([*common, "--out", str(tmp_path / "b"), "--accounts-from", str(listing)]) == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert sorted(a["id"] for a in manifest["accounts"]) == wanted
    both = [*common, "--out", str(tmp_path / "c"), "--accounts-from", str(listing), "--accounts", wanted[0]]
    assert main(both) == 2
    listing.write_text("not-an-account\n")
    assert main([*common, "--out", str(tmp_path / "d"), "--accounts-from", str(listing)]) == 2
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()
