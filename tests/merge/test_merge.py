"""merge_bundles / `backup-auditor merge`: shard bundles combined, conflicts named, nothing half-written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.cli import main
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
from auditor.evidence.manifest import BUNDLE_VERSION
from auditor.evidence.merge import (
    FAILED_SHARD_OPERATION,
    MERGE_MEMBER,
    FailedShard,
    merge_bundles,
)

ORG = OrganizationInfo("o-abc123", "111111111111")
A1 = AccountEntry("222222222222", "prod", "ACTIVE", ("us-east-1",))
A2 = AccountEntry("333333333333", "dev", "ACTIVE", ("us-east-1", "eu-west-1"))
A3 = AccountEntry("444444444444", "sandbox", "ACTIVE", ("us-east-1",))


def _plans(account: str, plan: str) -> list[Call]:
    return [Call({}, {"BackupPlansList": [{"BackupPlanId": plan, "BackupPlanArn": f"arn:{account}:{plan}"}]})]


def _effective(account: str) -> Call:
    return Call(
        {"PolicyType": "BACKUP_POLICY", "TargetId": account},
        {"EffectivePolicy": {"PolicyContent": "{}", "TargetId": account}},
    )


def _shard(
    path: Path,
    accounts: tuple[AccountEntry, ...],
    *,
    at: datetime,
    org: OrganizationInfo | None = ORG,
    errors: tuple[CollectionError, ...] = (),
    compress: bool = False,
    extra: dict[str, object] | None = None,
    plan_suffix: str = "",
    unavailable: tuple[tuple[str, str], ...] = (),
) -> Path:
    with BundleWriter(path, compress=compress) as w:
        w.write_calls(
            None,
            None,
            "organizations",
            "DescribeOrganization",
            [Call({}, {"Organization": {"Id": "o-abc123"}})],
        )
        w.write_calls(
            None, None, "organizations", "DescribeEffectivePolicy", [_effective(a.id) for a in accounts]
        )
        for a in accounts:
            for r in a.regions:
                w.write_calls(a.id, r, "backup", "ListBackupPlans", _plans(a.id, f"plan-{r}{plan_suffix}"))
        w.commit(
            Manifest(
                collected_at=at,
                tool=ToolInfo("backup-auditor", "0.1.0"),
                organization=org,
                accounts=accounts,
                errors=errors,
                extra=extra or {},
                unavailable=unavailable,
            )
        )
    return path


T1 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 20, 6, 7, tzinfo=UTC)


def _file_set(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_merge_combines_accounts_files_errors_and_times(tmp_path: Path) -> None:
    err1 = CollectionError(A1.id, "us-east-1", "rds", "DescribeDBInstances", "AccessDenied", "no")
    err_org = CollectionError(None, None, "organizations", "ListPolicies", "AccessDenied", "no")
    s0 = _shard(
        tmp_path / "s0",
        (A1,),
        at=T2,
        errors=(err1, err_org),
        extra={"shard": {"i": 0}, "note": "x", "skipped": [{"id": "1"}, {"id": "2"}]},
    )
    s1 = _shard(
        tmp_path / "s1",
        (A2,),
        at=T1,
        errors=(err_org,),
        extra={"shard": {"i": 1}, "note": "x", "skipped": [{"id": "2"}, {"id": "3"}]},
    )

    manifest = merge_bundles([s0, s1], tmp_path / "merged")

    merged = read_bundle(tmp_path / "merged")
    assert merged.manifest == manifest
    assert [a.id for a in manifest.accounts] == [A1.id, A2.id]
    assert manifest.accounts[1].regions == ("us-east-1", "eu-west-1")
    assert manifest.organization == ORG
    assert manifest.collected_at == T1  # earliest
    assert manifest.errors == (err1, err_org)  # concatenated, the exact duplicate kept once
    info = manifest.extra[MERGE_MEMBER]
    assert info["collected_at_range"] == [T1.isoformat(), T2.isoformat()]
    assert [i["accounts"] for i in info["inputs"]] == [[A1.id], [A2.id]]
    assert manifest.extra["note"] == "x"  # agreed by all inputs
    assert "shard" not in manifest.extra  # differs between inputs: only under merge.inputs
    assert [i["extra"]["shard"] for i in info["inputs"]] == [{"i": 0}, {"i": 1}]
    assert manifest.extra["skipped"] == [{"id": "1"}, {"id": "2"}, {"id": "3"}]  # lists united

    # every account-region file from each shard, byte-for-byte equal content
    for shard in (s0, s1):
        src = read_bundle(shard)
        for account, region, service, op, _path in src.iter_files():
            if account is not None:
                assert merged.calls(account, region, service, op) == src.calls(account, region, service, op)
    assert merged.calls(A2.id, "eu-west-1", "backup", "ListBackupPlans") == _plans(A2.id, "plan-eu-west-1")
    # organization files merged call by call
    assert merged.org_calls("organizations", "DescribeOrganization") == [
        Call({}, {"Organization": {"Id": "o-abc123"}})
    ]
    effective = merged.org_calls("organizations", "DescribeEffectivePolicy")
    assert effective is not None
    assert sorted(c.params["TargetId"] for c in effective) == [A1.id, A2.id]
    assert not list(tmp_path.glob(".merged.partial-*"))


def test_merge_unites_the_services_unavailable_per_region(tmp_path: Path) -> None:
    gone = ("timestream-write", "eu-west-2")
    s0 = _shard(tmp_path / "s0", (A1,), at=T1, unavailable=(gone,))
    s1 = _shard(tmp_path / "s1", (A3,), at=T2, unavailable=(gone, ("timestream-write", "sa-east-1")))
    manifest = merge_bundles([s0, s1], tmp_path / "m")
    assert manifest.unavailable == (gone, ("timestream-write", "sa-east-1"))
    assert read_bundle(tmp_path / "m").manifest.unavailable == manifest.unavailable


def test_merge_is_independent_of_input_order(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    s1 = _shard(tmp_path / "s1", (A2, A3), at=T2)
    merge_bundles([s0, s1], tmp_path / "ab")
    merge_bundles([s1, s0], tmp_path / "ba")
    files = _file_set(tmp_path / "ab")
    assert files == _file_set(tmp_path / "ba")
    for name in files - {"manifest.json"}:
        assert (tmp_path / "ab" / name).read_bytes() == (tmp_path / "ba" / name).read_bytes(), name


def test_identical_duplicate_files_are_accepted(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1, A2), at=T1)
    s1 = _shard(tmp_path / "s1", (A2,), at=T1)  # A2 collected twice, same content
    manifest = merge_bundles([s0, s1], tmp_path / "m")
    assert [a.id for a in manifest.accounts] == [A1.id, A2.id]
    effective = read_bundle(tmp_path / "m").org_calls("organizations", "DescribeEffectivePolicy")
    assert effective is not None and len(effective) == 2


def test_conflicting_account_file_names_both_files_and_writes_nothing(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    s1 = _shard(tmp_path / "s1", (A1,), at=T2, plan_suffix="-changed")
    with pytest.raises(BundleError) as err:
        merge_bundles([s0, s1], tmp_path / "m")
    text = str(err.value)
    rel = Path("accounts") / A1.id / "us-east-1" / "backup.ListBackupPlans.json"
    assert str(s0 / rel) in text and str(s1 / rel) in text
    assert "different content" in text
    assert not (tmp_path / "m").exists()
    assert not list(tmp_path.glob(".m.partial-*"))


def test_conflicting_organization_call_names_both_files(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    s1 = _shard(tmp_path / "s1", (A2,), at=T1)
    # Same DescribeEffectivePolicy params with a different response in s1.
    path = s1 / "organization" / "organizations.DescribeEffectivePolicy.json"
    data = json.loads(path.read_text())
    data.append({"params": {"PolicyType": "BACKUP_POLICY", "TargetId": A1.id}, "response": {"changed": True}})
    path.write_text(json.dumps(data))
    with pytest.raises(BundleError) as err:
        merge_bundles([s0, s1], tmp_path / "m")
    assert str(path) in str(err.value)
    assert str(s0 / "organization" / "organizations.DescribeEffectivePolicy.json") in str(err.value)


def test_different_organizations_are_rejected(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    s1 = _shard(tmp_path / "s1", (A2,), at=T1, org=OrganizationInfo("o-other", "999999999999"))
    with pytest.raises(BundleError) as err:
        merge_bundles([s0, s1], tmp_path / "m")
    assert "o-other" in str(err.value) and "o-abc123" in str(err.value)
    assert str(s0 / "manifest.json") in str(err.value) and str(s1 / "manifest.json") in str(err.value)
    s2 = _shard(tmp_path / "s2", (A3,), at=T1, org=None)
    with pytest.raises(BundleError, match="explicit accounts"):
        merge_bundles([s0, s2], tmp_path / "m")


def test_different_format_versions_are_rejected_naming_both(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    s1 = _shard(tmp_path / "s1", (A2,), at=T1)
    mpath = s1 / "manifest.json"
    data = json.loads(mpath.read_text())
    data["version"] = 1  # s0 is written as the current version
    mpath.write_text(json.dumps(data))
    with pytest.raises(BundleError) as err:
        merge_bundles([s0, s1], tmp_path / "m")
    assert str(mpath) in str(err.value) and str(s0 / "manifest.json") in str(err.value)
    assert f"version {BUNDLE_VERSION}" in str(err.value) and "version 1" in str(err.value)


def test_account_with_different_names_is_a_conflict(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    renamed = AccountEntry(A1.id, "production", "ACTIVE", ("eu-west-1",))
    s1 = _shard(tmp_path / "s1", (renamed,), at=T1)
    with pytest.raises(BundleError, match="'production'"):
        merge_bundles([s0, s1], tmp_path / "m")


def test_failed_shard_accounts_are_not_audited_never_dropped(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    failed = FailedShard(accounts=(A2, A3), code="States.Timeout", message="shard 1 timed out")
    manifest = merge_bundles([s0], tmp_path / "m", failed=[failed])
    assert [a.id for a in manifest.accounts] == [A1.id, A2.id, A3.id]
    errors = {e.account_id: e for e in manifest.errors}
    for a in (A2, A3):
        e = errors[a.id]
        assert (e.region, e.operation, e.code, e.message) == (
            None,
            FAILED_SHARD_OPERATION,
            "States.Timeout",
            "shard 1 timed out",
        )
    assert manifest.extra[MERGE_MEMBER]["failed_shards"][0]["accounts"] == [A2.id, A3.id]
    # reading it back gives the same record
    assert read_bundle(tmp_path / "m").manifest.errors == manifest.errors


def test_gzip_inputs_give_gzip_output_and_mixed_encodings_compare_by_content(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1, A2), at=T1, compress=True)
    s1 = _shard(tmp_path / "s1", (A2,), at=T1, compress=False)  # same A2 content, plain JSON
    merge_bundles([s0, s1], tmp_path / "m")
    files = _file_set(tmp_path / "m") - {"manifest.json"}
    assert files and all(f.endswith(".json.gz") for f in files)
    assert read_bundle(tmp_path / "m").calls(A2.id, "eu-west-1", "backup", "ListBackupPlans") == _plans(
        A2.id, "plan-eu-west-1"
    )


def test_existing_output_needs_force(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep").write_text("x")
    with pytest.raises(BundleError, match="--force"):
        merge_bundles([s0], tmp_path / "m")
    assert (tmp_path / "m" / "keep").exists()
    with pytest.raises(BundleError, match="not an evidence bundle"):  # --force never deletes other files
        merge_bundles([s0], tmp_path / "m", force=True)
    assert (tmp_path / "m" / "keep").exists()
    (tmp_path / "m" / "keep").unlink()
    merge_bundles([s0], tmp_path / "m", force=True)  # an empty directory may be replaced
    merge_bundles([s0], tmp_path / "m", force=True)  # and so may a bundle
    assert read_bundle(tmp_path / "m").manifest.accounts == (A1,)


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    with pytest.raises(BundleError, match="no such bundle"):
        merge_bundles([s0, tmp_path / "nope"], tmp_path / "m")
    (tmp_path / "half").mkdir()
    with pytest.raises(BundleError, match=r"manifest\.json: missing"):
        merge_bundles([s0, tmp_path / "half"], tmp_path / "m")
    with pytest.raises(BundleError, match="given twice"):
        merge_bundles([s0, s0], tmp_path / "m")
    with pytest.raises(BundleError, match="nothing to merge"):
        merge_bundles([], tmp_path / "m")
    bad = s0 / "accounts" / A1.id / "us-east-1" / "backup.ListBackupPlans.json"
    s1 = _shard(tmp_path / "s1", (A2,), at=T1)
    (s1 / "accounts" / A1.id / "us-east-1").mkdir(parents=True)
    (s1 / "accounts" / A1.id / "us-east-1" / "backup.ListBackupPlans.json").write_text("{not json")
    with pytest.raises(BundleError, match="malformed JSON"):
        merge_bundles([s0, s1], tmp_path / "m")
    assert bad.exists() and not (tmp_path / "m").exists()


def test_cli_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s0 = _shard(tmp_path / "s0", (A1,), at=T1)
    s1 = _shard(tmp_path / "s1", (A2,), at=T2)
    out = tmp_path / "merged"
    assert main(["merge", str(s0), str(s1), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    assert "2 accounts" in captured.err
    assert {a.id for a in read_bundle(out).manifest.accounts} == {A1.id, A2.id}
    # a second run without --force: exit 2, one line naming the directory
    assert main(["merge", str(s0), str(s1), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "Traceback" not in err
    assert main(["merge", str(s0), str(s1), "--out", str(out), "--force"]) == 0
    # a conflict: exit 2 naming both files
    s2 = _shard(tmp_path / "s2", (A1,), at=T2, plan_suffix="-other")
    assert main(["merge", str(s0), str(s2), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert str(s0) in err and str(s2) in err


def test_every_shard_failed_still_gives_a_bundle_naming_the_accounts(tmp_path: Path) -> None:
    failed = FailedShard(accounts=(A1,), code="Lambda.Unknown", message="out of memory")
    manifest = merge_bundles([], tmp_path / "m", failed=[failed])
    back = read_bundle(tmp_path / "m").manifest
    assert back.accounts == (A1,)
    assert [(e.account_id, e.code) for e in back.errors] == [(A1.id, "Lambda.Unknown")]
    assert manifest.organization is None
    assert not list(read_bundle(tmp_path / "m").iter_files())


def test_run_organization_fills_explicit_account_shards(tmp_path: Path) -> None:
    """State machine batches name their accounts, so their manifests carry no organization."""
    s0 = _shard(tmp_path / "s0", (A1,), at=T1, org=None)
    s1 = _shard(tmp_path / "s1", (A2,), at=T1, org=None)
    manifest = merge_bundles([s0, s1], tmp_path / "m", organization=ORG)
    assert manifest.organization == ORG == read_bundle(tmp_path / "m").manifest.organization
    other = _shard(tmp_path / "s2", (A3,), at=T1, org=OrganizationInfo("o-other", "999999999999"))
    with pytest.raises(BundleError, match="differs from the run's organization o-abc123"):
        merge_bundles([s0, other], tmp_path / "x", organization=ORG)
