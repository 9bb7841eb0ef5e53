"""BKP-091's comparison (``auditor.protection.evidence.compare``) keeps each resource, plan and
account-Region apart in its number keys: several plans of one account-Region, plans of several
accounts and Regions, records of resources the bundle does not list, a resource without a verdict
row and a resources frame without creation dates (mutation-run survivors of the comparison's
rewrite to resource positions and sorted int64 keys)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.protection import evidence as ev
from auditor.protection.evidence import compare
from auditor.protection.resolver import Protection, resolve
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder, rule_id_of
from tests.protection.evidence_compare import disagreements

RUN = COLLECTED_AT - timedelta(days=1)
OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "us-east-1"


def _ran(
    b: BundleBuilder, plan: str, arn: str, *, account_id: str | None = None, region: str | None = None
) -> None:
    b.job(
        arn, "EBS", created=RUN, plan_id=plan, rule_id=rule_id_of(plan), account_id=account_id, region=region
    )


def _found(b: BundleBuilder, tmp_path: Path) -> set[tuple[str, str, str]]:
    """(kind, plan id, volume id) of every disagreement."""
    return {
        (d.disagreement, d.plan_id, d.resource_arn.rsplit("/", 1)[-1]) for d in disagreements(b, tmp_path)
    }


def test_each_plan_of_an_account_region_is_compared_with_its_own_selections(tmp_path: Path) -> None:
    """Three plans in one account-Region, each selecting two volumes it skipped and one it backed
    up: each skip is named with its own plan, none with another's."""
    b = BundleBuilder()
    plans = []
    for n in range(3):
        skipped = [b.ebs_volume(f"vol-0p{n}skip{k}") for k in range(2)]
        ran = b.ebs_volume(f"vol-0p{n}ran")
        plan = b.plan(f"plan-{n}")
        b.selection(plan, "by-arn", resources=[*skipped, ran])
        _ran(b, plan, ran)
        plans.append(plan)
    assert _found(b, tmp_path) == {
        ("predicted-not-backed-up", plan, f"vol-0p{n}skip{k}")
        for n, plan in enumerate(plans)
        for k in range(2)
    }


def test_plans_of_several_accounts_and_regions_keep_their_own_account_region(tmp_path: Path) -> None:
    """Resources in two accounts and two Regions: a skip in the first account's second Region is
    found with that account-Region's plan (an account-Region is numbered from both)."""
    b = BundleBuilder()
    b.ebs_volume("vol-0home")
    b.ebs_volume("vol-0far", account_id=OTHER_ACCOUNT)
    skipped = b.ebs_volume("vol-0skipped", region=OTHER_REGION)
    ran = b.ebs_volume("vol-0ran", region=OTHER_REGION)
    plan = b.plan("daily", region=OTHER_REGION)
    b.selection(plan, "by-arn", resources=[skipped, ran], region=OTHER_REGION)
    _ran(b, plan, ran, region=OTHER_REGION)
    (d,) = disagreements(b, tmp_path)
    assert (d.disagreement, d.account_id, d.region, d.plan_id, d.resource_arn) == (
        "predicted-not-backed-up",
        DEFAULT_ACCOUNT,
        OTHER_REGION,
        plan,
        skipped,
    )


def test_records_of_resources_the_bundle_does_not_list_back_no_listed_resource_up(tmp_path: Path) -> None:
    """The only listed volume is selected by plan P, whose rule ran for a volume the bundle does
    not list; a later run of another plan is for another such volume: neither covers the listed
    one, which P skipped."""
    b = BundleBuilder()
    listed = b.ebs_volume("vol-0listed")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[listed])
    gone = "arn:aws:ec2:eu-west-1:111111111111:volume/vol-0gone"
    _ran(b, plan, gone)
    other = "plan-of-another-bundle"
    b.job(gone + "2", "EBS", created=RUN + timedelta(hours=1), plan_id=other, rule_id=rule_id_of(other))
    assert _found(b, tmp_path) == {("predicted-not-backed-up", plan, "vol-0listed")}


def _skip(b: BundleBuilder, tmp_path: Path) -> tuple[Inventory, Protection, str]:
    """A plan that backed ``vol-0ran`` up and skipped ``vol-0skipped`` (``vol-0extra`` listed after
    it, selected by none): the inventory, its protection and the skipped volume's ARN."""
    ran = b.ebs_volume("vol-0ran")
    skipped = b.ebs_volume("vol-0skipped")
    b.ebs_volume("vol-0extra")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[ran, skipped])
    _ran(b, plan, ran)
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    return inv, resolve(inv), skipped


def test_a_skipped_resource_without_a_verdict_row_is_undecided(tmp_path: Path) -> None:
    inv, protection, skipped = _skip(BundleBuilder(), tmp_path)
    v = protection.verdicts
    assert v.loc[v["arn"] != skipped, "protected"].notna().all()
    without = replace(protection, verdicts=v[v["arn"] != skipped].reset_index(drop=True))
    (d,) = compare(inv, without, COLLECTED_AT, 14)
    assert (d.disagreement, d.resource_arn, d.excluded) == (
        "predicted-not-backed-up",
        skipped,
        ev.EXCLUDED_PARTIAL,
    )
    assert d.note == f"the resource's verdict is undecided in account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}"


def test_a_resources_frame_without_creation_dates_says_the_creation_is_unknown(tmp_path: Path) -> None:
    inv, protection, skipped = _skip(BundleBuilder(), tmp_path)
    assert "created" in inv.resources
    undated = replace(inv, resources=inv.resources.drop(columns="created"))
    (d,) = compare(undated, protection, COLLECTED_AT, 14)
    assert (d.disagreement, d.resource_arn, d.excluded) == ("predicted-not-backed-up", skipped, None)
    assert d.note.startswith("the bundle does not say when the resource was created: if after ")
