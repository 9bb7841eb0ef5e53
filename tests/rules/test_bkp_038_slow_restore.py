"""BKP-038's words for a resource that restores too slowly, and a condition on a bare tag key
(mutation-run survivors of bkp_038)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd

from auditor.controls import Control, Controls, RestoreTimeParams
from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from auditor.rules.bkp_038_restore_testing import condition_holds
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def test_a_slow_restore_names_its_time_the_target_and_the_date(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0slow")
    b.selection(b.plan("daily"), "s", resources=[vol])
    b.restore_testing_selection("p", "all-ebs", "EBS")
    b.restore_job(vol, "EBS", testing_plan="p", minutes=180)
    b.protected_resource(vol, "EBS", restore_minutes=180)
    settings = RuleSettings(controls=replace(Controls(), bkp_038=Control(RestoreTimeParams(120))))
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-038", settings)
    assert finding.message == (
        f"EBS {vol} (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) took 180 minutes in its latest "
        "restore (target: 120 minutes)."
    )
    assert finding.details["max_restore_minutes"] == 120
    # LatestRestoreJobCreationDate of DescribeProtectedResource (the builder: a day before collection)
    assert pd.Timestamp(finding.details["latest_restore_job_date"]) == pd.Timestamp(
        COLLECTED_AT - timedelta(days=1)
    )


def test_a_condition_key_without_the_tag_prefix_is_the_bare_tag_key() -> None:
    assert condition_holds("StringEquals", "tier", "gold", {"tier": "gold"}) is True
    assert condition_holds("StringNotEquals", "tier", "gold", {"tier": "silver"}) is True


def test_a_restore_that_took_exactly_the_target_is_not_too_slow(tmp_path: Path) -> None:
    """The rule reports a restore that took longer than the target: exactly ``max-restore-minutes``
    meets it."""
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0ontime")
    b.selection(b.plan("daily"), "s", resources=[vol])
    b.restore_testing_selection("p", "all-ebs", "EBS")
    b.restore_job(vol, "EBS", testing_plan="p", minutes=120)
    b.protected_resource(vol, "EBS", restore_minutes=120)
    settings = RuleSettings(controls=replace(Controls(), bkp_038=Control(RestoreTimeParams(120))))
    assert rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-038", settings) == []
