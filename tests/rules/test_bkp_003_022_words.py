"""BKP-003 judging every account-Region (a consistent one first does not stop the others) and
naming every type whose opt-in is off; BKP-022's plan id in the details (mutation survivors)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

OTHER = "222222222222"


def _findings(b: BundleBuilder, tmp_path: Path, rule_id: str) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)


def test_bkp003_a_consistent_account_region_does_not_hide_the_next_ones(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", True)  # the first account-Region (sorted): every RDS-family opt-in on
    b.account(OTHER, [DEFAULT_REGION])
    b.opt_in("Aurora", False, account_id=OTHER)
    b.opt_in("Neptune", False, account_id=OTHER)
    (finding,) = _findings(b, tmp_path, "BKP-003")
    assert (finding.account_id, finding.region) == (OTHER, DEFAULT_REGION)
    assert (
        f"In account {OTHER}, {DEFAULT_REGION} the AWS Backup opt-in is on for RDS, DocumentDB and off for "
        "Aurora, Neptune."
    ) in finding.message


def test_bkp022_the_failed_copy_job_names_its_plan(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    dest = f"arn:aws:backup:{DEFAULT_REGION}:{OTHER}:backup-vault:dr"
    b.copy_job(vol, "EBS", dest, state="FAILED", plan_id="plan-0a", created=COLLECTED_AT - timedelta(days=1))
    (finding,) = _findings(b, tmp_path, "BKP-022")
    assert finding.account_id == DEFAULT_ACCOUNT and finding.details["plan_id"] == "plan-0a"
