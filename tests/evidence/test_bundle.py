"""Evidence bundle writer/reader: the on-disk contract (docs/evidence-bundle.md)."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from auditor.errors import BundleError
from auditor.evidence import (
    AccountEntry,
    BundleWriter,
    Call,
    CollectionError,
    Manifest,
    OrganizationInfo,
    ToolInfo,
    read_bundle,
)

ACCT = "222222222222"


def _manifest(errors: tuple[CollectionError, ...] = ()) -> Manifest:
    return Manifest(
        collected_at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
        tool=ToolInfo("backup-auditor", "0.1.0"),
        organization=OrganizationInfo("o-abc123", "111111111111"),
        accounts=(AccountEntry(ACCT, "prod", "ACTIVE", ("us-east-1", "eu-west-1")),),
        errors=errors,
    )


def test_round_trip_plain_and_gzip(tmp_path: Path) -> None:
    for compress in (False, True):
        target = tmp_path / f"b{compress}"
        tz_plus2 = timezone(timedelta(hours=2))
        with BundleWriter(target, compress=compress) as w:
            w.write_calls(
                ACCT,
                "us-east-1",
                "backup",
                "ListBackupPlans",
                [
                    Call(
                        {},
                        {
                            "BackupPlansList": [
                                {
                                    "BackupPlanId": "p1",
                                    "CreationDate": datetime(2026, 1, 1, 8, tzinfo=tz_plus2),
                                }
                            ],
                            "NextToken": "should-go",
                            "ResponseMetadata": {"RequestId": "x"},
                        },
                    )
                ],
            )
            w.write_calls(None, None, "organizations", "ListAccounts", [Call({}, {"Accounts": []})])
            w.commit(_manifest())
        suffix = ".json.gz" if compress else ".json"
        assert (target / "accounts" / ACCT / "us-east-1" / f"backup.ListBackupPlans{suffix}").is_file()
        bundle = read_bundle(target)
        assert bundle.manifest.organization == OrganizationInfo("o-abc123", "111111111111")
        calls = bundle.calls(ACCT, "us-east-1", "backup", "ListBackupPlans")
        assert calls is not None and len(calls) == 1
        # pagination tokens and ResponseMetadata are dropped; timestamps become UTC ISO strings
        assert calls[0].response == {
            "BackupPlansList": [{"BackupPlanId": "p1", "CreationDate": "2026-01-01T06:00:00+00:00"}]
        }
        assert bundle.calls(ACCT, "eu-west-1", "backup", "ListBackupPlans") is None
        org = bundle.org_calls("organizations", "ListAccounts")
        assert org is not None and org[0].response == {"Accounts": []}
        listed = {(a, r, s, o) for a, r, s, o, _ in bundle.iter_files()}
        assert listed == {
            (ACCT, "us-east-1", "backup", "ListBackupPlans"),
            (None, None, "organizations", "ListAccounts"),
        }


def test_manifest_round_trip_keeps_errors_and_unknown_members(tmp_path: Path) -> None:
    err = CollectionError("333333333333", None, "sts", "AssumeRole", "AccessDenied", "no")
    with BundleWriter(tmp_path / "b") as w:
        w.commit(_manifest((err,)))
    data = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert data["collected_at"] == "2026-11-20T06:00:00+00:00"
    data["future_member"] = {"x": 1}
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(data))
    m = read_bundle(tmp_path / "b").manifest
    assert m.errors == (err,)
    assert m.extra == {"future_member": {"x": 1}}
    assert m.to_json()["future_member"] == {"x": 1}


def test_manifest_unavailable_services_round_trip_and_are_written_only_when_any(tmp_path: Path) -> None:
    with BundleWriter(tmp_path / "none") as w:
        w.commit(_manifest())
    assert "unavailable" not in json.loads((tmp_path / "none" / "manifest.json").read_text())
    assert read_bundle(tmp_path / "none").manifest.unavailable == ()
    gone = (("timestream-write", "eu-west-2"), ("timestream-write", "sa-east-1"))
    with BundleWriter(tmp_path / "some") as w:
        w.commit(replace(_manifest(), unavailable=gone))
    data = json.loads((tmp_path / "some" / "manifest.json").read_text())
    assert data["unavailable"] == [
        {"service": "timestream-write", "region": "eu-west-2"},
        {"service": "timestream-write", "region": "sa-east-1"},
    ]
    m = read_bundle(tmp_path / "some").manifest
    assert m.unavailable == gone and m.extra == {}


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ({"x": 1}, "member 'unavailable' must be a list"),
        (["timestream-write"], "member 'unavailable[0]' must be an object"),
        ([{"service": "timestream-write"}], "missing member 'unavailable[0].region'"),
        ([{"service": "timestream-write", "region": 3}], "member 'unavailable[0].region' must be str"),
    ],
)
def test_bad_unavailable_member_names_the_file(tmp_path: Path, member: object, message: str) -> None:
    with BundleWriter(tmp_path / "b") as w:
        w.commit(_manifest())
    path = tmp_path / "b" / "manifest.json"
    data = json.loads(path.read_text())
    data["unavailable"] = member
    path.write_text(json.dumps(data))
    with pytest.raises(BundleError) as info:
        read_bundle(tmp_path / "b")
    assert message in str(info.value) and str(path) in str(info.value)


def test_interrupted_write_leaves_no_complete_looking_target(tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    with pytest.raises(RuntimeError, match="interrupted"), BundleWriter(target) as w:
        w.write_calls(ACCT, "us-east-1", "backup", "ListBackupVaults", [Call({}, {"BackupVaultList": []})])
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # staging directory removed too


def test_aborted_write_removes_the_parents_it_created(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "bundle"
    with BundleWriter(target):
        assert (tmp_path / "new" / "deeper").is_dir()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "other.txt").write_text("x")
    with BundleWriter(tmp_path / "keep" / "sub" / "bundle"):
        pass
    assert sorted(p.name for p in (tmp_path / "keep").iterdir()) == ["other.txt"]


def test_existing_target_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    with BundleWriter(target) as w:
        w.commit(_manifest())
    with pytest.raises(BundleError, match="already exists"):
        BundleWriter(target)
    with BundleWriter(target, force=True) as w:
        w.write_calls(ACCT, "us-east-1", "rds", "DescribeDBInstances", [Call({}, {"DBInstances": []})])
        w.commit(_manifest())
    assert read_bundle(target).has(ACCT, "us-east-1", "rds", "DescribeDBInstances")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_same_file_twice_is_a_bug(tmp_path: Path) -> None:
    with BundleWriter(tmp_path / "b") as w:
        w.write_calls(ACCT, "us-east-1", "ec2", "DescribeVolumes", [])
        with pytest.raises(RuntimeError, match="written twice"):
            w.write_calls(ACCT, "us-east-1", "ec2", "DescribeVolumes", [])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "manifest.json: missing"),
        ("{not json", "malformed JSON"),
        ('{"format": "something-else", "version": 1}', "unknown format 'something-else'"),
        ('{"format": "backup-auditor-evidence", "version": 7}', "unsupported version 7"),
        (
            '{"format": "backup-auditor-evidence", "version": 1, "collected_at": "yesterday", "accounts": []}',
            "not an ISO 8601 timestamp",
        ),
        (
            '{"format": "backup-auditor-evidence", "version": 1, '
            '"collected_at": "2026-11-20T06:00:00+00:00", "accounts": {}}',
            "member 'accounts' must be list",
        ),
        (
            '{"format": "backup-auditor-evidence", "version": 1, '
            '"collected_at": "2026-11-20T06:00:00+00:00", "accounts": [{"id": "1", "regions": "x"}]}',
            "accounts[0].regions",
        ),
    ],
)
def test_bad_manifest_errors_name_the_file(tmp_path: Path, content: str | None, message: str) -> None:
    root = tmp_path / "b"
    root.mkdir()
    if content is not None:
        (root / "manifest.json").write_text(content)
    with pytest.raises(BundleError) as info:
        read_bundle(root)
    assert message in str(info.value)
    assert str(root / "manifest.json") in str(info.value)


def test_bad_operation_file_errors_name_the_file(tmp_path: Path) -> None:
    with BundleWriter(tmp_path / "b") as w:
        w.commit(_manifest())
    region_dir = tmp_path / "b" / "accounts" / ACCT / "us-east-1"
    region_dir.mkdir(parents=True)
    bad = region_dir / "backup.ListBackupPlans.json"
    bundle = read_bundle(tmp_path / "b")
    for content, message in [
        ("[{", "malformed JSON"),
        ('{"params": {}}', "expected a JSON array"),
        ('[{"params": {}, "response": []}]', "'response' must be an object"),
    ]:
        bad.write_text(content)
        with pytest.raises(BundleError) as info:
            bundle.calls(ACCT, "us-east-1", "backup", "ListBackupPlans")
        assert message in str(info.value) and str(bad) in str(info.value)
    bad.unlink()
    packed = region_dir / "backup.ListBackupPlans.json.gz"
    packed.write_bytes(b"not gzip at all")
    with pytest.raises(BundleError, match="cannot read"):
        bundle.calls(ACCT, "us-east-1", "backup", "ListBackupPlans")
    packed.write_bytes(gzip.compress(b'[{"params": {}, "response": {"BackupPlansList": []}}]'))
    assert bundle.calls(ACCT, "us-east-1", "backup", "ListBackupPlans") == [Call({}, {"BackupPlansList": []})]


def test_missing_or_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no such bundle directory"):
        read_bundle(tmp_path / "nope")
    f = tmp_path / "file.json"
    f.write_text("{}")
    with pytest.raises(BundleError, match="not a directory"):
        read_bundle(f)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_every_readable_bundle_version_is_read_and_keep_their_version(tmp_path: Path, version: int) -> None:
    root = tmp_path / "b"
    root.mkdir()
    (root / "manifest.json").write_text(
        json.dumps(
            {
                "format": "backup-auditor-evidence",
                "version": version,
                "collected_at": "2026-11-20T06:00:00+00:00",
                "accounts": [],
            }
        )
    )
    assert read_bundle(root).manifest.version == version


@pytest.mark.parametrize("version", [0, 4, True, "2"])
def test_other_bundle_versions_are_refused_naming_the_readable_ones(tmp_path: Path, version: object) -> None:
    root = tmp_path / "b"
    root.mkdir()
    (root / "manifest.json").write_text(json.dumps({"format": "backup-auditor-evidence", "version": version}))
    with pytest.raises(BundleError, match=r"unsupported version .* \(this tool reads versions 1, 2, 3\)"):
        read_bundle(root)
