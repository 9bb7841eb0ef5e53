"""``rules._jobs.jobs_in_window`` (BKP-020, BKP-021): backup jobs created within
``job_window_days`` before ``as_of``, both ends included, none after ``as_of`` (survivors of the
window's comparisons)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.rules._jobs import jobs_in_window
from auditor.rules.base import RuleContext, RuleSettings
from tests.builders import COLLECTED_AT, BundleBuilder
from tests.rules.one_rule import rule_context

DAY = timedelta(days=1)


def _ctx(b: BundleBuilder, tmp_path: Path, settings: RuleSettings | None = None) -> RuleContext:
    return rule_context(read_bundle(b.build(tmp_path / "bundle")), settings)


def test_jobs_in_window_are_those_of_the_last_days_up_to_as_of(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    for name, age in (
        ("edge", 14 * DAY),
        ("old", 14 * DAY + timedelta(seconds=1)),
        ("new", timedelta(0)),
        ("mid", DAY),
    ):
        b.job(vol, "EBS", job_id=name, created=COLLECTED_AT - age)
    b.job(vol, "EBS", job_id="future", created=COLLECTED_AT + timedelta(seconds=1))
    assert sorted(jobs_in_window(_ctx(b, tmp_path))["job_id"]) == ["edge", "mid", "new"]
    week = RuleSettings(job_window_days=7)
    assert sorted(jobs_in_window(_ctx(b, tmp_path / "week", week))["job_id"]) == ["mid", "new"]
