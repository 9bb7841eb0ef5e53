"""Resources protected through the CloudFormation stack they are part of.

A stack backup is a composite recovery point with a nested recovery point of each resource of the
stack that AWS Backup supports ("AWS CloudFormation stack backups"), so a supported resource of a
protected stack is protected even when no selection names it. Each test builds a bundle with
:class:`BundleBuilder`, loads and resolves it (and evaluates the rules where one is concerned).
"""

from __future__ import annotations

from pathlib import Path

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.protection.explain import explain, render_text
from auditor.protection.parents import STACK_READING
from auditor.protection.resolver import Protection, resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
TAGGED = {"backup": "daily"}


def _resolve(b: BundleBuilder, tmp_path: Path) -> tuple[Inventory, Protection]:
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    return inv, resolve(inv)


def _verdict(p: Protection, arn: str) -> tuple[bool | None, str]:
    rows = p.verdicts[p.verdicts["arn"] == arn]
    assert len(rows) == 1
    value = rows["protected"].iloc[0]
    return (None if value is None else bool(value)), str(rows["reason"].iloc[0])


def _tagged_plan(b: BundleBuilder) -> None:
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])


# ---------------------------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------------------------


def test_stacks_are_resources_and_their_supported_resources_name_them(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    db = b.rds_instance("ledger")
    stack = b.cloudformation_stack(
        "orders-app",
        tags={"team": "orders"},
        resources=[
            ("AWS::DynamoDB::Table", "orders"),
            ("AWS::RDS::DBInstance", "Ledger"),  # RDS identifiers are lower case in ARNs
            ("AWS::IAM::Role", "orders-app-role"),  # not a type AWS Backup protects
        ],
    )
    gone = b.cloudformation_stack("old-app", status="DELETE_COMPLETE")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    res = inv.resources.set_index("arn")
    assert stack in res.index and gone not in res.index
    assert res.loc[stack, "resource_type"] == "CloudFormation"
    assert res.loc[stack, "service"] == "cloudformation"
    assert res.loc[stack, "name"] == "orders-app"
    assert res.loc[stack, "tags"] == {"team": "orders"}
    assert res.loc[table, "stacks"] == (stack,)
    assert res.loc[db, "stacks"] == (stack,)
    assert res.loc[stack, "stacks"] == ()


def test_a_bundle_without_cloudformation_files_reads_as_before(tmp_path: Path) -> None:
    """A version 1 bundle (its collector never called CloudFormation) reads as it always did."""
    b = BundleBuilder(version=1)
    table = b.dynamodb_table("orders", tags=TAGGED)
    _tagged_plan(b)
    inv, p = _resolve(b, tmp_path)
    assert not (tmp_path / "bundle" / "accounts" / A / R / "cloudformation.DescribeStacks.json").exists()
    assert inv.resources["stacks"].tolist() == [()]
    assert not inv.coverage["operation"].str.startswith("cloudformation.").any()
    assert _verdict(p, table)[0] is True


# ---------------------------------------------------------------------------------------------
# Resolver
# ---------------------------------------------------------------------------------------------


def test_resource_of_a_protected_stack_is_protected_through_it(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    stack = b.cloudformation_stack("orders-app", tags=TAGGED, resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, stack) == (True, "protected by plan `daily` / selection `tagged` (tags)")
    assert _verdict(p, table) == (
        True,
        "backed up with its CloudFormation stack orders-app (plan `daily` / selection `tagged`)",
    )
    rows = p.matches[p.matches["arn"] == table]
    assert rows[["via", "through_arn", "effective", "selection_name"]].values.tolist() == [
        ["stack", stack, True, "tagged"]
    ]


def test_resource_of_an_unprotected_stack_says_so(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.cloudformation_stack("orders-app", resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, table)
    assert protected is False
    assert reason.endswith(
        "; the CloudFormation stack it is part of (orders-app) is not protected either "
        "(protecting the stack would back this resource up with it)"
    )


def test_resource_of_unknown_verdict_in_an_unprotected_stack_keeps_its_own_reason(tmp_path: Path) -> None:
    """The stack cannot save the table and says nothing it knows: the table's own 'not audited' stays."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.cloudformation_stack("orders-app", resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    b.error("dynamodb", "ListTagsOfResource")
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, table)
    assert protected is None
    assert reason.startswith("not audited: ") and "dynamodb.ListTagsOfResource" in reason
    assert "stack" not in reason


def test_stack_in_another_region_does_not_protect(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.cloudformation_stack(
        "orders-app", tags=TAGGED, resources=[("AWS::DynamoDB::Table", "orders")], region="us-east-1"
    )
    b.selection(
        b.plan("daily", region="us-east-1"), "tagged", list_of_tags=[("backup", "daily")], region="us-east-1"
    )
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, table)[0] is False


def test_instance_of_a_protected_stack_protects_its_attached_volume(tmp_path: Path) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0web")
    volume = b.ebs_volume("vol-0data", attached_to="i-0web")
    stack = b.cloudformation_stack("web-app", tags=TAGGED, resources=[("AWS::EC2::Instance", "i-0web")])
    _tagged_plan(b)
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, instance)[0] is True
    protected, reason = _verdict(p, volume)
    assert protected is True
    assert reason == "backed up with its EC2 instance i-0web (plan `daily` / selection `tagged`)"
    rows = p.matches[p.matches["arn"] == volume]
    assert rows[["via", "through_arn"]].values.tolist() == [["instance", instance]]
    assert stack in set(p.matches["through_arn"])


def test_stack_selected_by_tags_needs_the_cloudformation_opt_in(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("CloudFormation", False)
    table = b.dynamodb_table("orders")
    stack = b.cloudformation_stack("orders-app", tags=TAGGED, resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, stack)[0] is False
    assert _verdict(p, table)[0] is False
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "evaluated")))
    assert {f.resource_arn for f in result.findings if f.rule_id == "BKP-001"} == {stack}


def test_resource_skipped_for_its_opt_in_but_in_a_protected_stack_is_not_bkp_001(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("DynamoDB", False)
    table = b.dynamodb_table("orders", tags=TAGGED)
    b.cloudformation_stack("orders-app", tags=TAGGED, resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, table)
    assert protected is True
    assert "its own selection plan `daily` / selection `tagged` is skipped (opt-in)" in reason
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "evaluated")))
    assert table not in {f.resource_arn for f in result.findings if f.rule_id == "BKP-001"}


# ---------------------------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------------------------


def test_explain_shows_the_stack_and_the_reading(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    stack = b.cloudformation_stack("orders-app", tags=TAGGED, resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    inv, p = _resolve(b, tmp_path)
    e = explain(inv, p, table)
    assert [(s.arn, s.protected, s.selections) for s in e.stacks] == [
        (stack, True, ("plan `daily` / selection `tagged`",))
    ]
    assert STACK_READING in e.readings
    text = render_text(e).splitlines()
    assert text[0] == f"resource   {table}", "the stack lines come after the resource's own trail"
    head = text.index(
        "part of 1 CloudFormation stack(s): a stack backup holds a nested recovery point of each "
        "resource AWS Backup supports"
    )
    assert text[head + 1 : head + 3] == [
        f"  [PROTECTED] {stack}",
        "      protected by plan `daily` / selection `tagged`",
    ]
    assert f"reading    {STACK_READING}" in text
    assert explain(inv, p, stack).stacks == ()


def test_denied_stack_listing_is_bkp_090_and_claims_no_protection(tmp_path: Path) -> None:
    """A version 2 collector that was denied the stack listing (a deployed role without the new
    permission): the account-region is partial (BKP-090 names both operations), and no resource is
    protected through a stack that could not be read."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.cloudformation_stack("orders-app", tags=TAGGED, resources=[("AWS::DynamoDB::Table", "orders")])
    _tagged_plan(b)
    b.error("cloudformation", "DescribeStacks")
    b.error("cloudformation", "ListStackResources")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))
    [gap] = [f for f in result.findings if f.rule_id == "BKP-090"]
    assert gap.details["operations"] == ["cloudformation.DescribeStacks", "cloudformation.ListStackResources"]
    assert {c.status for c in result.coverage} == {"partial"}
    assert {(f.rule_id, f.resource_arn) for f in result.findings if f.rule_id != "BKP-090"} == {
        ("BKP-002", table)
    }
