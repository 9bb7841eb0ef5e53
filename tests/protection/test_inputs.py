"""What the resolver reads from an inventory (``auditor.protection.inputs``): selections compiled
per account-region, the account-regions whose region settings were read, and the per-region facts
with empty gap lists where nothing is missing."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.protection.explain import explain
from auditor.protection.inputs import Gap, compile_selections, settings_read
from auditor.protection.resolver import inventory_facts, resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "us-east-1"


def _inventory(b: BundleBuilder, tmp_path: Path) -> Inventory:
    return load_inventory(read_bundle(b.build(tmp_path / "bundle")))


def test_selections_are_compiled_per_account_region_each_naming_its_own(tmp_path: Path) -> None:
    b = BundleBuilder()
    scopes = [
        (DEFAULT_ACCOUNT, DEFAULT_REGION),
        (DEFAULT_ACCOUNT, OTHER_REGION),
        (OTHER_ACCOUNT, DEFAULT_REGION),
    ]
    for a, r in scopes:
        b.selection(
            b.plan(f"p-{a}-{r}", account_id=a, region=r),
            f"s-{a}-{r}",
            resources=["*"],
            account_id=a,
            region=r,
        )
    compiled = compile_selections(_inventory(b, tmp_path))
    assert sorted(compiled) == sorted(scopes)
    for (a, r), sels in compiled.items():
        assert [(s.account_id, s.region, s.selection_name) for s in sels] == [(a, r, f"s-{a}-{r}")]


def test_only_regions_whose_settings_were_read_count_as_read(tmp_path: Path) -> None:
    # us-east-1 lost DescribeRegionSettings but every other call there was collected: its opt-in
    # is unknown (None), never "off", while eu-west-1's type left out of the settings reads off
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, OTHER_REGION])
    read_here = b.dynamodb_table("read", region=DEFAULT_REGION)
    unread_here = b.dynamodb_table("unread", region=OTHER_REGION)
    b.drop_opt_in("DynamoDB", region=DEFAULT_REGION)
    b.error("backup", "DescribeRegionSettings", region=OTHER_REGION)
    inv = _inventory(b, tmp_path)
    assert settings_read(inv) == {(DEFAULT_ACCOUNT, DEFAULT_REGION)}
    p = resolve(inv)
    opt_in = dict(zip(p.verdicts["arn"], p.verdicts["opt_in"], strict=True))
    assert opt_in[read_here] is False
    assert opt_in[unread_here] is None
    e = explain(inv, p, unread_here)
    assert e.opt_in is None
    assert (
        e.opt_in_text == f"the DynamoDB opt-in in {OTHER_REGION} is unknown (region settings not collected)"
    )
    assert (
        explain(inv, p, read_here).opt_in_text
        == f"the DynamoDB opt-in is not set in {DEFAULT_REGION} (treated as off)"
    )


def test_a_region_missing_nothing_has_empty_gap_lists(tmp_path: Path) -> None:
    # a tag selection in both regions, so each region's tag gaps are looked up; only us-east-1
    # lost a deciding, a tag and a parent-listing operation
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, OTHER_REGION])
    for r in (DEFAULT_REGION, OTHER_REGION):
        b.dynamodb_table("t", tags={"backup": "yes"}, region=r)
        b.selection(b.plan("p", region=r), "by-tag", list_of_tags=[("backup", "yes")], region=r)
    b.error("backup", "DescribeRegionSettings", region=OTHER_REGION)
    b.error("dynamodb", "ListTagsOfResource", region=OTHER_REGION)
    b.error("ec2", "DescribeInstances", region=OTHER_REGION)
    facts = inventory_facts(_inventory(b, tmp_path))
    listings = sorted(facts.link_gaps)
    assert listings  # the resolver's parent listings
    clean = facts.region(DEFAULT_ACCOUNT, DEFAULT_REGION)
    assert clean.gaps == [] and clean.tag_gaps == []
    assert clean.link_gaps == {op: [] for op in listings}
    lacking = facts.region(DEFAULT_ACCOUNT, OTHER_REGION)
    assert [g.operation for g in lacking.gaps] == ["backup.DescribeRegionSettings"]
    assert [g.operation for g in lacking.tag_gaps] == ["dynamodb.ListTagsOfResource"]
    assert [g.operation for g in lacking.link_gaps["ec2.DescribeInstances"]] == ["ec2.DescribeInstances"]
    assert all(isinstance(g, Gap) for g in [*lacking.gaps, *lacking.tag_gaps])
