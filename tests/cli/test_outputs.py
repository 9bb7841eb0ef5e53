"""Issue 11 item 5: what ``audit``, ``collect`` and ``--force`` do to what is already on disk,
and the permissions of what they write."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.commands.demo import sdk_environment
from auditor.errors import BundleError
from auditor.evidence import BundleWriter, read_bundle
from auditor.sandbox import Sandbox
from auditor.sandbox.seed import SeededOrg
from tests.builders import BundleBuilder

UNREACHABLE = "http://127.0.0.1:9"  # never contacted: each of these runs stops before collecting


def _audit(out: Path, *extra: str, endpoint: str = UNREACHABLE) -> list[str]:
    return ["audit", "--out", str(out), "--accounts", "111111111111", "--regions", "us-east-1",
            "--endpoint-url", endpoint, "--quiet", *extra]  # fmt: skip


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [x for x in err.splitlines() if x.startswith("backup-auditor: error:")]
    return line


def test_audit_does_not_overwrite_an_earlier_audits_reports_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").write_text("earlier findings")
    (out / "report.html").write_text("earlier report")
    assert main(_audit(out)) == 2
    assert _error(capsys) == (
        f"backup-auditor: error: {out}: holds an earlier audit's output (findings.json, report.html); "
        "pass --force to replace it"
    )
    assert (out / "findings.json").read_text() == "earlier findings"
    assert (out / "report.html").read_text() == "earlier report"
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "report.html"]


def test_audit_force_refuses_a_directory_with_stray_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("earlier report")
    (out / "notes.txt").write_text("mine")
    assert main(_audit(out, "--force")) == 2
    line = _error(capsys)
    assert f"{out}: holds files that are not audit outputs (notes.txt)" in line
    assert (out / "notes.txt").read_text() == "mine" and (out / "report.html").read_text() == "earlier report"


@pytest.fixture(scope="module")
def sdk_env(sandbox: Sandbox) -> Iterator[None]:
    with sdk_environment(sandbox.client_env()):
        yield


def test_audit_force_replaces_every_earlier_output_and_keeps_no_stale_report(
    tmp_path: Path, sandbox: Sandbox, seeded_org: SeededOrg, sdk_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["audit", "--out", str(out), "--accounts", seeded_org.management_account_id, "--regions", seeded_org.regions[0],
            "--endpoint-url", sandbox.endpoint_url, "--role-name", seeded_org.audit_role_name, "--quiet"]  # fmt: skip
    assert main([*argv, "--format", "html,csv,sarif"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "evidence", "findings.json", "report.csv", "report.html", "report.sarif",
    ]  # fmt: skip
    (out / "report.html").write_text("stale")
    assert main([*argv, "--format", "html"]) == 2, "an earlier audit is there: --force needed"
    assert main([*argv, "--format", "html", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["evidence", "findings.json", "report.html"]
    assert (out / "report.html").read_text() != "stale"
    read_bundle(out / "evidence")


def test_collect_force_refuses_a_directory_that_is_not_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    argv = ["collect", "--out", str(target), "--force", "--accounts", "111111111111"]
    assert main([*argv, "--endpoint-url", UNREACHABLE, "--quiet"]) == 2
    line = _error(capsys)
    assert f"{target}: is a directory that is not an evidence bundle (no manifest.json)" in line
    assert (target / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"], "no staging directory left"


def test_collect_force_may_replace_a_bundle_or_an_empty_directory(tmp_path: Path) -> None:
    bundle = BundleBuilder().build(tmp_path / "bundle")
    BundleWriter(bundle, force=True).abort()  # accepted: it is a bundle
    (tmp_path / "empty").mkdir()
    BundleWriter(tmp_path / "empty", force=True).abort()
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(BundleError, match="is a file that is not an evidence bundle"):
        BundleWriter(tmp_path / "a-file", force=True)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_bundle_modes_follow_the_umask_for_the_root_and_everything_in_it(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = BundleBuilder().build(tmp_path / "bundle")
    finally:
        os.umask(old)
    dir_modes = {stat.S_IMODE(p.stat().st_mode) for p in [path, *path.rglob("*")] if p.is_dir()}
    file_modes = {stat.S_IMODE(p.stat().st_mode) for p in path.rglob("*") if p.is_file()}
    assert dir_modes == {0o777 & ~umask}, [oct(m) for m in dir_modes]
    assert file_modes == {0o666 & ~umask}, [oct(m) for m in file_modes]
