"""Waivers (accepted risks) end to end through ``backup-auditor evaluate`` / ``report``, and the
matching and validation rules of ``auditor.waivers``."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.errors import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS
from auditor.findings_json import read_findings
from auditor.model.results import Finding, Severity
from auditor.rules.registry import rules
from auditor.waivers import Waiver, WaiverFileError, load_waivers
from tests.rules.rule_fixtures import build_bundle

LOST = "arn:aws:elasticfilesystem:eu-west-1:111111111111:file-system/fs-0lost"
APP = "arn:aws:ec2:eu-west-1:111111111111:instance/i-0app"
AS_OF = "2026-11-20T06:00:00+00:00"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> str:
    """BKP-002's fail scenario: three unprotected resources (EFS, EC2, EBS), three high findings."""
    return str(build_bundle("BKP-002", "fail", tmp_path_factory.mktemp("b") / "bundle"))


def _config(tmp_path: Path, waivers: str) -> list[str]:
    """--config (controls that fire on the scenario too are off) and --waivers."""
    config = tmp_path / "backup-auditor.toml"
    config.write_text("[controls.BKP-033]\nenabled = false\n[controls.BKP-035]\nenabled = false\n")
    path = tmp_path / "w.toml"
    path.write_text(waivers)
    return ["--config", str(config), "--waivers", str(path), "--as-of", AS_OF]


def _waiver(**keys: str) -> str:
    body = {"rule": '"BKP-002"', "reason": '"scratch"', "owner": '"team-a"', "expires": "2026-12-31", **keys}
    return "[[waiver]]\n" + "".join(f"{k} = {v}\n" for k, v in body.items())


def _evaluate(bundle: str, tmp_path: Path, waivers: str, *flags: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "findings.json"
    code = main(["evaluate", bundle, "-o", str(out), *_config(tmp_path, waivers), *flags])
    return code, json.loads(out.read_text()) if out.exists() else {}, str(out)


def _by_arn(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return {f["resource_arn"]: f for f in findings if f["rule_id"] == "BKP-002"}


def test_a_waived_finding_stays_with_its_waiver_and_leaves_the_gate_and_headline(
    bundle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _evaluate(
        bundle, tmp_path, _waiver(resource=f'"{LOST}"', ticket='"SEC-1"'), "--fail-on", "high"
    )
    err = capsys.readouterr().err
    found = _by_arn(doc)
    assert found[LOST]["waiver"] == {
        "entry": 1, "reason": "scratch", "owner": "team-a", "expires": "2026-12-31", "ticket": "SEC-1",
        "status": "active", "days_left": 41,
    }  # fmt: skip
    assert "waiver" not in found[APP]
    assert code == EXIT_FINDINGS  # two BKP-002 findings are not waived
    assert "2 high" in err and "1 waived (accepted risk)" in err
    assert doc["summary"]["waivers"]["accepted_findings"] == 1


def test_waiving_every_high_finding_passes_the_gate(bundle: str, tmp_path: Path) -> None:
    code, doc, _ = _evaluate(bundle, tmp_path, _waiver(account='"111111111111"'), "--fail-on", "high")
    assert all(f["waiver"]["status"] == "active" for f in _by_arn(doc).values())
    assert len(_by_arn(doc)) == 3
    assert code == EXIT_CLEAN


def test_an_expired_waiver_stops_applying_and_the_finding_says_so(
    bundle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _evaluate(
        bundle, tmp_path, _waiver(resource=f'"{LOST}"', expires="2026-11-19"), "--fail-on", "high"
    )
    err = capsys.readouterr().err
    waiver = _by_arn(doc)[LOST]["waiver"]
    assert isinstance(waiver, dict) and waiver["status"] == "expired" and waiver["days_left"] == -1
    assert code == EXIT_FINDINGS
    assert "3 high" in err and "0 waived" in err and "1 finding whose waiver expired" in err


def test_the_last_day_still_applies(bundle: str, tmp_path: Path) -> None:
    _, doc, _ = _evaluate(bundle, tmp_path, _waiver(resource=f'"{LOST}"', expires="2026-11-20"))
    assert _by_arn(doc)[LOST]["waiver"]["status"] == "active"


def test_a_waiver_that_matched_nothing_is_reported_stale(
    bundle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = _waiver(region='"us-east-1"') + _waiver(resource='"arn:aws:ec2:*:*:instance/i-0*"')
    _, doc, _ = _evaluate(bundle, tmp_path, waivers)
    stale = doc["summary"]["waivers"]["stale"]
    assert [w["entry"] for w in stale] == [1]
    assert _by_arn(doc)[APP]["waiver"]["entry"] == 2
    assert "1 stale waiver (matched no finding)" in capsys.readouterr().err


def test_the_reports_list_accepted_risks_with_owner_and_days_left(bundle: str, tmp_path: Path) -> None:
    _, _, findings = _evaluate(bundle, tmp_path, _waiver(resource=f'"{LOST}"', owner='"dba-team"'))
    html = tmp_path / "r.html"
    md = tmp_path / "r.md"
    assert main(["report", findings, "--format", "html", "-o", str(html)]) == EXIT_CLEAN
    assert main(["report", findings, "--format", "markdown", "-o", str(md)]) == EXIT_CLEAN
    page = html.read_text()
    section = page[page.index('id="accepted"') : page.index("</section>", page.index('id="accepted"'))]
    assert "dba-team" in section and "fs-0lost" in section and 'data-value="41"' in section
    assert "Accepted risks: 1 waived findings" in md.read_text() and "dba-team" in md.read_text()
    back = read_findings(findings)
    assert [f.waived for f in back.findings if f.resource_arn == LOST] == [True]
    sarif, csv_out = tmp_path / "r.sarif", tmp_path / "r.csv"
    assert main(["report", findings, "--format", "sarif", "-o", str(sarif)]) == EXIT_CLEAN
    assert main(["report", findings, "--format", "csv", "-o", str(csv_out)]) == EXIT_CLEAN
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == 1 and suppressed[0]["suppressions"][0]["status"] == "accepted"
    assert "scratch (owner dba-team, until 2026-12-31)" in suppressed[0]["suppressions"][0]["justification"]
    rows = list(csv.DictReader(csv_out.open()))
    assert [
        (r["resource_arn"], r["waiver_status"], r["waiver_owner"]) for r in rows if r["waiver_status"]
    ] == [(LOST, "active", "dba-team")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_waiver(resourse='"x"'), r"waiver\[1\]: unknown key 'resourse' \(did you mean 'resource'\?\)"),
        (_waiver(rule='"BKP-00"'), r"waiver\[1\]: key 'rule': no such rule 'BKP-00'"),
        ('[[waiver]]\nrule = "*"\nreason = "r"\nowner = "o"\n', r"waiver\[1\]: missing key 'expires'"),
        (_waiver(expires='"next year"'), r"waiver\[1\]: key 'expires': expected a date"),
        (_waiver(account='"1234"'), r"waiver\[1\]: key 'account': not a 12-digit account id"),
        (_waiver(owner='""'), r"waiver\[1\]: key 'owner': expected a non-empty string"),
        (_waiver() + _waiver(tag='"=x"'), r"waiver\[2\]: key 'tag'"),
        (_waiver(ou='"ou-1"'), r"waiver\[1\]: unknown key 'ou'.*OU paths are not collected"),
        ("[[waiver]\n", r"not valid TOML"),
        ("rule = 1\n", r"unknown top-level key 'rule'"),
    ],
)
def test_a_malformed_entry_exits_2_naming_file_entry_and_key(
    body: str, message: str, bundle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = _evaluate(bundle, tmp_path, body)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert str(tmp_path / "w.toml") in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.search(message, err), err
    with pytest.raises(WaiverFileError, match=message):
        load_waivers(tmp_path / "w.toml", rules.ids())


def test_a_named_waivers_file_that_does_not_exist_is_bad_input(bundle: str, tmp_path: Path) -> None:
    assert main(["evaluate", bundle, "-q", "--waivers", str(tmp_path / "nope.toml")]) == EXIT_BAD_INPUT


def _finding(arn: str | None = LOST, region: str | None = "eu-west-1", rule: str = "BKP-002") -> Finding:
    return Finding(rule, Severity.HIGH, "111111111111", region, arn, "EFS", "t", "m", "r", "u")


@pytest.mark.parametrize(
    ("waiver", "finding", "tags", "matches"),
    [
        (Waiver(1, "*", "r", "o", date(2030, 1, 1)), _finding(), None, True),
        (Waiver(1, "BKP-001", "r", "o", date(2030, 1, 1)), _finding(), None, False),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), resource="arn:aws:*/fs-0?ost"), _finding(), None, True),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), resource="arn:aws:*/FS-0LOST"), _finding(), None, False),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), resource="*"), _finding(arn=None), None, False),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), accounts=("222222222222",)), _finding(), None, False),
        (
            Waiver(1, "*", "r", "o", date(2030, 1, 1), regions=("us-east-1", "eu-west-1")),
            _finding(),
            None,
            True,
        ),
        (
            Waiver(1, "*", "r", "o", date(2030, 1, 1), tag_key="env", tag_value="dev"),
            _finding(),
            {"env": "dev"},
            True,
        ),
        (
            Waiver(1, "*", "r", "o", date(2030, 1, 1), tag_key="env", tag_value="dev"),
            _finding(),
            {"env": "Dev"},
            False,
        ),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), tag_key="env"), _finding(), {"env": ""}, True),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), tag_key="env"), _finding(), {}, False),
        (Waiver(1, "*", "r", "o", date(2030, 1, 1), tag_key="env"), _finding(arn=None), None, False),
    ],
)
def test_every_matcher_must_hold(
    waiver: Waiver, finding: Finding, tags: dict[str, str] | None, matches: bool
) -> None:
    assert waiver.matches(finding, tags) is matches


def test_a_waived_finding_stays_non_compliant_in_controls_and_links_to_its_accepted_row(
    bundle: str, tmp_path: Path
) -> None:
    _, _, findings = _evaluate(bundle, tmp_path, _waiver(resource=f'"{LOST}"'))
    html = tmp_path / "r.html"
    assert main(["report", findings, "--format", "html", "-o", str(html)]) == EXIT_CLEAN
    page = html.read_text()
    controls = page[page.index('id="controls"') : page.index("</section>", page.index('id="controls"'))]
    row = controls.split('data-control="EFS.2"', 1)[1].split("</tr>", 1)[0]
    assert LOST in row  # accepted, but still not in a backup plan
    target = re.search(rf'{re.escape(LOST)}</span> <a class="mono" href="#([^"]+)"', row)
    assert target is not None and target.group(1).startswith("accepted-")
    assert f'id="{target.group(1)}"' in page
