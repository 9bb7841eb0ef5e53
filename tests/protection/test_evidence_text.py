"""The words BKP-091's findings and ``explain`` use for a backup job or recovery point
(``auditor.protection.evidence``: ``Evidence.text``, ``backed_up_text``, the time stamps)."""

from __future__ import annotations

import pandas as pd
import pytest

from auditor.protection.evidence import RUNNING_STATES, Evidence, _iso, backed_up_text

T = pd.Timestamp("2026-11-20T06:00:00", tz="UTC")


def _evidence(kind: str = "backup-job", state: str | None = "COMPLETED", plan_id: str = "plan-1") -> Evidence:
    return Evidence(
        kind=kind,
        id="job-1" if kind == "backup-job" else "arn:aws:backup:us-east-1:111111111111:recovery-point:rp-1",
        time=T,
        plan_id=plan_id,
        plan_version="v1",
        rule_id="rule-1",
        resource_arn="arn:aws:dynamodb:us-east-1:111111111111:table/orders",
        state=state,
        account_id="111111111111",
        region="us-east-1",
    )


def test_a_backup_job_is_named_with_its_time_in_utc_and_its_state() -> None:
    assert _evidence().text() == "backup job job-1 (2026-11-20T06:00:00Z, COMPLETED)"
    assert _evidence().to_json() == {"kind": "backup-job", "id": "job-1", "time": "2026-11-20T06:00:00Z"}


def test_a_recovery_point_without_a_state_has_no_trailing_state() -> None:
    e = _evidence(kind="recovery-point", state=None)
    assert e.text() == f"recovery point {e.id} (2026-11-20T06:00:00Z)"


def test_a_time_outside_utc_keeps_its_offset() -> None:
    e = Evidence(**{**_evidence().__dict__, "time": pd.Timestamp("2026-11-20T07:00:00+01:00")})
    assert e.iso_time == "2026-11-20T07:00:00+01:00"


@pytest.mark.parametrize("state", RUNNING_STATES)
def test_only_a_backup_job_can_be_running(state: str) -> None:
    assert _evidence(state=state).running
    assert not _evidence(kind="recovery-point", state=state).running
    assert not _evidence(state="COMPLETED").running


def test_backed_up_text_names_the_plan_by_name_else_by_id_else_on_demand() -> None:
    job = "backup job job-1 (2026-11-20T06:00:00Z, COMPLETED)"
    assert backed_up_text(_evidence(), {"plan-1": "daily"}) == f"{job} of plan `daily`"
    assert backed_up_text(_evidence(), {"plan-2": "weekly"}) == f"{job} of plan `plan-1`"
    assert backed_up_text(_evidence(plan_id=""), {"": "nameless"}) == f"{job} of an on-demand backup"


def test_iso_says_unknown_for_a_missing_time() -> None:
    assert _iso(None) == "unknown"
    assert _iso(T) == "2026-11-20T06:00:00Z"
    assert _iso(pd.Timestamp("2026-11-20T07:00:00+01:00")) == "2026-11-20T07:00:00+01:00"
