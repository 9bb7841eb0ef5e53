"""What the rule context says was collected, and the settings' bounds (mutation-run survivors of
``auditor.rules.base``, found by running its mutants ahead of the mutmut run)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.evidence import read_bundle
from auditor.rules.base import RuleContext, RuleSettings
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_context

OTHER_REGION = "us-east-1"
JOBS = "backup.ListBackupJobs"
VAULTS = "backup.ListBackupVaults"


def _context(tmp_path: Path) -> RuleContext:
    """Two Regions with an EFS file system each; ListBackupJobs denied in ``us-east-1``."""
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, OTHER_REGION])
    b.efs("fs-0a")
    b.efs("fs-0b", region=OTHER_REGION)
    b.error("backup", "ListBackupJobs", region=OTHER_REGION)
    return rule_context(read_bundle(b.build(tmp_path / "bundle")))


def _scopes(ctx: RuleContext, operations: list[str]) -> list[tuple[str, str]]:
    frame = ctx.collected_scopes(operations)
    return sorted(zip(frame["account_id"], frame["region"], strict=True))


def test_collected_scopes_need_every_operation(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    assert _scopes(ctx, [VAULTS]) == [(DEFAULT_ACCOUNT, DEFAULT_REGION), (DEFAULT_ACCOUNT, OTHER_REGION)]
    # the denied operation first, a collected one after it: the denied one still counts
    assert _scopes(ctx, [JOBS, VAULTS]) == [(DEFAULT_ACCOUNT, DEFAULT_REGION)]
    # an operation the coverage does not hold was collected nowhere
    assert _scopes(ctx, [VAULTS, "backup.NoSuchOperation"]) == []
    assert _scopes(ctx, ["backup.NoSuchOperation"]) == []


def test_only_collected_keeps_no_row_when_nothing_was_collected(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    resources = ctx.inventory.resources
    assert len(resources) == 2
    assert ctx.only_collected(resources, ["backup.NoSuchOperation"]).empty
    kept = ctx.only_collected(resources, [JOBS])
    assert kept["region"].tolist() == [DEFAULT_REGION]


def test_collected_scopes_join_a_frame_on_account_and_region(tmp_path: Path) -> None:
    # a plain two-column frame: account_id / region are columns only (were they also index
    # levels, pandas would refuse the join as ambiguous)
    ctx = _context(tmp_path)
    scopes = ctx.collected_scopes([JOBS])
    assert scopes.columns.tolist() == ["account_id", "region"]
    joined = ctx.inventory.resources.merge(scopes, on=["account_id", "region"])
    assert joined["region"].tolist() == [DEFAULT_REGION]


def test_only_collected_drops_rows_without_an_account_or_a_region(tmp_path: Path) -> None:
    # a missing account or Region is in no scope, even beside a known value that is in one
    ctx = _context(tmp_path)
    frame = pd.DataFrame(
        {
            "account_id": [DEFAULT_ACCOUNT, DEFAULT_ACCOUNT, None, DEFAULT_ACCOUNT],
            "region": [DEFAULT_REGION, None, DEFAULT_REGION, OTHER_REGION],
            "name": ["here", "no region", "no account", "there"],
        }
    )
    assert ctx.only_collected(frame, [VAULTS])["name"].tolist() == ["here", "there"]
    assert ctx.only_collected(frame, [JOBS])["name"].tolist() == ["here"]


def test_settings_accept_their_smallest_values() -> None:
    settings = RuleSettings(job_window_days=1, aurora_cost_per_gb_month=0.0, max_listed_arns=1)
    assert (settings.job_window_days, settings.aurora_cost_per_gb_month, settings.max_listed_arns) == (
        1,
        0.0,
        1,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"job_window_days": 0}, "job_window_days must be at least 1, not 0"),
        ({"aurora_cost_per_gb_month": -0.01}, "aurora_cost_per_gb_month must not be negative: -0.01"),
        ({"max_listed_arns": 0}, "max_listed_arns must be at least 1, not 0"),
    ],
)
def test_settings_below_their_bounds_are_refused(change: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        RuleSettings(**change)  # type: ignore[arg-type]  # int or float fields, one at a time
    assert str(caught.value) == message
