"""Protection through a parent is data: a relation other than the EC2 attachment works unchanged.

The relation below is made up for the test (a resource backed up with a "stack" it belongs to);
the resolver's own relation, EBS volume -> EC2 instance, is covered end to end in
``test_attached_volumes.py``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.protection.inputs import Gap, RegionFacts, ResourceColumns
from auditor.protection.matching import MATCH_COLUMNS, match_region
from auditor.protection.parents import (
    CFN_STACK,
    EC2_ATTACHMENT,
    PARENT_RELATIONS,
    ParentRelation,
    protect_through_parents,
)
from auditor.protection.patterns import compile_selection
from auditor.protection.verdicts import VerdictColumns
from auditor.protection.via import Via

A, R = "111111111111", "eu-west-1"
STACK = ParentRelation(
    column="stacks",
    parent_type="Stack",
    listing="cloudformation.ListStacks",
    via=Via.TAGS,  # any Via: the test checks that the relation's own is written
    parent_noun="stack",
    parent_short="stack",
    child_noun="resource",
    link="a member of",
    parent_id=lambda arn: arn.split("/")[1],
)


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:test:{R}:{A}:{kind}/{name}/id"


def _columns(resources: list[tuple[str, str, dict[str, str], tuple[str, ...]]]) -> ResourceColumns:
    """``(arn, resource type, tags, parent ARNs)`` per resource."""
    n = len(resources)
    return ResourceColumns(
        arns=[r[0] for r in resources],
        account_ids=[A] * n,
        regions=[R] * n,
        types=[r[1] for r in resources],
        tags=[r[2] for r in resources],
        services=["test"] * n,
        rds_custom=[False] * n,
        on_outposts=[False] * n,
        versioning=[None] * n,
        engines=[None] * n,
        parent_tags=[None] * n,
        parent_arns=[None] * n,
        links={"stacks": [r[3] for r in resources]},
    )


def _facts(listing_gaps: list[Gap]) -> RegionFacts:
    sel = compile_selection(
        account_id=A,
        region=R,
        plan_id="p1",
        plan_name="daily",
        selection_id="s1",
        selection_name="stacks",
        resources=[],
        not_resources=[],
        list_of_tags=[("StringEquals", "backup", "yes")],
        conditions=[],
    )
    return RegionFacts(
        account_id=A,
        region=R,
        selections=[sel],
        settings={"Stack": True, "Thing": True},
        settings_collected=True,
        gaps=[],
        tag_gaps=[],
        link_gaps={STACK.listing: listing_gaps},
    )


def _run(
    cols: ResourceColumns, facts: RegionFacts, own: dict[int, bool | None]
) -> tuple[VerdictColumns, list[dict[str, Any]]]:
    """Match, set the given own verdicts (position -> verdict), then apply the relation."""
    rows: list[tuple[Any, ...]] = []
    positions = list(range(len(cols.arns)))
    found = match_region(cols, positions, facts, rows)
    out = VerdictColumns(len(positions))
    for p in positions:
        out.protected[p] = own.get(p, any(m.effective for m in found.get(p, [])))
        out.reasons[p] = f"own reason {p}"
    before = len(rows)
    protect_through_parents(STACK, cols, positions, facts, found, out, rows)
    return out, [dict(zip(MATCH_COLUMNS, r, strict=True)) for r in rows[before:]]


def test_child_of_protected_parent_is_protected_through_it_in_the_relations_words() -> None:
    parent = _arn("stack", "web")
    cols = _columns([(parent, "Stack", {"backup": "yes"}, ()), (_arn("thing", "a"), "Thing", {}, (parent,))])
    out, rows = _run(cols, _facts([]), {})
    assert out.protected == [True, True]
    assert out.reasons[1] == "backed up with its stack web (plan `daily` / selection `stacks`)"
    assert rows == [
        {
            "arn": cols.arns[1],
            "account_id": A,
            "region": R,
            "resource_type": "Thing",
            "plan_id": "p1",
            "plan_name": "daily",
            "selection_id": "s1",
            "selection_name": "stacks",
            "via": "tags",
            "effective": True,
            "blocked_by": None,
            "fsx_tags_on_filesystem": False,
            "through_arn": parent,
        }
    ]


def test_child_of_unprotected_parent_stays_unprotected_and_names_the_parent() -> None:
    parent = _arn("stack", "dev")
    cols = _columns([(parent, "Stack", {}, ()), (_arn("thing", "b"), "Thing", {}, (parent,))])
    out, rows = _run(cols, _facts([]), {})
    assert out.protected == [False, False]
    assert out.reasons[1] == (
        "own reason 1; the stack it is a member of (dev) is not protected either "
        "(protecting the stack would back this resource up with it)"
    )
    assert rows == []


def test_unlisted_parent_without_its_listing_leaves_the_child_not_audited() -> None:
    gap = Gap(STACK.listing, "AccessDenied")
    cols = _columns([(_arn("thing", "c"), "Thing", {}, (_arn("stack", "gone"),))])
    out, rows = _run(cols, _facts([gap]), {})
    assert out.protected == [None]
    assert out.reasons[0] == (
        f"not audited: a member of stack gone, which could not be judged: cloudformation.ListStacks was "
        f"not collected in {A}/{R}: AccessDenied"
    )
    assert rows == []


def test_parent_with_unknown_verdict_leaves_the_child_not_audited() -> None:
    parent = _arn("stack", "odd")
    cols = _columns([(parent, "Stack", {}, ()), (_arn("thing", "d"), "Thing", {}, (parent,))])
    out, _ = _run(cols, _facts([]), {0: None})
    assert out.protected == [None, None]
    assert out.reasons[1] == "not audited: a member of stack odd, whose protection is unknown (own reason 0)"


def test_child_protected_on_its_own_gets_no_rows_from_the_relation() -> None:
    parent = _arn("stack", "web")
    cols = _columns(
        [
            (parent, "Stack", {"backup": "yes"}, ()),
            (_arn("thing", "e"), "Thing", {"backup": "yes"}, (parent,)),
        ]
    )
    out, rows = _run(cols, _facts([]), {})
    assert out.protected == [True, True]
    assert out.reasons[1] == "own reason 1"
    assert rows == []


def test_resolver_applies_the_stack_then_the_ec2_attachment_relation() -> None:
    assert PARENT_RELATIONS == (CFN_STACK, EC2_ATTACHMENT)
    assert (CFN_STACK.column, CFN_STACK.parent_type, CFN_STACK.via) == ("stacks", "CloudFormation", Via.STACK)
    stack = (
        "arn:aws:cloudformation:eu-west-1:111111111111:stack/orders-app/1b2c3d4e-0000-0000-0000-000000000000"
    )
    assert CFN_STACK.parent_id(stack) == "orders-app"
    assert (EC2_ATTACHMENT.column, EC2_ATTACHMENT.parent_type, EC2_ATTACHMENT.via) == (
        "attached_instances",
        "EC2",
        Via.INSTANCE,
    )
    assert EC2_ATTACHMENT.parent_id("arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc") == "i-0abc"


def test_stack_parent_id_is_the_stack_name_whatever_the_arn_looks_like() -> None:
    """Explain and the reasons name a stack by its name; a malformed ARN in a bundle does not crash."""
    arn = f"arn:aws:cloudformation:{R}:{A}:stack/web-prod/8e1c2b30-0c2e-11ef-9a6b-0a1b2c3d4e5f"
    assert CFN_STACK.parent_id(arn) == "web-prod"
    assert CFN_STACK.parent_id("stack/web-prod") == "web-prod"
    assert CFN_STACK.parent_id("web-prod") == "web-prod"
    assert EC2_ATTACHMENT.parent_id("i-0abc") == "i-0abc"
    assert EC2_ATTACHMENT.parent_id(f"arn:aws:ec2:{R}:{A}:instance/i-0abc") == "i-0abc"
    # the default short name of a relation's parent is the last part of the ARN's path
    assert replace(STACK, parent_id=EC2_ATTACHMENT.parent_id).parent_id(_arn("stack", "web")) == "id"
