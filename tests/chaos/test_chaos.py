"""Chaos: the whole audit of the demo organization under a seeded random mix of every fault the
sandbox injects (throttling, bare 429, 5xx with AWS and HTML bodies, resets, hangs, AccessDenied,
truncated bodies) on the regional services, run as a user runs it (``backup-auditor audit`` in
its own process), with a time budget. Whatever the mix, the promises hold:

- every account in scope is in the coverage (not audited where nothing could be read);
- nothing unknown is counted protected;
- every failed call is in the manifest, and every operation without its file has a recorded
  reason (its own error, or its parent listing's);
- the collection ends within ``--timeout`` plus a small margin (the discovery grace and the
  writing of the bundle), the whole run soon after; it exits 0 or 1 and prints no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor import services
from auditor.collect.engine import DISCOVERY_GRACE_S
from auditor.config import AuditConfig
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.resolver import DECIDING_OPERATIONS, resolve
from auditor.runner import evaluate_path
from auditor.sandbox import Sandbox
from auditor.sandbox.faults import FaultPlan, FaultRule
from auditor.sandbox.seed import SeededOrg

SEED = 20261205
TIMEOUT_S = 8.0
MARGIN_S = DISCOVERY_GRACE_S + 1.0
"""Past ``--timeout``: discovery may take DISCOVERY_GRACE_S more; the rest is bookkeeping."""
RUN_MARGIN_S = 45.0
"""Whole process: start-up, evaluation and six reports on top, on a loaded 2-core machine."""
REGIONAL = ("backup", "rds", "dynamodb", "efs", "fsx", "ec2", "rbin")
MIX: tuple[tuple[str, float], ...] = (
    ("throttle", 0.06),
    ("bare-429", 0.04),
    ("server-error", 0.04),
    ("html-error", 0.04),
    ("reset", 0.02),
    ("truncated", 0.02),
    ("denied", 0.03),
    ("hang", 0.005),
)
PARENT = services.PARENT_OPERATIONS
"""Per-item operation -> the listing it is called for (every service's declaration)."""


def chaos_plan() -> FaultPlan:
    rules = [
        FaultRule(kind, service=service, probability=p, seconds=60.0)
        for service in REGIONAL
        for kind, p in MIX
    ]
    # AssumeRole is throttled now and then too (retried; the caller's identity is not).
    rules.append(FaultRule("throttle", service="sts", operation="AssumeRole", probability=0.2))
    return FaultPlan(tuple(rules), seed=SEED)


@pytest.fixture(scope="module")
def chaos_run(
    sandbox: Sandbox, seeded_org: SeededOrg, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.CompletedProcess[str], float, Path, list[dict[str, object]]]]:
    out = tmp_path_factory.mktemp("chaos") / "out"
    env = {
        **os.environ,
        **sandbox.client_env(),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "BACKUP_AUDITOR_MAX_ATTEMPTS": "2",
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from auditor.cli import main; sys.exit(main())",
        "audit",
        "--endpoint-url",
        sandbox.endpoint_url,
        "--role-name",
        seeded_org.audit_role_name,
        "--regions",
        ",".join(seeded_org.regions),
        "--timeout",
        str(TIMEOUT_S),
        "--out",
        str(out),
    ]
    sandbox.set_faults(chaos_plan())
    try:
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        elapsed = time.monotonic() - started
        log = sandbox.faults_log()
    finally:
        sandbox.clear_faults()
    yield done, elapsed, out, log


def test_ends_in_time_without_a_traceback(
    chaos_run: tuple[subprocess.CompletedProcess[str], float, Path, list[dict[str, object]]],
) -> None:
    done, elapsed, out, log = chaos_run
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    collecting = json.loads((out / "evidence" / "manifest.json").read_text())["collection"]["seconds"]
    assert collecting < TIMEOUT_S + MARGIN_S, f"collection took {collecting:.1f}s"
    assert elapsed < TIMEOUT_S + RUN_MARGIN_S, f"the run took {elapsed:.1f}s"
    assert (out / "findings.json").is_file() and (out / "evidence" / "manifest.json").is_file()
    kinds = {str(entry["kind"]) for entry in log}
    assert len(log) >= 20 and len(kinds) >= 5, f"the mix barely fired: {len(log)} faults of {kinds}"


def test_every_account_in_scope_is_in_coverage(
    chaos_run: tuple[subprocess.CompletedProcess[str], float, Path, list[dict[str, object]]],
    seeded_org: SeededOrg,
) -> None:
    _, _, out, _ = chaos_run
    result = evaluate_path(out / "evidence", AuditConfig(quiet=True))
    covered = {c.account_id for c in result.coverage}
    assert set(seeded_org.active_account_ids) <= covered
    denied = {c.status for c in result.coverage if c.account_id == seeded_org.denied_account_id}
    assert denied == {"not_audited"}


def test_nothing_unknown_is_counted_protected(
    chaos_run: tuple[subprocess.CompletedProcess[str], float, Path, list[dict[str, object]]],
) -> None:
    _, _, out, _ = chaos_run
    result = evaluate_path(out / "evidence", AuditConfig(quiet=True))
    scopes = {(c.account_id, c.region): c for c in result.coverage}
    protected = [r for r in result.resources if r.get("protected") is True]
    # Protection is monotonic: a selection that was read and selects a resource effectively
    # protects it whatever the selections that were not read say (NotResources only narrows its
    # own selection). So in a scope missing some selections (a budget cut, a denied
    # GetBackupSelection) a resource may be protected, but only through a match of a selection
    # that was read; every other resource there must be undecided, never protected.
    matches = resolve(load_inventory(read_bundle(out / "evidence"))).matches
    effective = set(matches.loc[matches["effective"], "arn"])
    for resource in protected:
        scope = scopes[(str(resource["account_id"]), str(resource["region"]))]
        assert scope.status != "not_audited", resource["arn"]
        if set(DECIDING_OPERATIONS) & set(scope.missing):
            assert resource["arn"] in effective, (resource["arn"], scope.missing)
    assert protected, "the chaos run left nothing protected: the invariant was not exercised"


def test_every_failed_call_is_in_the_manifest(
    chaos_run: tuple[subprocess.CompletedProcess[str], float, Path, list[dict[str, object]]],
) -> None:
    _, _, out, log = chaos_run
    bundle = read_bundle(out / "evidence")
    recorded = {(e.account_id, e.region, e.service, e.operation) for e in bundle.manifest.errors}
    # Each injected AccessDenied ended its call with a recorded error, unless the run's budget cut
    # that account-region, or the client never read it: botocore does not retry AccessDenied, but
    # it does resend a request whose attempt timed out (2 s per attempt under --timeout 8), and on
    # a loaded machine the sandbox may get to a request, and draw its fault, only after that. Then
    # the very same request reached the sandbox again (``sent`` > 1) and its answer is in the
    # bundle (or its own failure in the manifest).
    cut = {(e.account_id, e.region) for e in bundle.manifest.errors if e.code == "DeadlineExceeded"}
    for entry in log:
        if entry["kind"] != "denied" or (entry["account"], entry["region"]) in cut:
            continue
        key = (entry["account"], entry["region"], entry["service"], entry["operation"])
        resent_and_answered = int(str(entry["sent"])) > 1 and bundle.has(*(str(k) for k in key))
        assert key in recorded or resent_and_answered, f"denied call neither recorded nor resent: {entry}"
    # An operation without its file has a recorded reason: its own error, or its parent's.
    coverage = load_inventory(bundle).coverage
    missing = coverage[~coverage["collected"].astype(bool)]
    failed = {
        (a, r, o)
        for a, r, o in zip(missing["account_id"], missing["region"], missing["operation"], strict=True)
    }
    for row in missing.itertuples(index=False):
        if row.error_code is not None:
            continue
        parent = PARENT.get(str(row.operation))
        assert parent is not None and (row.account_id, row.region, parent) in failed, (
            f"{row.account_id} {row.region} {row.operation}: not collected and no error recorded"
        )


def test_manifest_and_findings_agree_on_errors(
    chaos_run: tuple[subprocess.CompletedProcess[str], float, Path, list[dict[str, object]]],
) -> None:
    _, _, out, _ = chaos_run
    manifest_errors = json.loads((out / "evidence" / "manifest.json").read_text())["errors"]
    findings_errors = json.loads((out / "findings.json").read_text())["errors"]
    assert len(findings_errors) == len(manifest_errors) > 0
