"""How BKP-091's comparison (``auditor.protection.evidence.compare``) groups AWS Backup's records:
by account, Region, plan and rule, only the records a plan created, and in an order that does not
depend on the order of the records."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.builders import (
    COLLECTED_AT,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    BundleBuilder,
    plan_version_of,
    rule_id_of,
)
from tests.protection.evidence_compare import disagreements as _found

RUN = COLLECTED_AT - timedelta(days=1)
HOUR = timedelta(hours=1)
OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "eu-central-1"


def _plan_job(
    b: BundleBuilder,
    plan: str,
    arn: str,
    when: datetime,
    *,
    account_id: str | None = None,
    region: str | None = None,
    with_rule: bool = True,
) -> str:
    return b.job(
        arn,
        "EBS",
        created=when,
        plan_id=plan,
        plan_version=plan_version_of(plan),
        rule_id=rule_id_of(plan) if with_rule else None,
        account_id=account_id,
        region=region,
    )


def test_records_are_grouped_by_their_own_account_and_region_whatever_the_on_demand_ones(
    tmp_path: Path,
) -> None:
    """An older on-demand job of another account (or Region) does not lend its account (or Region)
    to the plan's records: the plan's run is still compared in its own account-Region."""
    for other in ("account", "region"):
        b = BundleBuilder()
        account, region = (
            (OTHER_ACCOUNT, DEFAULT_REGION) if other == "account" else (DEFAULT_ACCOUNT, OTHER_REGION)
        )
        b.account(account, [region])
        elsewhere = b.ebs_volume("vol-0elsewhere", account_id=account, region=region)
        b.job(elsewhere, "EBS", created=RUN - HOUR, account_id=account, region=region)  # on demand
        ran = b.ebs_volume("vol-0ran")
        extra = b.ebs_volume("vol-0extra")
        plan = b.plan("daily")
        b.selection(plan, "by-arn", resources=[ran])
        _plan_job(b, plan, ran, RUN)
        job = _plan_job(b, plan, extra, RUN)
        found = _found(b, tmp_path / other)
        assert [(d.disagreement, d.resource_arn, d.account_id, d.region) for d in found] == [
            ("backed-up-not-predicted", extra, DEFAULT_ACCOUNT, DEFAULT_REGION)
        ], other
        assert found[0].evidence is not None and found[0].evidence.id == job


def test_only_the_rules_own_records_back_a_resource_up(tmp_path: Path) -> None:
    """The skipped volume has an on-demand job and a job of another plan in the window: neither is
    a run of this plan's rule, so the rule still skipped it."""
    b = BundleBuilder()
    ran = b.ebs_volume("vol-0ran")
    skipped = b.ebs_volume("vol-0skipped")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[ran, skipped])
    other = b.plan("other")
    b.selection(other, "by-arn", resources=[skipped])
    _plan_job(b, plan, ran, RUN)
    _plan_job(b, other, skipped, RUN)
    b.job(skipped, "EBS", created=RUN)  # on demand
    found = _found(b, tmp_path)
    assert [(d.disagreement, d.resource_arn, d.plan_name) for d in found] == [
        ("predicted-not-backed-up", skipped, "daily")
    ]


def test_a_plans_records_with_and_without_rule_id_are_both_compared(tmp_path: Path) -> None:
    b = BundleBuilder()
    ran = b.ebs_volume("vol-0ran")
    by_rule = b.ebs_volume("vol-0by-rule")
    no_rule = b.ebs_volume("vol-0no-rule")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[ran])
    _plan_job(b, plan, ran, RUN)
    _plan_job(b, plan, by_rule, RUN)
    _plan_job(b, plan, no_rule, RUN, with_rule=False)
    found = _found(b, tmp_path)
    assert {
        (d.resource_arn, d.plan_rule_id) for d in found if d.disagreement == "backed-up-not-predicted"
    } == {
        (by_rule, rule_id_of(plan)),
        (no_rule, None),
    }


def test_the_order_of_the_disagreements_does_not_depend_on_the_order_of_the_records(tmp_path: Path) -> None:
    orders = []
    for first in ("vol-0a", "vol-0b", "vol-0c"):
        b = BundleBuilder()
        ran = b.ebs_volume("vol-0ran")
        volumes = {v: b.ebs_volume(v) for v in ("vol-0a", "vol-0b", "vol-0c")}
        plan = b.plan("daily")
        b.selection(plan, "by-arn", resources=[ran])
        _plan_job(b, plan, ran, RUN)
        for v, arn in volumes.items():
            _plan_job(b, plan, arn, RUN if v == first else RUN + HOUR)
        orders.append([d.resource_arn.rsplit("/", 1)[-1] for d in _found(b, tmp_path / first)])
    assert orders[0] == orders[1] == orders[2]
    assert sorted(orders[0]) == ["vol-0a", "vol-0b", "vol-0c"]
