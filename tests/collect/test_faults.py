"""Collection under injected faults (issue 11): every fault reaches the collector over real HTTP
from the sandbox's fault layer (``auditor.sandbox.faults``); nothing of ours is mocked.

Each test collects the small organization of ``support.py`` (mostly the beta account in
eu-west-1) with one fault plan, and checks that the fault became a recorded error of that one call
(retried where AWS would be retried), that everything else was still collected, and that the
bundle was written.
"""

from __future__ import annotations

import asyncio
import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.engine import (
    DEADLINE_CODE,
    DISCOVERY_GRACE_S,
    RESTART_ATTEMPTS,
    TIMEOUT_ATTEMPTS,
    collect,
)
from auditor.collect.progress import Progress
from auditor.config import AuditConfig, load_config
from auditor.errors import ConfigError, RunError
from auditor.evidence import BundleWriter, CollectionError, read_bundle
from auditor.model.frames import load_inventory
from auditor.runner import evaluate_path
from auditor.sandbox import Sandbox
from auditor.sandbox.faults import FaultPlan, FaultRule
from auditor.services import operation, regional_keys
from tests.collect.support import Collected, Org, base_config, run_collect

REGION = "eu-west-1"


@pytest.fixture
def faulty(org_sandbox: Sandbox, org: Org) -> Iterator[Sandbox]:
    """The package's sandbox; its fault plan is cleared after the test."""
    try:
        yield org_sandbox
    finally:
        org_sandbox.clear_faults()


def _collect(
    sandbox: Sandbox, org: Org, tmp_path: Path, rules: list[FaultRule], **changes: Any
) -> tuple[Collected, list[int]]:
    sandbox.set_faults(FaultPlan(tuple(rules), seed=11))
    values: dict[str, Any] = {"accounts": (org.beta,), "regions": (REGION,)}
    values.update(changes)
    result = run_collect(base_config(org, **values), tmp_path / "bundle")
    return result, sandbox.faults_fired()


def _errors(result: Collected, operation: str) -> list[CollectionError]:
    return [e for e in result.manifest.errors if e.operation == operation]


def _assert_collected_except(result: Collected, account: str, *failed: str) -> None:
    """Every regional operation of ``account`` in eu-west-1 has a file, but the ``failed`` keys
    (and their per-item operations, which are not reached)."""
    bundle = read_bundle(result.path)
    for key in regional_keys():
        service, operation = key.split(".")
        if key in failed:
            assert not bundle.has(account, REGION, service, operation), key
        elif not any(key.startswith(f.split(".")[0]) and f.endswith(("ListTables",)) for f in failed):
            assert bundle.has(account, REGION, service, operation), key


@pytest.mark.parametrize(
    ("service", "operation"),
    [("ec2", "DescribeInstances"), ("rds", "DescribeDBInstances"), ("backup", "ListBackupVaults")],
)
def test_html_error_page_is_a_recorded_5xx_retried_like_one(
    faulty: Sandbox, org: Org, tmp_path: Path, service: str, operation: str
) -> None:
    rule = FaultRule("html-error", service=service, operation=operation, account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert fired == [3]  # base_config: max_attempts 2 retries after the first attempt, as for any 5xx
    (error,) = result.manifest.errors
    assert (error.account_id, error.region, error.service, error.operation) == (
        org.beta,
        REGION,
        service,
        operation,
    )
    assert error.code == "502"
    assert "not an AWS error document" in error.message and "Bad Gateway" in error.message
    if operation != "ListBackupVaults":
        _assert_collected_except(result, org.beta, f"{service}.{operation}")


def test_html_error_page_once_is_retried_and_collected(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("html-error", service="ec2", operation="DescribeVolumes", account=org.beta, times=1)
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert fired == [1]
    assert result.manifest.errors == ()
    _assert_collected_except(result, org.beta)


def test_html_forbidden_page_is_recorded_without_retry(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule(
        "html-error", service="rds", operation="DescribeDBClusters", account=org.beta, status=403
    )
    result, fired = _collect(faulty, org, tmp_path, [rule], max_attempts=4)
    assert fired == [1]
    (error,) = result.manifest.errors
    assert (error.operation, error.code) == ("DescribeDBClusters", "403")


@pytest.mark.parametrize(
    ("service", "operation"),
    [("rds", "DescribeDBClusters"), ("dynamodb", "ListTables"), ("ec2", "DescribeVolumes")],
)
def test_bare_429_is_retried_like_throttling(
    faulty: Sandbox, org: Org, tmp_path: Path, service: str, operation: str
) -> None:
    rule = FaultRule("bare-429", service=service, operation=operation, account=org.beta, times=1)
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert fired == [1]
    assert result.manifest.errors == ()
    _assert_collected_except(result, org.beta)


def test_bare_429_every_time_is_recorded_as_throttling(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("bare-429", service="rds", operation="DescribeDBInstances", account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule], max_attempts=1)
    assert fired == [2]
    (error,) = result.manifest.errors
    assert (error.operation, error.code) == ("DescribeDBInstances", "TooManyRequestsException")
    assert "429" in error.message


def test_throttling_with_aws_body_is_retried_up_to_max_attempts(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    rule = FaultRule("throttle", service="backup", operation="ListBackupJobs", account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule], max_attempts=1)
    assert fired == [2]
    (error,) = result.manifest.errors
    assert (error.operation, error.code) == ("ListBackupJobs", "ThrottlingException")
    _assert_collected_except(result, org.beta, "backup.ListBackupJobs")


def test_server_error_with_aws_body_once_is_retried(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule(
        "server-error", service="efs", operation="DescribeFileSystems", account=org.beta, times=1
    )
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert fired == [1]
    assert result.manifest.errors == ()


def test_access_denied_is_recorded_without_retry(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("denied", service="ec2", operation="DescribeVolumes", account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule], max_attempts=4)
    assert fired == [1]
    (error,) = result.manifest.errors
    assert (error.operation, error.code) == ("DescribeVolumes", "UnauthorizedOperation")
    _assert_collected_except(result, org.beta, "ec2.DescribeVolumes")


def test_truncated_answer_once_is_made_again(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("truncated", service="backup", operation="ListBackupPlans", account=org.beta, times=1)
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert fired == [1]
    assert result.manifest.errors == ()
    _assert_collected_except(result, org.beta)


def test_truncated_answer_every_time_is_recorded(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("truncated", service="rds", operation="DescribeDBInstances", account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert 2 <= fired[0] <= 2 * RESTART_ATTEMPTS
    (error,) = result.manifest.errors
    assert error.operation == "DescribeDBInstances"
    _assert_collected_except(result, org.beta, "rds.DescribeDBInstances")


def test_connection_reset_is_recorded_and_the_rest_collected(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    rule = FaultRule("reset", service="dynamodb", operation="ListTables", account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule])
    assert fired[0] >= 2
    (error,) = result.manifest.errors
    assert (error.service, error.operation) == ("dynamodb", "ListTables")
    _assert_collected_except(result, org.beta, "dynamodb.ListTables")


def test_unparseable_region_list_keeps_the_account_in_coverage(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    rule = FaultRule("html-error", service="ec2", operation="DescribeRegions", account=org.beta)
    result, _ = _collect(faulty, org, tmp_path, [rule], regions=None)
    (error,) = result.manifest.errors
    assert (error.account_id, error.region, error.operation, error.code) == (
        org.beta,
        None,
        "DescribeRegions",
        "502",
    )
    (entry,) = result.manifest.accounts
    assert REGION in entry.regions  # the caller's enabled regions stand in
    coverage = load_inventory(read_bundle(result.path)).coverage
    mine = coverage[coverage["account_id"] == org.beta]
    assert set(mine["region"]) == set(entry.regions)
    assert not mine["collected"].any()
    assert set(mine["error_code"]) == {"502"}


# ----------------------------------------------------------------------- item 1: no vanishing


def _not_audited(path: Path, account: str) -> tuple[set[str], list[str]]:
    """(coverage statuses of ``account``, BKP-090 levels of its findings)."""
    result = evaluate_path(path, AuditConfig(quiet=True))
    statuses: set[str] = {c.status for c in result.coverage if c.account_id == account}
    levels = [
        str(f.details.get("level"))
        for f in result.findings
        if f.rule_id == "BKP-090" and f.account_id == account
    ]
    return statuses, levels


def test_unassumable_account_is_not_audited_under_region_discovery(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    result, _ = _collect(faulty, org, tmp_path, [], accounts=(org.denied,), regions=None)
    (entry,) = result.manifest.accounts
    assert entry.regions, "an account the run set out to audit must have regions in the manifest"
    (error,) = result.manifest.errors
    assert (error.account_id, error.region, error.operation, error.code) == (
        org.denied,
        None,
        "AssumeRole",
        "AccessDenied",
    )
    statuses, levels = _not_audited(result.path, org.denied)
    assert statuses == {"not_audited"}
    assert levels == ["account"]


def test_denied_region_listing_is_not_audited_not_dropped(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("denied", service="ec2", operation="DescribeRegions", account=org.beta)
    result, fired = _collect(faulty, org, tmp_path, [rule], regions=None)
    assert fired == [1]
    statuses, levels = _not_audited(result.path, org.beta)
    assert statuses == {"not_audited"}
    assert levels == ["account"]


def test_unknown_region_name_is_recorded_and_others_collected(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    result, _ = _collect(faulty, org, tmp_path, [], regions=(REGION, "xx-nowhere-9"))
    assert result.manifest.errors, "a region that does not exist cannot be collected"
    assert {e.region for e in result.manifest.errors} == {"xx-nowhere-9"}
    _assert_collected_except(result, org.beta)


# ----------------------------------------------------------------------- item 4: time


def test_hung_call_gets_fewer_attempts_than_throttling(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    # Budget 8 s: read timeout 2 s per attempt (a quarter of it); a hung call is given up after TIMEOUT_ATTEMPTS
    # attempts (not max_attempts 8) and recorded, and the run ends inside its budget.
    rule = FaultRule("hang", service="ec2", operation="DescribeVolumes", account=org.beta, seconds=60)
    started = time.monotonic()
    result, fired = _collect(faulty, org, tmp_path, [rule], max_attempts=8, timeout=8.0)
    elapsed = time.monotonic() - started
    assert fired == [TIMEOUT_ATTEMPTS]
    (error,) = result.manifest.errors
    assert (error.operation, error.code) == ("DescribeVolumes", "ReadTimeoutError")
    assert elapsed < 8.0 + 2.0
    _assert_collected_except(result, org.beta, "ec2.DescribeVolumes")


def test_timeout_cuts_hung_calls_and_writes_the_bundle(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    rule = FaultRule("hang", account=org.beta, seconds=60)
    started = time.monotonic()
    # 8 s: room for the healthy account's ~60 calls on a loaded 2-core machine; the hang is 60 s
    result, fired = _collect(faulty, org, tmp_path, [rule], accounts=(org.alpha, org.beta), timeout=8.0)
    elapsed = time.monotonic() - started
    assert fired[0] > 0
    assert elapsed < 8.0 + 2.0
    beta = {(e.service, e.operation) for e in result.manifest.errors if e.account_id == org.beta}
    # every top-level regional call of the hung account is recorded; per-item calls are never reached
    top_level = {k for k in regional_keys() if not operation(k).per_item}
    assert {f"{s}.{o}" for s, o in beta} >= top_level
    # hung calls time out per attempt (a quarter of the budget) or are cut by the deadline
    codes = {e.code for e in result.manifest.errors if e.account_id == org.beta}
    assert DEADLINE_CODE in codes and codes <= {DEADLINE_CODE, "ReadTimeoutError"}
    assert not [e for e in result.manifest.errors if e.account_id == org.alpha]
    statuses, _ = _not_audited(result.path, org.beta)
    assert statuses == {"not_audited"}


def test_status_lines_when_stderr_is_not_a_terminal(faulty: Sandbox, org: Org, tmp_path: Path) -> None:
    faulty.set_faults(
        FaultPlan(
            (
                FaultRule(
                    "hang", service="ec2", operation="DescribeVolumes", account=org.beta, seconds=2, times=1
                ),
            )
        )
    )
    stream = io.StringIO()  # not a terminal: no bar, status lines instead
    config = base_config(org, accounts=(org.beta,), regions=(REGION,), quiet=False)
    with BundleWriter(tmp_path / "bundle") as writer:
        manifest = asyncio.run(
            collect(config, writer, Progress(enabled=True, stream=stream), progress_interval=0.5)
        )
        writer.commit(manifest)
    lines = [line for line in stream.getvalue().splitlines() if "collecting:" in line]
    assert len(lines) >= 2
    assert "account-regions done" in lines[0] and "API calls" in lines[0]
    assert "1/1 account-regions done" not in lines[0]  # the hung region was still running


@pytest.mark.parametrize(
    ("flags", "env", "toml", "expected"),
    [
        ({"timeout": 30.0}, {"BACKUP_AUDITOR_TIMEOUT": "60"}, "timeout = 90\n", 30.0),
        ({}, {"BACKUP_AUDITOR_TIMEOUT": "60"}, "timeout = 90\n", 60.0),
        ({}, {}, "timeout = 90\n", 90.0),
        ({}, {}, "", None),
    ],
)
def test_timeout_precedence(
    tmp_path: Path, flags: dict[str, Any], env: dict[str, str], toml: str, expected: float | None
) -> None:
    path = tmp_path / "backup-auditor.toml"
    path.write_text(toml)
    assert load_config(flags, env=env, config_file=path).timeout == expected


@pytest.mark.parametrize("raw", ["0", "-5", "nan", "inf", "soon"])
def test_bad_timeout_names_its_source(raw: str) -> None:
    with pytest.raises(ConfigError, match="BACKUP_AUDITOR_TIMEOUT"):
        load_config({}, env={"BACKUP_AUDITOR_TIMEOUT": raw}, cwd=Path("/nonexistent"))


def test_hung_organization_stops_within_the_discovery_grace(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    rule = FaultRule("hang", service="organizations", seconds=60)
    started = time.monotonic()
    result, fired = _collect(faulty, org, tmp_path, [rule], timeout=2.0)
    elapsed = time.monotonic() - started
    assert fired[0] >= 1
    assert elapsed < 2.0 + DISCOVERY_GRACE_S + 3.0
    organization = {e.operation for e in result.manifest.errors if e.account_id is None}
    assert "DescribeOrganization" in organization
    (entry,) = result.manifest.accounts
    assert entry.regions == (REGION,)
    statuses, _ = _not_audited(result.path, org.beta)
    assert statuses == {"not_audited"}


def test_dead_endpoint_fails_fast(aws_env: None, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = AuditConfig(endpoint_url=f"http://127.0.0.1:{port}", accounts=("111111111111",), quiet=True)
    started = time.monotonic()
    with pytest.raises(RunError, match="EndpointConnectionError"):
        run_collect(config, tmp_path / "dead")
    assert time.monotonic() - started < 15.0  # 2 attempts, not max_attempts (8) with backoff


def test_denied_invalid_policy_listing_is_recorded_and_bkp_043_judges_nothing(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    """An organization-level optional operation (bundle version 3) denied: one recorded error with
    no account, no retry, the rest collected, and evaluation runs (BKP-043 reports nothing)."""
    rule = FaultRule("denied", service="organizations", operation="ListAccountsWithInvalidEffectivePolicy")
    result, fired = _collect(faulty, org, tmp_path, [rule], max_attempts=4)
    assert fired == [1]
    (error,) = _errors(result, "ListAccountsWithInvalidEffectivePolicy")
    assert (error.account_id, error.region, error.code) == (None, None, "AccessDeniedException")
    assert not read_bundle(result.path).org_calls("organizations", "ListAccountsWithInvalidEffectivePolicy")
    _assert_collected_except(result, org.beta)
    evaluated = evaluate_path(result.path, AuditConfig(quiet=True))
    assert not [f for f in evaluated.findings if f.rule_id == "BKP-043"]


# -- issue 9: Storage Gateway, AWS Backup gateway, Systems Manager for SAP


def test_denied_and_failing_calls_of_the_new_services_are_recorded_and_judged_not_audited(
    faulty: Sandbox, org: Org, tmp_path: Path
) -> None:
    """alpha/eu-west-1 holds volumes, VMs and SAP databases: a denied ListVirtualMachines (JSON
    protocol) and a 502 on GetDatabase (REST) are recorded on those calls only; the Region is partial,
    BKP-090 names both, and the volumes are still inventoried."""
    rules = [
        FaultRule("denied", service="backup-gateway", operation="ListVirtualMachines", account=org.alpha),
        FaultRule("html-error", service="ssm-sap", operation="GetDatabase", account=org.alpha),
    ]
    result, fired = _collect(faulty, org, tmp_path, rules, accounts=(org.alpha,), max_attempts=1)
    assert fired[0] == 1 and fired[1] >= 1
    assert {(e.service, e.operation) for e in result.manifest.errors} == {
        ("backup-gateway", "ListVirtualMachines"),
        ("ssm-sap", "GetDatabase"),
    }
    bundle = read_bundle(result.path)
    assert not bundle.has(org.alpha, REGION, "backup-gateway", "ListVirtualMachines")
    evaluated = evaluate_path(result.path, base_config(org, quiet=True))
    (cov,) = [c for c in evaluated.coverage if (c.account_id, c.region) == (org.alpha, REGION)]
    assert cov.status == "partial"
    assert {"backup-gateway.ListVirtualMachines", "ssm-sap.GetDatabase"} <= set(cov.missing)
    assert any(f.rule_id == "BKP-090" and f.region == REGION for f in evaluated.findings)
    types = set(load_inventory(bundle).resources["resource_type"])
    assert "Storage Gateway" in types and "VirtualMachine" not in types
