"""``backup-auditor evaluate`` and ``backup-auditor rules`` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.findings_json import read_findings
from auditor.rules.registry import rules
from tests.rules.rule_fixtures import build_bundle

ROOT = Path(__file__).resolve().parents[2]
Scenario = Callable[[str, str], str]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """``(rule_id, kind) -> path`` of a rule scenario's bundle (``tests/rules/scenarios.py``)."""
    root = tmp_path_factory.mktemp("scenarios")

    def bundle(rule_id: str, kind: str) -> str:
        path = root / rule_id / kind
        if not path.is_dir():
            build_bundle(rule_id, kind, path)
        return str(path)

    return bundle


@pytest.fixture
def controls_off(tmp_path: Path) -> list[str]:
    """``--config`` turning off the compliance controls that fire on these scenarios too (a vault
    holding recovery points without a deny policy, protected resources without recent points):
    these tests are about one rule's output and the flags."""
    path = tmp_path / "controls-off.toml"
    path.write_text(
        "[controls.BKP-033]\nenabled = false\n[controls.BKP-035]\nenabled = false\n"
        # copies: a protected resource without copies in another Region / account / air-gapped vault
        "[controls.BKP-036]\nenabled = false\n[controls.BKP-037]\nenabled = false\n"
        "[controls.BKP-039]\nenabled = false\n"
        "[controls.BKP-034]\nenabled = false\n[controls.BKP-038]\nenabled = false\n"
    )
    return ["--config", str(path)]


def test_evaluate_prints_findings_json_on_stdout_and_summary_on_stderr(
    capsys: pytest.CaptureFixture[str], scenario: Scenario, controls_off: list[str]
) -> None:
    code = main(["evaluate", scenario("BKP-010", "fail"), *controls_off])
    out, err = capsys.readouterr()
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "backup-auditor-findings" and doc["version"] == 2
    assert [f["rule_id"] for f in doc["findings"]] == ["BKP-010"]
    assert doc["rules"]["BKP-010"]["severity"] == "medium"
    assert doc["audit"]["collected_at"] == "2026-11-20T06:00:00+00:00"
    assert "findings:" in err and "1 medium" in err
    assert "{" not in err
    assert "evaluate: loaded " in err and "evaluate: ran the rules: 1 findings" in err


def test_findings_version_1_on_request(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    assert main(["evaluate", scenario("BKP-010", "fail"), "-q", "--findings-version", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1 and "rules" not in doc
    assert doc["findings"][0]["severity"] == "medium" and doc["findings"][0]["doc_url"].startswith("https://")
    assert main(["evaluate", scenario("BKP-010", "fail"), "-q", "--findings-version", "3"]) == 2


def test_quiet_silences_progress_not_the_summary(
    capsys: pytest.CaptureFixture[str], scenario: Scenario
) -> None:
    assert main(["evaluate", scenario("BKP-010", "fail"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "evaluate: loaded" not in err and "findings:" in err


@pytest.mark.parametrize(("fail_on", "code"), [("high", 0), ("medium", 1), ("INFO", 1)])
def test_fail_on_threshold(
    fail_on: str, code: int, capsys: pytest.CaptureFixture[str], scenario: Scenario, controls_off: list[str]
) -> None:
    assert main(["evaluate", scenario("BKP-010", "fail"), "--fail-on", fail_on, *controls_off]) == code


def test_output_file_and_settings_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario: Scenario, controls_off: list[str]
) -> None:
    target = tmp_path / "out" / "findings.json"
    code = main(
        [
            "evaluate",
            scenario("BKP-010", "fail"),
            "-o",
            str(target),
            "--aurora-cost-per-gb-month",
            "0.5",
            *controls_off,
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and out == "" and str(target) in err
    result = read_findings(target)
    (finding,) = result.findings
    assert finding.details["estimated_monthly_cost_usd"] == pytest.approx(100.0)  # 200 GB x 0.5


def test_job_window_and_as_of_flags(
    capsys: pytest.CaptureFixture[str], scenario: Scenario, controls_off: list[str]
) -> None:
    bundle = scenario("BKP-021", "fail")  # one FAILED job on 2026-11-17, collected 2026-11-20
    assert main(["evaluate", bundle, "--fail-on", "medium", *controls_off]) == 1
    later = ["--as-of", "2026-12-05T06:00:00+00:00", "--fail-on", "medium", *controls_off]
    assert main(["evaluate", bundle, *later]) == 0  # 18 days before as_of: outside 14 days
    assert main(["evaluate", bundle, *later, "--job-window-days", "30"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--fail-on", "severe"], "unknown severity"),
        (["--as-of", "yesterday"], "not an ISO 8601"),
        (["--format", "xml"], "xml"),
        (["--job-window-days", "0"], "--job-window-days"),
        (["--aurora-cost-per-gb-month", "-1"], "must not be negative"),
    ],
)
def test_bad_flags_exit_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str], scenario: Scenario
) -> None:
    assert main(["evaluate", scenario("BKP-001", "pass"), *args]) == 2
    assert needle in capsys.readouterr().err


def test_bad_bundle_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "Traceback" not in err


def test_rules_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == rules.ids()
    for line, cls in zip(lines, rules, strict=True):
        assert cls.metadata.severity.value in line and cls.metadata.doc_url in line


def test_rules_json_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == rules.ids()
    assert main(["rules", "show", "bkp-001"]) == 0
    out = capsys.readouterr().out
    meta = rules.get("BKP-001").metadata
    for text in (meta.id, meta.title, meta.doc_url, meta.remediation.cli, "What it does", "References"):
        assert text in out


def test_rules_show_unknown_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "BKP-999"]) == 2
    assert "unknown rule 'BKP-999'" in capsys.readouterr().err


def test_rules_framework_lists_each_control_with_its_rules_and_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "--framework", "security-hub"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# AWS Security Hub: 5 controls"
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == {"Backup.1", "DynamoDB.4", "EC2.28", "EFS.2", "RDS.26"}
    assert "BKP-031" in rows["Backup.1"]
    assert (
        rows["EC2.28"].split()[-1]
        == "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-28"
    )
    assert "BKP-002" in rows["EC2.28"] and " EBS " in rows["EC2.28"]
    assert main(["rules", "--framework", "Audit-Manager", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    by_id = {c["id"]: c for c in listed}
    assert by_id["BACKUP_LAST_RECOVERY_POINT_CREATED"]["rules"] == ["BKP-035"]
    assert all(
        c["framework"] == "audit-manager" and c["url"].startswith("https://docs.aws.amazon.com/")
        for c in listed
    )
    assert main(["rules", "show", "BKP-031"]) == 0
    assert "AWS Security Hub Backup.1: https://docs.aws.amazon.com/securityhub/" in capsys.readouterr().out
    assert main(["rules", "--framework", "pci"]) == 2
