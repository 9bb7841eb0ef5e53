"""The loading API (``auditor.model.loading``) and the service loaders it walks."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import BundleError
from auditor.evidence import Call, read_bundle
from auditor.model import frames, loading, rows
from auditor.model.frames import load_inventory
from auditor.model.loading import BundleFiles, Context, RegionContext, Sinks, partition_of
from auditor.model.rows import ClusterMemberRow, ResourceRow
from auditor.services import (
    SERVICES,
    Scope,
    backup,
    backup_gateway,
    cloudformation,
    dlm,
    dynamodb,
    ec2,
    efs,
    fsx,
    organizations,
    rbin,
    rds,
    redshift,
    redshift_serverless,
    s3,
    ssm_sap,
    storagegateway,
    timestream_write,
)
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def _context(b: BundleBuilder, tmp_path: Path) -> RegionContext:
    return RegionContext(BundleFiles(read_bundle(b.build(tmp_path / "bundle"))), Sinks(), A, R)


@pytest.mark.parametrize(
    ("sink", "columns"),
    [
        ("opt_in", frames.SETTING_COLUMNS),
        ("management", frames.SETTING_COLUMNS),
        ("plans", frames.PLAN_COLUMNS),
        ("plan_rules", frames.PLAN_RULE_COLUMNS),
        ("selections", frames.SELECTION_COLUMNS),
        ("vaults", frames.VAULT_COLUMNS),
        ("recovery_points", frames.RECOVERY_POINT_COLUMNS),
        ("jobs", frames.JOB_COLUMNS),
        ("resources", frames.RESOURCE_COLUMNS),
        ("cluster_members", frames.CLUSTER_MEMBER_COLUMNS),
        ("stack_members", ("arn", "account_id", "region", "stack_arn")),
        ("rbin_rules", frames.RBIN_COLUMNS),
        ("policies", frames.POLICY_COLUMNS),
    ],
)
def test_row_fields_are_the_frame_columns(sink: str, columns: tuple[str, ...]) -> None:
    assert getattr(Sinks(), sink).columns == columns


def test_resource_rows_follow_the_order_of_services_not_of_the_bundle(tmp_path: Path) -> None:
    b = BundleBuilder()
    # Added in the reverse of the load order: the frame's order comes from the walk.
    ebs = b.ebs_volume("vol-1")
    ec2_arn = b.ec2_instance("i-1")
    volume = b.fsx_volume("fs-ontap", "fsvol-1")
    ontap = b.fsx_file_system("fs-ontap", kind="ONTAP")
    lustre = b.fsx_file_system("fs-lus", kind="LUSTRE")
    efs_arn = b.efs("fs-efs")
    table = b.dynamodb_table("t")
    instance = b.rds_instance("db1")
    cluster = b.rds_cluster("aur", engine="aurora-mysql")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    assert inv.resources["arn"].tolist() == [cluster, instance, table, efs_arn, lustre, volume, ec2_arn, ebs]
    assert ontap not in set(inv.resources["arn"])


def test_loaders_are_walked_in_service_order_and_the_organization_once() -> None:
    regional, organization = frames._REGION_LOADERS, frames._ORGANIZATION_LOADERS
    assert regional == (
        backup.load,
        rds.load,
        dynamodb.load,
        efs.load,
        fsx.load,
        dlm.load,  # backups made outside AWS Backup: before ec2, whose loader reads its policies
        ec2.load,
        s3.load,
        redshift.load,
        cloudformation.load,
        timestream_write.load,
        redshift_serverless.load,
        storagegateway.load,
        backup_gateway.load,
        ssm_sap.load,
        rbin.load,
    )
    assert organization == (organizations.load, backup.load_organization)


def test_every_service_with_regional_operations_has_a_loader() -> None:
    for service in SERVICES:
        if any(op.scope is Scope.REGIONAL for op in service.operations):
            assert service.loader is not None, service.name


def test_a_service_loader_runs_on_its_own_and_adds_typed_rows(tmp_path: Path) -> None:
    b = BundleBuilder()
    cluster = b.rds_cluster("aur", engine="aurora-postgresql", member_instances=1)
    ctx = _context(b, tmp_path)
    rds.load(ctx)
    (row,) = ctx.out.resources.rows
    assert isinstance(row, ResourceRow)
    assert (row.arn, row.resource_type, row.engine, row.name) == (
        cluster,
        "Aurora",
        "aurora-postgresql",
        "aur",
    )
    (member,) = ctx.out.cluster_members.rows
    assert isinstance(member, ClusterMemberRow)
    assert member.cluster_arn == cluster
    assert set(ctx.present) == {"rds.DescribeDBClusters", "rds.DescribeDBInstances"}
    assert ctx.out.plans.rows == []  # other services' sinks untouched


def test_each_records_present_files_and_listed_counts(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.dynamodb_table("a")
    b.dynamodb_table("b")
    b.omit("dynamodb", "ListTagsOfResource")
    b.omit("dynamodb", "ListBackups")
    ctx = _context(b, tmp_path)
    dynamodb.load(ctx)
    assert ctx.present == {
        "dynamodb.ListTables": 2,
        "dynamodb.DescribeContinuousBackups": None,
        "dynamodb.DescribeTable": None,
    }
    called: list[int] = []
    assert ctx.each("dynamodb.ListTagsOfResource", lambda c, src, call: called.append(src)) is False
    assert called == []


def test_each_maps_a_shape_error_to_a_bundle_error_naming_file_and_call(tmp_path: Path) -> None:
    b = BundleBuilder()
    good = Call({}, {"Rules": []})
    bad = Call({}, {"Rules": [{"Identifier": 5}]})
    b.raw_calls("rbin", "ListRules", [good, bad])
    ctx = _context(b, tmp_path)
    with pytest.raises(BundleError) as info:
        rbin.load(ctx)
    assert info.value.path.name == "rbin.ListRules.json"
    assert info.value.problem == "call [1]: member 'Rules[0].Identifier' must be a string, found int"


def test_listed_vault_with_a_bad_member_names_the_listing_file(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.raw_calls(
        "backup",
        "ListBackupVaults",
        [Call({}, {"BackupVaultList": [{"BackupVaultName": "v", "Locked": "no"}]})],
    )
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    assert info.value.path.name == "backup.ListBackupVaults.json"
    assert info.value.problem == "member 'BackupVaultList[0].Locked' must be a boolean, found str"


def test_state_is_one_instance_per_context(tmp_path: Path) -> None:
    files = BundleFiles(read_bundle(BundleBuilder().build(tmp_path / "bundle")))
    out = Sinks()
    first, second = RegionContext(files, out, A, R), RegionContext(files, out, A, "eu-west-1")
    assert first.state(dict) is first.state(dict)
    assert first.state(dict) is not second.state(dict)


def test_organization_context_reads_organization_files(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {}})
    ctx = Context(BundleFiles(read_bundle(b.build(tmp_path / "bundle"))), Sinks(), None, None)
    organizations.load(ctx)
    assert [tuple(r) for r in ctx.out.policies.rows] == [(A, {"plans": {}})]


def test_a_plain_file_beside_its_gzip_copy_is_refused(tmp_path: Path) -> None:
    """An operation is stored once (docs/evidence-bundle.md): both forms are bad input naming the file."""
    b = BundleBuilder()
    b.efs("fs-plain")
    path = b.build(tmp_path / "bundle")
    plain = path / "accounts" / A / R / "efs.DescribeFileSystems.json"
    gz = plain.with_name(plain.name + ".gz")
    gz.write_bytes(gzip.compress(b'[{"params": {}, "response": {"FileSystems": []}}]'))
    with pytest.raises(BundleError, match=r"efs\.DescribeFileSystems\.json is there too"):
        BundleFiles(read_bundle(path)).path(A, R, "efs.DescribeFileSystems")


@pytest.mark.parametrize(
    ("region", "partition"), [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_partition_of(region: str, partition: str) -> None:
    assert partition_of(region) == partition


def test_a_bad_timestamp_names_the_file_of_its_own_account_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(A, [R, "eu-west-1"])
    b.recovery_point("arn:aws:ec2:eu-west-1:1:volume/vol-1", "EBS", region=R)
    b.raw_calls(
        "backup",
        "ListRecoveryPointsByBackupVault",
        [
            Call(
                {"BackupVaultName": "v"},
                {
                    "RecoveryPoints": [
                        {"RecoveryPointArn": "a"},
                        {"RecoveryPointArn": "b", "CreationDate": "soon"},
                    ]
                },
            )
        ],
        region="eu-west-1",
    )
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    assert info.value.path.parent.name == "eu-west-1"
    assert info.value.path.name == "backup.ListRecoveryPointsByBackupVault.json"
    assert info.value.problem == "creation_date: not an ISO 8601 timestamp of the years 1677 to 2262: 'soon'"


@pytest.mark.parametrize(
    "stamp", ["3000-01-01T00:00:00+00:00", "1500-06-01T00:00:00Z", "2262-04-12T00:00:00+00:00"]
)
def test_a_timestamp_outside_the_nanosecond_years_names_its_file(tmp_path: Path, stamp: str) -> None:
    """pandas reads such a year at a coarser unit; the frames hold nanoseconds: exit 2 naming the
    file (BundleError), never an OutOfBoundsDatetime traceback."""
    b = BundleBuilder()
    b.account(A, [R])
    b.raw_calls(
        "backup",
        "ListRecoveryPointsByBackupVault",
        [
            Call(
                {"BackupVaultName": "v"},
                {"RecoveryPoints": [{"RecoveryPointArn": "a", "CreationDate": stamp}]},
            )
        ],
        region=R,
    )
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    assert info.value.path.name == "backup.ListRecoveryPointsByBackupVault.json"
    assert (
        info.value.problem == f"creation_date: not an ISO 8601 timestamp of the years 1677 to 2262: {stamp!r}"
    )


@pytest.mark.parametrize(
    ("make", "cls"),
    [
        (rows.resource_row, ResourceRow),
        (rows.recovery_point_row, rows.RecoveryPointRow),
        (rows.plan_rule_row, rows.PlanRuleRow),
        (rows.coverage_row, rows.CoverageRow),
    ],
)
def test_row_constructors_make_the_class_with_its_defaults(
    make: Callable[..., tuple[object, ...]], cls: Any
) -> None:
    required = [f for f in cls._fields if f not in cls._field_defaults]
    values = {f: f"v-{f}" for f in required}
    made, direct = make(**values), cls(**values)
    assert type(made) is cls
    assert repr(made) == repr(direct)  # NaN defaults compare unequal; the repr shows them alike
    with pytest.raises(TypeError):
        make(**{**values, "not_a_column": 1})


def _many_recovery_points(b: BundleBuilder, vault: str, n: int, bad: int | None = None) -> None:
    rps = [
        {
            "RecoveryPointArn": f"arn:aws:backup:{R}:{A}:recovery-point:{vault}-{i}",
            "ResourceArn": f"arn:aws:ec2:{R}:{A}:volume/vol-{i % 2}",
            "Status": "COMPLETED",
            "CreationDate": "yesterday" if i == bad else f"2026-11-0{1 + i % 9}T06:00:00.{i:06d}+02:00",
            "BackupSizeInBytes": i if i % 3 else None,
            "IsEncrypted": i % 2 == 0,
        }
        for i in range(n)
    ]
    b.raw_calls(
        "backup",
        "ListRecoveryPointsByBackupVault",
        [Call({"BackupVaultName": vault}, {"RecoveryPoints": rps})],
    )


def test_sinks_past_their_flush_size_build_the_same_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows move into column stores every FLUSH_ROWS rows: the frame is the one of the rows."""
    b = BundleBuilder()
    _many_recovery_points(b, "v", 7)
    path = b.build(tmp_path / "bundle")
    whole = load_inventory(read_bundle(path)).recovery_points
    monkeypatch.setattr(loading, "FLUSH_ROWS", 2)
    chunked = load_inventory(read_bundle(path)).recovery_points
    pd.testing.assert_frame_equal(whole, chunked, check_exact=True)
    assert len(chunked) == 7
    assert str(chunked["creation_date"].dtype) == "datetime64[ns, UTC]"
    assert chunked["creation_date"].iloc[3] == pd.Timestamp("2026-11-04T04:00:00.000003", tz="UTC")
    assert chunked["backup_size_bytes"].isna().tolist() == [i % 3 == 0 for i in range(7)]
    assert chunked["is_encrypted"].tolist() == [i % 2 == 0 for i in range(7)]
    # a repeated string is kept once
    arns = chunked["resource_arn"].tolist()
    assert arns[0] is arns[2] is arns[4] and arns[0] == arns[4]


def test_a_bad_timestamp_past_the_flush_size_names_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = BundleBuilder()
    _many_recovery_points(b, "v", 5, bad=4)
    path = b.build(tmp_path / "bundle")
    monkeypatch.setattr(loading, "FLUSH_ROWS", 2)
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(path))
    assert info.value.path.name == "backup.ListRecoveryPointsByBackupVault.json"
    assert (
        info.value.problem
        == "creation_date: not an ISO 8601 timestamp of the years 1677 to 2262: 'yesterday'"
    )


def test_sink_src_runs_and_rows() -> None:
    sink = Sinks().recovery_points
    sink.extend(3, [rows.recovery_point_row(A, R, "v", "a"), rows.recovery_point_row(A, R, "v", "b")])
    sink.add(5, rows.recovery_point_row(A, R, "v", "c"))
    sink.extend(5, [])
    sink.add(3, rows.recovery_point_row(A, R, "v", "d"))
    assert len(sink) == 4
    assert [sink.src_of(i) for i in range(4)] == [3, 3, 5, 3]
    assert [r.recovery_point_arn for r in sink.rows] == ["a", "b", "c", "d"]
    sink.flush()
    assert sink.values("recovery_point_arn") == ["a", "b", "c", "d"]
    assert sink.values("is_encrypted") == [False] * 4


def test_sink_extend_tuples_names_its_rows() -> None:
    sink = Sinks().jobs
    plain = tuple(rows.job_row(A, R, "j1"))
    sink.extend_tuples(2, [plain, plain])
    sink.extend_tuples(2, [])
    assert len(sink) == 2 and sink.src_of(1) == 2
    assert [type(r) for r in sink.rows] == [rows.JobRow, rows.JobRow]
    assert sink.rows[0].job_id == "j1"


_TIMES = st.sampled_from(
    [
        "2026-11-20T00:00:00+00:00",
        "2026-11-20T01:00:00.123456+02:00",
        "2026-11-20T00:00:00Z",
        "2026-11-20T00:00:00.000001234Z",
        "2026-11-20",
        "yesterday",
        "",
        "2026-13-01T00:00:00Z",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | _TIMES | st.text(max_size=4), min_size=1, max_size=40))
def test_time_columns_parse_repeated_values_once_with_the_same_result(values: list[str | None]) -> None:
    """A chunk whose values repeat parses each distinct one once: the same nanoseconds, and the
    same first bad value, as parsing every value."""
    column = rows.RecoveryPointRow._fields.index("creation_date")
    repeated = values * 3
    sink = Sinks().recovery_points
    out = sink._parse_times(column, 10, tuple(repeated))
    reference = Sinks().recovery_points
    expected = reference._parse_distinct(column, 10, tuple(repeated))
    assert out.tolist() == expected.tolist()
    assert sink._bad == reference._bad
    parsed = pd.to_datetime(pd.Series(repeated, dtype=object), utc=True, errors="coerce", format="ISO8601")
    assert (
        out.tolist() == parsed.astype("datetime64[ns, UTC]").to_numpy("datetime64[ns]").view("int64").tolist()
    )


def test_a_bad_item_past_the_flush_size_is_named_by_its_index_in_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk items are read FLUSH_ROWS at a time; an error names the item's index in its call."""
    b = BundleBuilder()
    rps: list[dict[str, object]] = [{"RecoveryPointArn": f"rp-{i}", "Status": "COMPLETED"} for i in range(5)]
    rps[3]["Status"] = 7
    b.raw_calls(
        "backup", "ListRecoveryPointsByBackupVault", [Call({"BackupVaultName": "v"}, {"RecoveryPoints": rps})]
    )
    path = b.build(tmp_path / "bundle")
    monkeypatch.setattr(loading, "FLUSH_ROWS", 2)
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(path))
    assert info.value.problem == "call [0]: member 'RecoveryPoints[3].Status' must be a string, found int"


def test_a_column_of_one_value_keeps_one_instance_of_it() -> None:
    """A chunk whose column holds one value throughout (equal strings, distinct objects) stores the
    memo's instance in every row, as a chunk of mixed values does."""
    sinks = Sinks()
    vault = "".join(["prod-", "vault"])  # a string equal to, not the same object as, the literal
    sink = sinks.recovery_points
    sink.extend_tuples(1, [tuple(rows.recovery_point_row(A, R, "prod-vault", f"rp-{i}")) for i in range(3)])
    sink.extend_tuples(1, [tuple(rows.recovery_point_row(A, R, vault, "rp-3"))])
    sink.flush()
    mixed = sinks.jobs
    mixed.extend_tuples(1, [tuple(rows.job_row(A, R, "j", vault_name=v)) for v in (vault, "other", vault)])
    mixed.flush()
    names = sink.values("vault_name")
    assert names == ["prod-vault"] * 4
    assert all(n is names[0] for n in names)
    assert mixed.values("vault_name") == ["prod-vault", "other", "prod-vault"]
    assert mixed.values("vault_name")[0] is names[0]
    mixed.extend_tuples(1, [tuple(rows.job_row(A, R, "j"))] * 2)  # a chunk of None throughout
    mixed.flush()
    assert mixed.values("vault_name")[-2:] == [None, None]
