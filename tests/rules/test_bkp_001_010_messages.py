"""Words of BKP-001 (a type that needs its opt-in only when selected by tags or conditions is also
fixed by a resource-type ARN pattern) and BKP-010 (gigabytes and cost, recovery points of unknown
size, the ARN list cut at ``max_listed_arns``): mutation survivors of their ``evaluate``."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

GONE = f"arn:aws:rds:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:cluster:gone"


def _finding(b: BundleBuilder, tmp_path: Path, rule_id: str, settings: RuleSettings | None = None) -> Finding:
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id, settings)
    return finding


def test_bkp001_an_efs_selected_by_tag_is_also_fixed_by_a_resource_type_pattern(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    b.efs("fs-0a", tags={"backup": "yes"})
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "yes")])
    finding = _finding(b, tmp_path, "BKP-001")
    assert (
        f"To fix: turn on the EFS opt-in in {DEFAULT_REGION} (AWS Backup > Settings > Service opt-in) "
        "or select it by a resource-type ARN pattern."
    ) in finding.message


def test_bkp001_an_aurora_cluster_needs_its_opt_in_whatever_selects_it(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    arn = b.rds_cluster("orders", engine="aurora-mysql")
    b.selection(b.plan("daily"), "by-arn", resources=[arn])
    finding = _finding(b, tmp_path, "BKP-001")
    assert (
        f"To fix: turn on the Aurora opt-in in {DEFAULT_REGION} (AWS Backup > Settings > Service opt-in)."
    ) in finding.message
    assert "resource-type ARN pattern" not in finding.message


def test_bkp010_gigabytes_cost_and_unknown_sizes(tmp_path: Path) -> None:
    """1.05 GB (10^9 bytes a GB) shows as 1.1 GB; at 0.0123 USD/GB-month the cost is rounded to
    cents (0.01); a recovery point without a size is counted as of unknown size."""
    b = BundleBuilder()
    b.recovery_point(GONE, "Aurora", size_bytes=1_050_000_000)
    b.recovery_point(GONE, "Aurora", size_bytes=None)
    finding = _finding(b, tmp_path, "BKP-010", RuleSettings(aurora_cost_per_gb_month=0.0123))
    assert (
        "but 2 recovery point(s) of it remain (1 of unknown size): 1.1 GB, about 0.01 USD a month "
        "at 0.0123 USD/GB-month."
    ) in finding.message
    assert finding.details["estimated_monthly_cost_usd"] == 0.01
    assert finding.details["unknown_size_count"] == 1


def test_bkp010_known_sizes_only_say_nothing_of_unknown_ones(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.recovery_point(GONE, "Aurora", size_bytes=2 * 10**9)
    finding = _finding(b, tmp_path, "BKP-010")
    assert "but 1 recovery point(s) of it remain: 2.0 GB" in finding.message
    assert "unknown size" not in finding.message


def test_bkp010_lists_at_most_max_listed_arns_recovery_points(tmp_path: Path) -> None:
    b = BundleBuilder()
    for _ in range(3):
        b.recovery_point(GONE, "Aurora")
    finding = _finding(b, tmp_path, "BKP-010", RuleSettings(max_listed_arns=2))
    listed = finding.details["recovery_point_arns"]
    assert finding.details["recovery_point_count"] == 3
    assert isinstance(listed, list) and len(listed) == 2 and listed == sorted(listed)


def test_bkp001_a_resource_another_selection_protects_says_so_and_when_it_was_backed_up(
    tmp_path: Path,
) -> None:
    """The tag selection is skipped (EFS opt-in off) but an exact-ARN selection of another plan
    still backs the file system up; its backup job in the window is named in words and details."""
    b = BundleBuilder()
    b.opt_in("EFS", False)
    fs = b.efs("fs-0a", tags={"backup": "yes"})
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "yes")])
    weekly = b.plan("weekly")
    b.selection(weekly, "by-arn", resources=[fs])
    job = b.job(fs, "EFS", plan_id=weekly)
    finding = _finding(b, tmp_path, "BKP-001")
    assert (
        "opt-in is off in eu-west-1. Another selection still backs it up, but not on this plan's "
        "schedule and retention. To fix:"
    ) in finding.message
    assert f" AWS Backup did back it up in the job window: backup job {job}" in finding.message
    assert finding.details["protected_by_another_selection"] is True
    backed = finding.details["backed_up_in_window"]
    assert isinstance(backed, dict) and backed["id"] == job and backed["plan_name"] == "weekly"


def test_bkp014_gigabytes_unknown_sizes_and_listed_arns(tmp_path: Path) -> None:
    b = BundleBuilder()
    gone = f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:volume/vol-0gone"
    b.recovery_point(gone, "EBS", size_bytes=1_050_000_000)
    b.recovery_point(gone, "EBS", size_bytes=None)
    b.recovery_point(gone, "EBS", size_bytes=None)
    finding = _finding(b, tmp_path, "BKP-014", RuleSettings(max_listed_arns=2))
    assert "3 recovery point(s) of it remain (2 of unknown size), 1.1 GB." in finding.message
    listed = finding.details["recovery_point_arns"]
    assert isinstance(listed, list) and len(listed) == 2 and finding.details["recovery_point_count"] == 3


def test_bkp014_known_sizes_only_say_nothing_of_unknown_ones(tmp_path: Path) -> None:
    b = BundleBuilder()
    gone = f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:volume/vol-0gone"
    b.recovery_point(gone, "EBS", size_bytes=2 * 10**9)
    finding = _finding(b, tmp_path, "BKP-014")
    assert "1 recovery point(s) of it remain, 2.0 GB." in finding.message
