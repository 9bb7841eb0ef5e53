"""The organization's structure over real HTTP: the OU tree is collected (bundle version 3), every
account carries its OU path, ``collect --ou`` audits a subtree, ``evaluate/report --ou`` filter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.commands.demo import sdk_environment
from auditor.errors import EXIT_BAD_INPUT
from auditor.evidence import read_bundle
from auditor.sandbox import Sandbox
from auditor.sandbox.org import OUS
from auditor.sandbox.seed import SeededOrg


@pytest.fixture(scope="module")
def env(sandbox: Sandbox, seeded_org: SeededOrg) -> Iterator[list[str]]:
    with sdk_environment(sandbox.client_env()):
        yield [
            "--endpoint-url",
            sandbox.endpoint_url,
            "--role-name",
            seeded_org.audit_role_name,
            "--regions",
            ",".join(seeded_org.regions),
            "-q",
        ]


@pytest.fixture(scope="module")
def bundle(env: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ou") / "evidence"
    assert main(["collect", "--out", str(out), *env]) == 0
    return out


def test_every_audited_account_carries_its_ou_path(
    bundle: Path, seeded_org: SeededOrg, tmp_path: Path
) -> None:
    assert main(["evaluate", str(bundle), "-q", "-o", str(tmp_path / "f.json")]) == 0
    accounts = {a["id"]: a for a in json.loads((tmp_path / "f.json").read_text())["audit"]["accounts"]}
    for key, path in OUS:
        account = seeded_org.account_id(key)
        if account in accounts:
            assert accounts[account]["ou_path"] == f"Root/{path}", key
            assert accounts[account]["ou_ids"][0].startswith("r-") and accounts[account]["ou_id"].startswith(
                "ou-"
            )
    assert accounts[seeded_org.management_account_id]["ou_path"] == "Root"


def test_collect_ou_audits_only_that_subtree(env: list[str], seeded_org: SeededOrg, tmp_path: Path) -> None:
    out = tmp_path / "workloads"
    assert main(["collect", "--out", str(out), "--ou", "Workloads", *env]) == 0
    audited = {a.id for a in read_bundle(out).manifest.accounts}
    assert audited == {seeded_org.account_id(k) for k in ("prod", "analytics", "dev")}
    out = tmp_path / "prod"
    assert main(["collect", "--out", str(out), "--ou", "Root/Workloads/Production", *env]) == 0
    assert {a.id for a in read_bundle(out).manifest.accounts} == {seeded_org.account_id("prod")}


def test_an_unknown_unit_is_bad_input(
    env: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect", "--out", str(tmp_path / "x"), "--ou", "Workloads/Nope", *env]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--ou: no organizational unit 'Workloads/Nope'" in err and "Root/Workloads/Production" in err
    assert not (tmp_path / "x").exists()


def test_report_filters_by_unit(
    bundle: Path, seeded_org: SeededOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(bundle), "--format", "json", "--ou", "Workloads/Development"]) == 0
    doc = json.loads(capsys.readouterr().out)
    dev = seeded_org.account_id("dev")
    assert {f["account_id"] for f in doc["findings"]} == {dev}
    assert doc["summary"]["filter"]["ous"] == ["Workloads/Development"]
