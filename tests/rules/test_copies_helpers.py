"""The copy controls' shared helpers (``auditor/rules/_copies.py``, used by BKP-022, BKP-036,
BKP-037 and BKP-039), one by one: vault ARNs, planned destinations, the latest copy job, key masks,
unreadable destinations, the job window. ``test_copy_controls.py`` covers the rules end to end."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from auditor.controls import Control, Controls, ControlScope, CrossAccountParams, CrossRegionParams
from auditor.evaluate import run_rules
from auditor.evidence import read_bundle
from auditor.rules._copies import (
    PROTECTION_OPS,
    Destination,
    FailedJob,
    Key,
    VaultRef,
    copy_actions,
    copy_jobs_in_window,
    failed_latest,
    key_mask,
    latest_copy_jobs,
    organization_accounts,
    parse_vault_arn,
    planned,
    protected_in_scope,
    readable,
    rule_destinations,
    sources,
    unread,
    with_failed_job,
)
from auditor.rules.base import RuleContext, RuleSettings
from auditor.rules.registry import rules
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_context

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
B = "222222222222"
DAY = timedelta(days=1)


def _vault(account_id: str, name: str, region: str = R) -> str:
    return f"arn:aws:backup:{region}:{account_id}:backup-vault:{name}"


def _ctx(b: BundleBuilder, tmp_path: Path, settings: RuleSettings | None = None) -> RuleContext:
    return rule_context(read_bundle(b.build(tmp_path / "bundle")), settings)


# -- parse_vault_arn -----------------------------------------------------------------------


def test_a_vault_arn_gives_account_region_and_name() -> None:
    """``arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME`` (AWS Backup's resource types:
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html)."""
    assert parse_vault_arn(_vault(B, "central", "us-east-1")) == VaultRef(B, "us-east-1", "central")
    china = "arn:aws-cn:backup:cn-north-1:123456789012:backup-vault:cn-vault"
    assert parse_vault_arn(china) == VaultRef("123456789012", "cn-north-1", "cn-vault")


def test_anything_but_a_vault_arn_is_none() -> None:
    plan = f"arn:aws:backup:{R}:{A}:backup-plan:1234"
    assert parse_vault_arn(plan) is None
    assert parse_vault_arn(f"arn:aws:s3:{R}:{A}:backup-vault:x") is None, "another service"
    assert parse_vault_arn(f"urn:aws:backup:{R}:{A}:backup-vault:x") is None
    assert parse_vault_arn(f"arn:aws:backup:{R}:{A}:backup-vault") is None, "no name"
    assert parse_vault_arn("central") is None, "a vault name alone"
    assert parse_vault_arn(None) is None
    assert parse_vault_arn(math.nan) is None, "a missing cell"


# -- planned / failed_latest / key_mask -------------------------------------------------------


def _actions(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Rows of copy_actions: (resource ARN, destination account, destination Region)."""
    return pd.DataFrame(
        [
            {
                "account_id": A,
                "region": R,
                "arn": arn,
                "plan_name": "p",
                "rule_name": "r",
                "destination_vault_arn": _vault(acct, "v", region),
                "dest_account": acct,
                "dest_region": region,
                "dest_vault": "v",
            }
            for arn, acct, region in rows
        ]
    )


def test_planned_lists_each_destination_once_per_resource_in_row_order() -> None:
    actions = _actions(
        ("fs-1", B, "us-east-1"), ("fs-1", A, "us-west-2"), ("fs-1", B, "us-east-1"), ("fs-2", B, "us-east-1")
    )
    got = planned(actions)
    east = Destination(B, "us-east-1", _vault(B, "v", "us-east-1"))
    west = Destination(A, "us-west-2", _vault(A, "v", "us-west-2"))
    assert got == {(A, R, "fs-1"): [east, west], (A, R, "fs-2"): [east]}
    assert got[(A, R, "fs-1")][0] is got[(A, R, "fs-2")][0], "one object per destination"
    assert planned(actions.iloc[:0]) == {}


def _jobs(*rows: tuple[str, str, str, str | float | None]) -> pd.DataFrame:
    """Rows of latest_copy_jobs, oldest first: (resource ARN, job id, state, status message)."""
    return pd.DataFrame(
        [
            {"account_id": A, "region": R, "arn": arn, "job_id": job, "state": state, "status_message": msg}
            for arn, job, state, msg in rows
        ]
    )


def test_failed_latest_keeps_the_resources_whose_latest_job_failed() -> None:
    jobs = _jobs(
        ("fs-1", "j1", "COMPLETED", None),
        ("fs-1", "j2", "FAILED", "Access denied to the destination vault"),
        ("fs-2", "j3", "FAILED", None),
        ("fs-2", "j4", "COMPLETED", None),
        ("fs-3", "j5", "FAILED", math.nan),
    )
    assert failed_latest(jobs) == {
        (A, R, "fs-1"): FailedJob("j2", "Access denied to the destination vault"),
        (A, R, "fs-3"): FailedJob("j5", None),
    }


def test_key_mask_marks_the_rows_whose_key_is_given() -> None:
    frame = pd.DataFrame(
        {"account_id": [A, A, B], "region": [R, "us-east-1", R], "arn": ["x", "x", "x"]}, index=[10, 20, 30]
    )
    keys = pd.DataFrame({"account_id": [A, B], "region": ["us-east-1", R], "arn": ["x", "x"]})
    assert key_mask(frame, keys).tolist() == [False, True, True]
    assert key_mask(frame, {(A, R, "x")}).tolist() == [True, False, False]
    assert key_mask(frame, {(B, R, "x"): "anything"}).tolist() == [False, False, True]
    assert list(key_mask(frame, keys).index) == [10, 20, 30]
    nothings: tuple[set[Key], dict[Key, str], pd.DataFrame] = (set(), {}, keys.iloc[:0])
    for nothing in nothings:
        mask = key_mask(frame, nothing)
        assert mask.tolist() == [False, False, False] and list(mask.index) == [10, 20, 30]
    assert key_mask(frame.iloc[:0], keys).empty


# -- from a bundle ---------------------------------------------------------------------------


def test_unread_names_each_destination_account_region_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(B, [R])
    b.assume_role_denied("333333333333")
    ctx = _ctx(b, tmp_path)
    read_b = Destination(B, R, _vault(B, "v"))
    denied = Destination("333333333333", R, _vault("333333333333", "v"))
    outside = Destination("444444444444", "us-east-1", _vault("444444444444", "v", "us-east-1"))
    assert readable(ctx, B, R) and not readable(ctx, "333333333333", R)
    got = unread(ctx, [outside, read_b, denied, outside])
    assert got == ["333333333333/eu-west-1", "444444444444/us-east-1"]
    got.append("changed")
    assert unread(ctx, [outside, read_b, denied, outside]) == [
        "333333333333/eu-west-1",
        "444444444444/us-east-1",
    ]
    assert unread(ctx, [read_b]) == []


def test_rule_destinations_one_row_per_vault_arn_copy_action(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    to_b, to_east = _vault(B, "central"), _vault(A, "dr", "us-east-1")
    rules: list[dict[str, Any]] = [
        {
            "RuleName": "daily",
            "CopyActions": [{"DestinationBackupVaultArn": to_b}, {"DestinationBackupVaultArn": to_east}],
        },
        {"RuleName": "monthly", "CopyActions": [{"DestinationBackupVaultArn": "not-an-arn"}]},
        {"RuleName": "weekly"},
    ]
    plan = b.plan("copying", rules)
    b.selection(plan, "all", resources=[fs])
    frame = rule_destinations(_ctx(b, tmp_path))
    assert frame[["plan_id", "plan_name", "rule_name", "destination_vault_arn"]].values.tolist() == [
        [plan, "copying", "daily", to_b],
        [plan, "copying", "daily", to_east],
    ]
    assert frame[["account_id", "region", "dest_account", "dest_region", "dest_vault"]].values.tolist() == [
        [A, R, B, R, "central"],
        [A, R, A, "us-east-1", "dr"],
    ]


def test_latest_copy_jobs_of_a_sources_jobs_in_its_own_account_region_by_creation(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(A, [R, "us-east-1"])
    fs = b.efs("fs-0a")
    b.copy_job(
        fs,
        "EFS",
        _vault(B, "c"),
        job_id="j-late",
        created=COLLECTED_AT - DAY,
        state="FAILED",
        status_message="denied",
    )
    b.copy_job(fs, "EFS", _vault(A, "dr", "us-east-1"), job_id="j-early", created=COLLECTED_AT - 2 * DAY)
    b.copy_job(fs, "EFS", "not-a-vault-arn", job_id="j-same", created=COLLECTED_AT - DAY)
    b.copy_job(fs, "EFS", _vault(B, "c"), job_id="j-elsewhere", region="us-east-1")
    ctx = _ctx(b, tmp_path)
    src = pd.DataFrame({"account_id": [A], "region": [R], "arn": [fs], "rid": [0], "src": [fs]})
    jobs = latest_copy_jobs(ctx, src)
    assert jobs["job_id"].tolist() == ["j-early", "j-late", "j-same"], "by creation, then job id"
    assert jobs[["dest_account", "dest_region"]].values.tolist()[:2] == [[A, "us-east-1"], [B, R]]
    assert jobs[["dest_account", "dest_region"]].iloc[2].isna().all(), "not a vault ARN: no destination"
    assert jobs["state"].tolist() == ["COMPLETED", "FAILED", "COMPLETED"]
    assert jobs["status_message"].tolist()[1] == "denied"
    assert set(jobs["arn"]) == {fs} and set(jobs["account_id"]) == {A} and set(jobs["region"]) == {R}
    assert set(jobs["rid"]) == {0}, "each job carries its resource's id"
    assert list(jobs.columns) == [
        "account_id", "region", "arn", "job_id", "state", "status_message", "creation_date", "dest_account", "dest_region",
        "rid",
    ]  # fmt: skip


def test_latest_copy_jobs_without_any_job(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    src = pd.DataFrame({"account_id": [A], "region": [R], "arn": [fs], "rid": [0], "src": [fs]})
    jobs = latest_copy_jobs(_ctx(b, tmp_path), src)
    assert jobs.empty and list(jobs.columns) == [
        "account_id", "region", "arn", "job_id", "state", "status_message", "creation_date", "dest_account", "dest_region",
        "rid",
    ]  # fmt: skip


def test_copy_jobs_in_window_are_those_of_the_last_days_up_to_as_of(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    for name, age in (
        ("edge", 14 * DAY),
        ("old", 14 * DAY + timedelta(seconds=1)),
        ("new", timedelta(0)),
        ("mid", DAY),
    ):
        b.copy_job(fs, "EFS", _vault(B, "c"), job_id=name, created=COLLECTED_AT - age)
    b.copy_job(fs, "EFS", _vault(B, "c"), job_id="future", created=COLLECTED_AT + timedelta(seconds=1))
    assert sorted(copy_jobs_in_window(_ctx(b, tmp_path))["job_id"]) == ["edge", "mid", "new"]
    week = RuleSettings(job_window_days=7)
    assert sorted(copy_jobs_in_window(_ctx(b, tmp_path / "week", week))["job_id"]) == ["mid", "new"]


def test_organization_accounts_are_every_account_of_the_manifest(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.account(B, [R])
    b.assume_role_denied("333333333333")
    assert organization_accounts(_ctx(b, tmp_path)) == frozenset({A, B, "333333333333"})


def test_copy_controls_of_one_run_each_read_the_copy_jobs_of_their_own_scope(tmp_path: Path) -> None:
    """BKP-036 and BKP-037 share what they compute within a run, per scope: with different scopes
    each still sees the latest copy job of its own resources."""
    b = BundleBuilder()
    b.account(B, [R])
    b.vault("dr", account_id=B)
    fs = b.efs("fs-0data")
    table = b.dynamodb_table("orders")
    to_virginia, to_b = _vault(A, "dr", "us-east-1"), _vault(B, "dr")
    b.selection(
        b.plan("to-virginia", [{"CopyActions": [{"DestinationBackupVaultArn": to_virginia}]}]),
        "f",
        resources=[fs],
    )
    b.selection(
        b.plan("to-b", [{"CopyActions": [{"DestinationBackupVaultArn": to_b}]}]), "t", resources=[table]
    )
    b.recovery_point(table, "DynamoDB", vault="dr", account_id=B, created=COLLECTED_AT - 5 * DAY)
    b.copy_job(fs, "EFS", to_virginia, state="FAILED", created=COLLECTED_AT - DAY)
    b.copy_job(table, "DynamoDB", to_b, state="FAILED", created=COLLECTED_AT - DAY)
    controls = replace(
        Controls(),
        bkp_036=Control(CrossRegionParams(), scope=ControlScope(resource_types=("EFS",))),
        bkp_037=Control(CrossAccountParams(), scope=ControlScope(resource_types=("DynamoDB",))),
    )
    ctx = _ctx(b, tmp_path, RuleSettings(controls=controls))
    found = run_rules(ctx, [rules.get("BKP-036"), rules.get("BKP-037")]).findings
    assert [(f.rule_id, f.resource_arn, f.details["cause"]) for f in found] == [
        ("BKP-036", fs, "latest cross-Region copy job failed"),
        ("BKP-037", table, "latest cross-account copy job failed"),
    ]
    assert [f.details["copy_destinations"] for f in found] == [[to_virginia], [to_b]], "each its own plan's"


def test_with_failed_job_keeps_every_source_of_the_resources_with_a_failed_copy_job(tmp_path: Path) -> None:
    """All the sources of a resource one of whose sources has a FAILED copy job in the resource's
    own account-Region; nothing of the others."""
    b = BundleBuilder()
    b.account(A, [R, "us-east-1"])
    failed_fs, done_fs, elsewhere_fs = b.efs("fs-0failed"), b.efs("fs-0done"), b.efs("fs-0elsewhere")
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    b.copy_job(failed_fs, "EFS", _vault(B, "c"), state="FAILED")
    b.copy_job(done_fs, "EFS", _vault(B, "c"))
    b.copy_job(elsewhere_fs, "EFS", _vault(B, "c"), state="FAILED", region="us-east-1")
    b.copy_job(instance, "EC2", _vault(B, "c"), state="FAILED")
    ctx = _ctx(b, tmp_path)
    rows = [
        (failed_fs, failed_fs),
        (done_fs, done_fs),
        (elsewhere_fs, elsewhere_fs),
        (volume, volume),
        (volume, instance),
    ]
    src = pd.DataFrame(
        [{"account_id": A, "region": R, "arn": arn, "src": s} for arn, s in rows], index=[5, 6, 7, 8, 9]
    )
    kept = with_failed_job(ctx, src)
    assert kept.index.tolist() == [5, 8, 9] and list(kept.columns) == list(src.columns)
    b2 = BundleBuilder()
    fs = b2.efs("fs-0a")
    b2.copy_job(fs, "EFS", _vault(B, "c"))
    none = with_failed_job(_ctx(b2, tmp_path / "none"), src)
    assert none.empty and list(none.columns) == list(src.columns), "no failed job at all: no row"


def test_a_copy_job_without_a_destination_has_none(tmp_path: Path) -> None:
    """``DestinationBackupVaultArn`` is optional in botocore's ``CopyJob``: a job without it is
    kept, with no destination, and nothing fails."""
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    b.copy_job(fs, "EFS", _vault(B, "c"), job_id="j-bare", state="FAILED")
    path = b.build(tmp_path / "bundle")
    listing = path / "accounts" / A / R / "backup.ListCopyJobs.json"
    pages = json.loads(listing.read_text(encoding="utf-8"))
    del pages[0]["response"]["CopyJobs"][0]["DestinationBackupVaultArn"]
    listing.write_text(json.dumps(pages), encoding="utf-8")
    ctx = rule_context(read_bundle(path))
    src = pd.DataFrame({"account_id": [A], "region": [R], "arn": [fs], "rid": [0], "src": [fs]})
    jobs = latest_copy_jobs(ctx, src)
    assert jobs["job_id"].tolist() == ["j-bare"]
    assert jobs[["dest_account", "dest_region"]].iloc[0].isna().all()


def test_sources_are_the_resource_and_the_parent_it_is_backed_up_with(tmp_path: Path) -> None:
    """A volume backed up with its EC2 instance has the instance's ARN as a source too (its
    recovery points and copies are the instance's); a route that is not effective adds none."""
    b = BundleBuilder()
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    fs = b.efs("fs-0a")
    b.selection(b.plan("servers"), "by-arn", resources=[instance, fs])
    ctx = _ctx(b, tmp_path)
    got = sources(ctx, protected_in_scope(ctx, PROTECTION_OPS))
    assert sorted(map(tuple, got[["arn", "src"]].values.tolist())) == sorted(
        [(instance, instance), (volume, volume), (volume, instance), (fs, fs)]
    )
    assert set(got["account_id"]) == {A} and set(got["region"]) == {R}


def test_a_plan_whose_selection_is_not_effective_adds_no_copy_action(tmp_path: Path) -> None:
    """With the EFS opt-in off, a selection through tags is not effective: its plan's copy action
    is no destination of the file system, which only its exact ARN protects (an exact ARN needs no
    opt-in: reading A6 of docs/semantics-review.md)."""
    b = BundleBuilder()
    b.opt_in("EFS", False)
    fs = b.efs("fs-0a", tags={"copy": "yes"})
    b.selection(b.plan("exact"), "by-arn", resources=[fs])
    copying = b.plan("copying", [{"CopyActions": [{"DestinationBackupVaultArn": _vault(B, "c")}]}])
    b.selection(copying, "tagged", list_of_tags=[("copy", "yes")])
    ctx = _ctx(b, tmp_path)
    protected = protected_in_scope(ctx, PROTECTION_OPS)
    assert protected["arn"].tolist() == [fs]
    assert copy_actions(ctx, protected).empty
    b.opt_in("EFS", True)
    ctx = _ctx(b, tmp_path / "on")
    actions = copy_actions(ctx, protected_in_scope(ctx, PROTECTION_OPS))
    assert actions[["arn", "plan_name", "destination_vault_arn"]].values.tolist() == [
        [fs, "copying", _vault(B, "c")]
    ]


def test_copy_controls_that_need_different_evidence_judge_their_own_account_regions(tmp_path: Path) -> None:
    """BKP-036 needs ListCopyJobs, BKP-039 does not: where only the copy jobs could not be read,
    BKP-039 still judges the resources that BKP-036 leaves out, in another Region of the same
    account or in another account of the same Region."""
    for unread_jobs in ((A, "us-east-1"), (B, R)):
        b = BundleBuilder()
        b.account(A, [R, "us-east-1"])
        b.account(B, [R])
        made: dict[tuple[str, str], str] = {}
        for account, region in ((A, R), (A, "us-east-1"), (B, R)):
            fs = b.efs(f"fs-0{account[-1]}{region[-1]}", account_id=account, region=region)
            plan = b.plan("daily", account_id=account, region=region)
            b.selection(plan, "files", resources=[fs], account_id=account, region=region)
            made[account, region] = fs
        b.error("backup", "ListCopyJobs", account_id=unread_jobs[0], region=unread_jobs[1])
        ctx = _ctx(b, tmp_path / "-".join(unread_jobs))
        found = run_rules(ctx, [rules.get("BKP-036"), rules.get("BKP-039")]).findings
        judged = {
            r: sorted(f.resource_arn or "" for f in found if f.rule_id == r) for r in ("BKP-036", "BKP-039")
        }
        assert judged["BKP-039"] == sorted(made.values()), unread_jobs
        assert judged["BKP-036"] == sorted(fs for where, fs in made.items() if where != unread_jobs)
