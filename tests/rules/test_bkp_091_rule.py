"""BKP-091 as a rule (``auditor/rules/bkp_091_prediction_vs_evidence.py``): which disagreements of
``compare`` become findings, and what a finding says. ``tests/protection/test_evidence.py`` covers
``compare`` itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.protection.evidence import Disagreement, Evidence
from auditor.rules.bkp_091_prediction_vs_evidence import details, message
from tests.builders import (
    COLLECTED_AT,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    BundleBuilder,
    plan_version_of,
    rule_id_of,
)
from tests.rules.one_rule import rule_findings

RUN = COLLECTED_AT - timedelta(days=1)
WHERE = f"account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}"


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-091")


def _plan_with_jobs(
    b: BundleBuilder, *, state: str = "COMPLETED", version: str | None = None
) -> tuple[str, str, str, str]:
    """A plan whose selection names ``ran`` and ``skipped``; its rule's run backed up ``ran`` and
    ``extra`` (which no selection names). Returns (plan, ran, extra, skipped)."""
    ran = b.ebs_volume("vol-0ran")
    extra = b.ebs_volume("vol-0extra")
    skipped = b.ebs_volume("vol-0skipped")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[ran, skipped])
    for arn, job_id in ((ran, "job-ran"), (extra, "job-extra")):
        b.job(
            arn,
            "EBS",
            created=RUN,
            state=state,
            plan_id=plan,
            plan_version=version or plan_version_of(plan),
            rule_id=rule_id_of(plan),
            job_id=job_id,
        )
    return plan, ran, extra, skipped


def test_each_disagreement_is_one_finding_on_its_resource(tmp_path: Path) -> None:
    b = BundleBuilder()
    plan, _ran, extra, skipped = _plan_with_jobs(b)
    found = {f.resource_arn: f for f in _found(b, tmp_path)}
    assert sorted(found, key=str) == sorted([extra, skipped])
    for arn, kind in ((extra, "backed-up-not-predicted"), (skipped, "predicted-not-backed-up")):
        f = found[arn]
        assert (f.account_id, f.region, f.resource_type) == (DEFAULT_ACCOUNT, DEFAULT_REGION, "EBS")
        assert f.details["disagreement"] == kind and f.details["plan_id"] == plan
    assert found[extra].message == (
        f"AWS Backup backed up EBS {extra} ({WHERE}) by plan `daily` rule `daily` (backup job job-extra "
        f"({RUN.isoformat().replace('+00:00', 'Z')}, COMPLETED)), but we predict that no selection of the plan "
        "backs it up: no Resources pattern matches. The verdict is unchanged; `backup-auditor explain` "
        "shows the trail."
    )
    assert found[skipped].details["evidence"]["kind"] == "backup-job"


def test_excluded_differences_are_no_finding(tmp_path: Path) -> None:
    """A run of an older plan version, or a job still running, explains the difference."""
    b = BundleBuilder()
    _plan_with_jobs(b, version="an-older-version")
    assert _found(b, tmp_path / "version") == []
    b2 = BundleBuilder()
    _plan_with_jobs(b2, state="RUNNING")
    assert _found(b2, tmp_path / "running") == []


def test_no_finding_where_the_jobs_were_not_read(tmp_path: Path) -> None:
    b = BundleBuilder()
    _plan_with_jobs(b)
    b.error("backup", "ListBackupJobs")
    assert _found(b, tmp_path) == []


def _disagreement(kind: str) -> Disagreement:
    evidence = Evidence(
        kind="recovery-point",
        id="arn:aws:backup:eu-west-1:111111111111:recovery-point:rp-1",
        time=pd.Timestamp("2026-11-19T06:00:00+00:00"),
        plan_id="plan-1",
        plan_version="v1",
        rule_id="rule-1",
        resource_arn="arn:aws:dynamodb:eu-west-1:111111111111:table/other",
        state=None,
        account_id=DEFAULT_ACCOUNT,
        region=DEFAULT_REGION,
    )
    return Disagreement(
        disagreement=kind,
        account_id=DEFAULT_ACCOUNT,
        region=DEFAULT_REGION,
        resource_arn="arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
        resource_type="DynamoDB",
        plan_id="plan-1",
        plan_name="nightly",
        plan_rule_id="rule-1",
        plan_rule_name="tables",
        selection_id="sel-1",
        selection_name="not-dev",
        reading="A3",
        reading_text="the key is missing",
        evidence=evidence,
    )


TABLE = f"DynamoDB arn:aws:dynamodb:eu-west-1:111111111111:table/orders ({WHERE})"
RP = "recovery point arn:aws:backup:eu-west-1:111111111111:recovery-point:rp-1 (2026-11-19T06:00:00Z)"
TAIL = " The verdict is unchanged; `backup-auditor explain` shows the trail."


def test_message_of_a_resource_backed_up_but_not_predicted() -> None:
    assert message(_disagreement("backed-up-not-predicted")) == (
        f"AWS Backup backed up {TABLE} by plan `nightly` rule `tables` ({RP}), but we predict that no "
        f"selection of the plan backs it up: the key is missing. Reading A3 decided it.{TAIL}"
    )


def test_message_of_a_resource_predicted_but_not_backed_up() -> None:
    d = replace(
        _disagreement("predicted-not-backed-up"),
        reading=None,
        note="the bundle does not say when it was created",
    )
    assert message(d) == (
        f"We predict that plan `nightly` rule `tables` backs up {TABLE} (the key is missing), but the "
        f"rule's run in the job window ({RP}, for another resource) made no job or recovery point for "
        f"it. Unsure: the bundle does not say when it was created.{TAIL}"
    )


def test_message_names_the_rule_by_name_else_id_else_a_question_mark() -> None:
    by_id = message(replace(_disagreement("backed-up-not-predicted"), plan_rule_name=None))
    assert "by plan `nightly` rule `rule-1` (" in by_id
    unknown = message(
        replace(
            _disagreement("backed-up-not-predicted"), plan_rule_name=None, plan_rule_id=None, evidence=None
        )
    )
    assert "by plan `nightly` rule `?` (no evidence), but" in unknown


def test_details_carry_the_evidence_or_none_and_a_note_only_when_there_is_one() -> None:
    d = _disagreement("backed-up-not-predicted")
    assert details(d)["evidence"] == {
        "kind": "recovery-point",
        "id": "arn:aws:backup:eu-west-1:111111111111:recovery-point:rp-1",
        "time": "2026-11-19T06:00:00Z",
    }
    assert details(d)["note"] is None
    bare = details(replace(d, evidence=None, note="unsure"))
    assert bare["evidence"] is None and bare["note"] == "unsure"
