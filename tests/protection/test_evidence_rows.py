"""The jobs and recovery points of the job window (``auditor.protection.evidence.evidence_rows``)
read in bulk, and :func:`backed_up`'s mapping of each resource's latest backup."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from auditor.evidence import Call, read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.protection.evidence import backed_up, compare, evidence_rows
from auditor.protection.resolver import resolve
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, BundleBuilder, plan_version_of, rule_id_of

RUN = COLLECTED_AT - timedelta(days=1)
HOUR = timedelta(hours=1)


def _inventory(b: BundleBuilder, tmp_path: Path) -> Inventory:
    return load_inventory(read_bundle(b.build(tmp_path / "bundle")))


def test_the_rows_read_in_bulk_in_time_order(tmp_path: Path) -> None:
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    table = b.dynamodb_table("orders")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[volume, table])
    rp = b.recovery_point(
        table,
        "DynamoDB",
        created=RUN - 2 * HOUR,
        plan_id=plan,
        plan_version=plan_version_of(plan),
        rule_id=rule_id_of(plan),
    )
    on_demand = b.job(volume, "EBS", created=RUN - HOUR)
    job = b.job(volume, "EBS", created=RUN, plan_id=plan, rule_id=rule_id_of(plan), state="RUNNING")
    b.job(volume, "EBS", created=COLLECTED_AT - timedelta(days=30), plan_id=plan)  # before the window
    rows = evidence_rows(_inventory(b, tmp_path), COLLECTED_AT, 14)
    assert len(rows) == len(rows.kind) == 3
    assert rows.kind.take() == ["recovery-point", "backup-job", "backup-job"]
    assert rows.id.take() == [rp, on_demand, job]
    assert rows.id.take([2, 0]) == [job, rp]
    assert rows.resource_arn.take(np.array([1, 0])) == [volume, table]
    assert rows.scheduled.dtype == np.bool_ and rows.scheduled.tolist() == [True, False, True]
    assert [rows.running(i) for i in range(3)] == [False, False, True]


def test_a_window_without_records_has_no_rows(tmp_path: Path) -> None:
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[volume])
    b.job(volume, "EBS", created=COLLECTED_AT - timedelta(days=30), plan_id=plan)  # before the window
    inv = _inventory(b, tmp_path)
    rows = evidence_rows(inv, COLLECTED_AT, 14)
    assert len(rows) == 0
    assert rows.scheduled.tolist() == [] and rows.kind.take() == [] and rows.state.take() == []
    assert compare(inv, resolve(inv), COLLECTED_AT, 14, rows) == ()
    assert dict(backed_up(inv, COLLECTED_AT, 14, rows)) == {}


def test_backed_up_maps_each_resource_to_its_latest_backup(tmp_path: Path) -> None:
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    table = b.dynamodb_table("orders")
    other = b.ebs_volume("vol-0failed")
    b.job(volume, "EBS", created=RUN - HOUR)
    latest = b.job(volume, "EBS", created=RUN)
    b.job(volume, "EBS", created=RUN + HOUR, state="FAILED")
    rp = b.recovery_point(table, "DynamoDB", created=RUN)
    b.job(other, "EBS", created=RUN, state="FAILED")
    done = backed_up(_inventory(b, tmp_path), COLLECTED_AT, 14)
    assert sorted(done) == sorted([volume, table]) and len(done) == 2
    assert {arn: e.id for arn, e in done.items()} == {volume: latest, table: rp}
    assert done.get(other) is None and done.get(other, "none") == "none"


def test_the_window_holds_both_of_its_ends(tmp_path: Path) -> None:
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    start = b.job(volume, "EBS", created=COLLECTED_AT - timedelta(days=14))
    end = b.job(volume, "EBS", created=COLLECTED_AT)
    b.job(volume, "EBS", created=COLLECTED_AT - timedelta(days=14, microseconds=1))
    b.job(volume, "EBS", created=COLLECTED_AT + timedelta(microseconds=1))
    rows = evidence_rows(_inventory(b, tmp_path), COLLECTED_AT, 14)
    assert rows.id.take() == [start, end]


def test_records_of_the_same_time_are_ordered_by_id_however_many(tmp_path: Path) -> None:
    """Twenty jobs at two times, their ids alternating between the times: time first, then id."""
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    for n in range(20):
        b.job(volume, "EBS", created=RUN + (HOUR if n % 2 == 0 else timedelta(0)), job_id=f"job-{n:02d}")
    rows = evidence_rows(_inventory(b, tmp_path), COLLECTED_AT, 14)
    odd, even = [f"job-{n:02d}" for n in range(1, 20, 2)], [f"job-{n:02d}" for n in range(0, 20, 2)]
    assert rows.id.take() == odd + even


def test_records_nanoseconds_apart_are_ordered_by_time_not_by_id(tmp_path: Path) -> None:
    """A bundle's timestamps may carry nanoseconds (ISO 8601 with nine decimals): ``job-b``,
    100 ns older than ``job-a``, comes first."""
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    jobs = [
        {
            "AccountId": DEFAULT_ACCOUNT,
            "BackupJobId": job_id,
            "BackupVaultName": "Default",
            "ResourceArn": volume,
            "CreationDate": created,
            "State": "COMPLETED",
            "ResourceType": "EBS",
        }
        for job_id, created in (
            ("job-b", "2026-11-19T06:00:00.000000000+00:00"),
            ("job-a", "2026-11-19T06:00:00.000000100+00:00"),
        )
    ]
    since = (COLLECTED_AT - timedelta(days=14)).isoformat()
    b.raw_calls("backup", "ListBackupJobs", [Call({"ByCreatedAfter": since}, {"BackupJobs": jobs})])
    rows = evidence_rows(_inventory(b, tmp_path), COLLECTED_AT, 14)
    assert rows.id.take() == ["job-b", "job-a"]
    assert rows.ns[1] - rows.ns[0] == 100


def test_each_column_takes_in_bulk_the_cells_it_gives_one_by_one(tmp_path: Path) -> None:
    """On-demand records (no ``CreatedBy``) among scheduled ones: ``take`` gives every column's
    cells as indexing one row at a time does, a missing plan id as ``""``, a missing plan
    version or rule id as None."""
    b = BundleBuilder()
    volume = b.ebs_volume("vol-0a")
    table = b.dynamodb_table("orders")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[volume, table])
    b.recovery_point(table, "DynamoDB", created=RUN - 2 * HOUR)
    b.job(volume, "EBS", created=RUN - HOUR, state="RUNNING")
    b.job(
        volume, "EBS", created=RUN, plan_id=plan, plan_version=plan_version_of(plan), rule_id=rule_id_of(plan)
    )
    rows = evidence_rows(_inventory(b, tmp_path), COLLECTED_AT, 14)
    columns = {
        "kind": rows.kind,
        "id": rows.id,
        "plan_id": rows.plan_id,
        "plan_version": rows.plan_version,
        "rule_id": rows.rule_id,
        "resource_arn": rows.resource_arn,
        "state": rows.state,
        "account_id": rows.account_id,
        "region": rows.region,
    }
    for name, column in columns.items():
        assert column.take() == [column[i] for i in range(len(rows))], name
        assert column.take([2, 0]) == [column[2], column[0]], name
    assert rows.plan_id.take() == ["", "", plan]
    assert rows.plan_id.take(np.array([1])) == [""]
    assert rows.plan_version.take() == [None, None, plan_version_of(plan)]
    assert rows.rule_id.take() == [None, None, rule_id_of(plan)]
    assert rows.state.take() == ["COMPLETED", "RUNNING", "COMPLETED"]
    assert rows.account_id.take() == [DEFAULT_ACCOUNT] * 3
