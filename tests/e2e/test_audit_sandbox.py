"""End to end: `run_audit` against the seeded sandbox organization over real HTTP.

The demo organization (auditor/sandbox/org.py) plants one instance of every gap, each naming the
finding expected (rule, account, region, subject ARN, resource type), and an expected verdict for
every resource. The findings must be the planted gaps one for one (none missing, none extra) and
every verdict as declared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.commands.demo import sdk_environment
from auditor.config import AuditConfig
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.model.results import EvaluationResult
from auditor.protection.evidence import (
    BACKED_UP_NOT_PREDICTED,
    EXCLUDED_PARTIAL,
    EXCLUDED_RESOURCE,
    EXCLUDED_RUNNING,
    EXCLUDED_SELECTION,
    EXCLUDED_VERSION,
    PREDICTED_NOT_BACKED_UP,
)
from auditor.protection.evidence import compare as evidence_compare
from auditor.protection.resolver import resolve
from auditor.runner import AuditOutcome, run_audit
from auditor.sandbox import Sandbox
from auditor.sandbox.org import (
    ABSENT,
    EVIDENCE_DENIED,
    EVIDENCE_EXCLUDED,
    PROTECTED,
    UNKNOWN,
    UNPROTECTED,
)
from auditor.sandbox.seed import SeededOrg
from auditor.sandbox.truth import compare, verdict_of

EXCLUSIONS = {EXCLUDED_PARTIAL, EXCLUDED_RESOURCE, EXCLUDED_RUNNING, EXCLUDED_SELECTION, EXCLUDED_VERSION}
"""Every kind of legitimate difference the comparison knows (issue 13: the demo plants each)."""


@pytest.fixture(scope="module")
def sdk_env(sandbox: Sandbox) -> Iterator[None]:
    with sdk_environment(sandbox.client_env()):
        yield


@pytest.fixture(scope="module")
def outcome(
    sandbox: Sandbox, seeded_org: SeededOrg, sdk_env: None, tmp_path_factory: pytest.TempPathFactory
) -> AuditOutcome:
    """The audit as the demo runs it: under the demo's planted read failures (``seeded_org.faults``,
    lifted afterwards: the session's sandbox is shared)."""
    config = AuditConfig(
        endpoint_url=sandbox.endpoint_url,
        role_name=seeded_org.audit_role_name,
        regions=seeded_org.regions,
        quiet=True,
        controls=seeded_org.controls,
    )
    assert seeded_org.faults.rules, "the demo plants a denied operation (org.EVIDENCE_DENIED)"
    sandbox.set_faults(seeded_org.faults)
    try:
        done = run_audit(config, tmp_path_factory.mktemp("audit") / "out")
        fired = sandbox.faults_fired()
    finally:
        sandbox.clear_faults()
    assert all(fired), f"a planted denial was never called: {fired}"
    return done


def test_findings_are_the_planted_gaps_one_for_one(outcome: AuditOutcome, seeded_org: SeededOrg) -> None:
    truth = compare(seeded_org, outcome.result)
    assert (truth.missed, truth.unexpected) == ((), ()), "\n".join(truth.diff())
    assert len(outcome.result.findings) == len(seeded_org.expected) == truth.planted


def test_every_resource_has_its_expected_verdict(outcome: AuditOutcome, seeded_org: SeededOrg) -> None:
    truth = compare(seeded_org, outcome.result)
    assert truth.wrong_verdicts == (), "\n".join(truth.diff())
    assert truth.verdicts == len(seeded_org.resources)
    seen = {r.verdict for r in seeded_org.resources}
    assert {PROTECTED, UNPROTECTED, ABSENT} <= seen
    assert truth.summary() == (
        f"planted gaps found: {truth.planted}/{truth.planted}, unexpected findings: 0, "
        f"verdicts right: {truth.verdicts}/{truth.verdicts}"
    )


def _without(result: EvaluationResult, rule_id: str, resource_type: str) -> EvaluationResult:
    kept = tuple(
        f for f in result.findings if not (f.rule_id == rule_id and f.resource_type == resource_type)
    )
    assert len(kept) < len(result.findings), (rule_id, resource_type)
    return replace(result, findings=kept)


def test_comparison_misses_one_gap_of_several_in_one_region(
    outcome: AuditOutcome, seeded_org: SeededOrg
) -> None:
    """The bug the old count hid: BKP-004 skipping Aurora while EFS still fires in the same region."""
    truth = compare(seeded_org, _without(outcome.result, "BKP-004", "Aurora"))
    assert [(g.rule_id, g.resource_type) for g in truth.missed] == [("BKP-004", "Aurora")]
    n = truth.planted
    assert not truth.ok and f"planted gaps found: {n - 1}/{n}" in truth.summary()
    assert any(line.startswith("MISSED BKP-004") and "[Aurora]" in line for line in truth.diff())


def test_comparison_reports_extra_and_duplicate_findings(
    outcome: AuditOutcome, seeded_org: SeededOrg
) -> None:
    result = outcome.result
    bkp002 = next(f for f in result.findings if f.rule_id == "BKP-002")
    clean = seeded_org.clean_arns[0]
    extra = replace(bkp002, resource_arn=clean)
    truth = compare(seeded_org, replace(result, findings=(*result.findings, bkp002, extra)))
    assert truth.missed == ()
    assert truth.unexpected == (bkp002, extra)
    assert "unexpected findings: 2" in truth.summary()
    assert sum(line.startswith("UNEXPECTED BKP-002") for line in truth.diff()) == 2


def test_comparison_reports_wrong_and_stray_verdicts(outcome: AuditOutcome, seeded_org: SeededOrg) -> None:
    resources = list(outcome.result.resources)
    flipped = {**resources[0], "protected": None}
    stray = {**resources[1], "arn": resources[1]["arn"] + "-not-seeded"}
    truth = compare(seeded_org, replace(outcome.result, resources=(flipped, stray, *resources[2:])))
    wrong = {(v.arn, v.expected, v.actual) for v in truth.wrong_verdicts}
    assert (flipped["arn"], verdict_of(resources[0]), UNKNOWN) in wrong
    assert (resources[1]["arn"], verdict_of(resources[1]), ABSENT) in wrong
    assert (stray["arn"], "not seeded", verdict_of(resources[1])) in wrong
    assert len(wrong) == 3 and truth.verdicts == len(seeded_org.resources) + 1


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


def test_bkp_091_reports_exactly_the_planted_disagreements_and_excludes_the_legitimate_ones(
    outcome: AuditOutcome, seeded_org: SeededOrg
) -> None:
    """Issue 13: one disagreement of each kind is planted (a BKP-091 gap each) and one legitimate
    difference of each excluded kind (``EVIDENCE_EXCLUDED``, the partial account-Region included):
    the comparison marks those excluded, and no other disagreement exists in the demo."""
    by_key = {(r.account_key, r.region, r.key): r.arn for r in seeded_org.resources}
    reported = {
        (f.resource_arn, f.details["disagreement"]) for f in outcome.result.findings if f.rule_id == "BKP-091"
    }
    planted = {g.resource_arn for g in seeded_org.expected if g.rule_id == "BKP-091"}
    assert {arn for arn, _ in reported} == planted
    assert sorted(kind for _, kind in reported) == [BACKED_UP_NOT_PREDICTED, PREDICTED_NOT_BACKED_UP]
    inventory = load_inventory(read_bundle(outcome.bundle_path))
    found = evidence_compare(inventory, resolve(inventory), outcome.result.as_of, 14)
    excluded = {(d.disagreement, d.resource_arn, d.excluded) for d in found if d.excluded}
    for kind, account, region, key, why in EVIDENCE_EXCLUDED:
        assert (kind, by_key[(account, region, key)], why) in excluded, (kind, key, why)
    assert {why for *_, why in EVIDENCE_EXCLUDED} == EXCLUSIONS, "one legitimate difference of each kind"
    assert {d.resource_arn for d in found if d.excluded is None} == planted


def test_the_partial_account_region_hides_a_real_disagreement_and_says_why(
    outcome: AuditOutcome, seeded_org: SeededOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    """The planted partial account-Region (``EVIDENCE_DENIED``): BKP-090 reports the denied call,
    no verdict there is undecided by it, BKP-091 is silent about the recovery point planted there,
    ``explain`` names the exclusion and the unread call, and the same bundle read in full would
    report it."""
    [(account_key, region, service, op)] = EVIDENCE_DENIED
    [(kind, *_, key, _)] = [e for e in EVIDENCE_EXCLUDED if e[-1] == EXCLUDED_PARTIAL]
    account, arn = seeded_org.account_id(account_key), seeded_org.arn(account_key, region, key)
    [gap] = [
        f
        for f in outcome.result.findings
        if (f.rule_id, f.account_id, f.region) == ("BKP-090", account, region)
    ]
    assert gap.details["cause"] == "permission" and gap.details["operations"] == [f"{service}.{op}"]
    scope = [r for r in outcome.result.resources if (r["account_id"], r["region"]) == (account, region)]
    assert scope and all(r["protected"] is not None for r in scope)
    assert not [f for f in outcome.result.findings if f.rule_id == "BKP-091" and f.resource_arn == arn]
    assert main(["explain", str(outcome.bundle_path), arn]) == 0
    out = capsys.readouterr().out
    assert f"not a disagreement: {kind} with plan `org-baseline` rule `daily`, recovery point " in out
    assert (
        f"{EXCLUDED_PARTIAL}: account {account}, {region} was not fully read ({service}.{op} not collected)"
    ) in out
    inventory = load_inventory(read_bundle(outcome.bundle_path))
    cov = inventory.coverage.copy()
    unread = (
        (cov["account_id"] == account) & (cov["region"] == region) & (cov["operation"] == f"{service}.{op}")
    )
    assert unread.any()
    cov.loc[unread, "collected"] = True
    read = replace(inventory, coverage=cov)
    found = evidence_compare(read, resolve(read), outcome.result.as_of, 14)
    assert [(d.disagreement, d.excluded) for d in found if d.resource_arn == arn] == [(kind, None)]
