"""Issue 11 item 8: ``explain`` on an ARN of a scope that was not audited says so and why; the
bundle reader rejects a once-per-scope operation file holding no call, and an operation stored
both plain and gzip-compressed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import BundleError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

DENIED = "333333333333"


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    (line,) = err.strip().splitlines()
    return line


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    b = BundleBuilder()
    b.efs("fs-0mine")
    b.assume_role_denied(DENIED)
    b.error("rds", "DescribeDBInstances", code="Throttling", message="Rate exceeded")
    return b.build(tmp_path / "bundle")


def test_explain_arn_of_an_account_that_could_not_be_entered(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = f"arn:aws:elasticfilesystem:{DEFAULT_REGION}:{DENIED}:file-system/fs-0theirs"
    assert main(["explain", str(bundle), arn]) == 2
    line = _err(capsys)
    assert line.startswith(
        f"backup-auditor: error: {arn}: account {DENIED}, {DEFAULT_REGION} was not audited ("
    )
    assert "sts.AssumeRole: AccessDenied" in line and "unknown, not compliant" in line
    assert "not a resource of this bundle" not in line


def test_explain_arn_whose_listing_was_not_collected(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = f"arn:aws:rds:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:db:orders"
    assert main(["explain", str(bundle), arn]) == 2
    line = _err(capsys)
    assert f"account {DEFAULT_ACCOUNT}, {DEFAULT_REGION} was only partly audited" in line
    assert "rds.DescribeDBInstances: Throttling: Rate exceeded" in line


@pytest.mark.parametrize(
    ("arn", "says"),
    [
        (f"arn:aws:rds:{DEFAULT_REGION}:555555555555:db:x", "account 555555555555 is not in this bundle"),
        (f"arn:aws:rds:ap-south-1:{DEFAULT_ACCOUNT}:db:x", "Region ap-south-1 was not collected for account"),
        (
            f"arn:aws:elasticfilesystem:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:file-system/fs-0gone",
            "not a resource",
        ),
    ],
)
def test_explain_says_which_of_the_three_it_is(
    bundle: Path, capsys: pytest.CaptureFixture[str], arn: str, says: str
) -> None:
    assert main(["explain", str(bundle), arn]) == 2
    assert says in _err(capsys)


def _one_file(bundle: Path, name: str) -> Path:
    (path,) = (bundle / "accounts" / DEFAULT_ACCOUNT / DEFAULT_REGION).glob(name)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_an_empty_array_in_a_once_per_scope_file_is_rejected(
    tmp_path: Path, compress: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder(compress=compress)
    b.efs("fs-0mine")
    bundle = b.build(tmp_path / "bundle")
    path = _one_file(bundle, "efs.DescribeFileSystems.json*")
    path.write_bytes(gzip.compress(b"[]") if compress else b"[]")
    with pytest.raises(BundleError, match="holds no call"):
        evaluate_bundle(read_bundle(bundle))
    assert main(["evaluate", str(bundle), "-q"]) == 2
    line = _err(capsys)
    assert (
        line.startswith(f"backup-auditor: error: {path}: holds no call")
        and "not collected has no file" in line
    )


def test_an_empty_array_in_a_per_item_file_is_read_as_no_items(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0mine")
    bundle = b.build(tmp_path / "bundle")
    assert json.loads(_one_file(bundle, "backup.GetBackupPlan.json").read_text()) == []  # no plan listed
    result = evaluate_bundle(read_bundle(bundle))
    assert {c.status for c in result.coverage} == {"audited"}


def test_an_operation_stored_plain_and_compressed_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder()
    b.efs("fs-0mine")
    bundle = b.build(tmp_path / "bundle")
    plain = _one_file(bundle, "efs.DescribeFileSystems.json")
    packed = plain.with_name(plain.name + ".gz")
    packed.write_bytes(gzip.compress(json.dumps([{"params": {}, "response": {"FileSystems": []}}]).encode()))
    assert main(["evaluate", str(bundle), "-q"]) == 2
    assert _err(capsys) == (
        f"backup-auditor: error: {packed}: efs.DescribeFileSystems.json is there too: an operation is "
        "stored once, plain or gzip-compressed; keep one"
    )
    with pytest.raises(BundleError, match="is there too"):
        read_bundle(bundle).calls(DEFAULT_ACCOUNT, DEFAULT_REGION, "efs", "DescribeFileSystems")


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("NaN", "bad number: NaN is not a JSON number"),
        ("-Infinity", "bad number: -Infinity is not a JSON number"),
        ("1e400", "bad number: number 1e400 is out of range"),
        ("1" + "0" * 30, "bad number: integer 100000000000000000000000... is out of the 64-bit range"),
    ],
)
@pytest.mark.parametrize("where", ["operation", "manifest"])
def test_numbers_aws_cannot_send_are_rejected_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], token: str, says: str, where: str
) -> None:
    b = BundleBuilder()
    b.recovery_point(b.efs("fs-0mine"), "EFS", size_bytes=123456789)
    bundle = b.build(tmp_path / "bundle")
    if where == "manifest":
        path = bundle / "manifest.json"
        doc = json.loads(path.read_text())
        path.write_text(json.dumps(doc)[:-1] + f', "x-extra": {token}}}')  # an unknown member, still read
    else:
        path = _one_file(bundle, "backup.ListRecoveryPointsByBackupVault.json")
        path.write_text(path.read_text().replace("123456789", token))
    assert main(["evaluate", str(bundle), "-q"]) == 2
    assert _err(capsys) == f"backup-auditor: error: {path}: {says}"


def test_the_largest_aws_long_is_read(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.recovery_point(b.efs("fs-0mine"), "EFS", size_bytes=123456789)
    bundle = b.build(tmp_path / "bundle")
    path = _one_file(bundle, "backup.ListRecoveryPointsByBackupVault.json")
    path.write_text(path.read_text().replace("123456789", str(2**63 - 1)))
    evaluate_bundle(read_bundle(bundle))
