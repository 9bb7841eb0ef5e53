"""``CompiledSelection.routes`` (the resolver's column-wise matching) answers exactly as ``route``
answers resource by resource, for any mix of Resources, NotResources, Conditions and ListOfTags."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.protection.patterns import (
    TagCondition,
    classify,
    compile_selection,
    condition_holds,
    pattern_hits,
)
from auditor.protection.via import Via

SERVICES = ("ec2", "rds", "s3")
ARNS = [
    f"arn:aws:{svc}:us-east-1:111122223333:{kind}/{name}"
    for svc in SERVICES
    for kind in ("instance", "volume", "db")
    for name in ("a1", "b2", "a-prod")
]
PATTERNS = st.sampled_from(
    [
        "*",
        "arn:aws:ec2:*",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:rds:*:*:db/*",
        "arn:aws:*:*:*:volume/a*",
        "*a-prod",
        ARNS[0],
        ARNS[5],
        "arn:aws:s3:::nothing",
    ]
)
VALUES = st.sampled_from(["prod", "dev", "prod*", "p?od", "*", "", "dev-1"])
KEYS = st.sampled_from(["env", "aws:ResourceTag/env", "team", "aws:ResourceTag/tier"])
CONDITIONS = st.tuples(
    st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]), KEYS, VALUES
)
TAGS = st.dictionaries(st.sampled_from(["env", "team", "tier"]), VALUES, max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    resources=st.lists(PATTERNS, max_size=3),
    not_resources=st.lists(PATTERNS, max_size=2),
    list_of_tags=st.lists(st.tuples(st.just("StringEquals"), KEYS, VALUES), max_size=2),
    conditions=st.lists(CONDITIONS, max_size=3),
    resources_tags=st.lists(st.tuples(st.sampled_from(ARNS), TAGS), max_size=12),
)
def test_routes_equal_route_of_each_resource(
    resources: list[str],
    not_resources: list[str],
    list_of_tags: list[tuple[str, str, str]],
    conditions: list[tuple[str, str, str]],
    resources_tags: list[tuple[str, dict[str, str]]],
) -> None:
    sel = compile_selection(
        account_id="111122223333",
        region="us-east-1",
        plan_id="p",
        plan_name="plan",
        selection_id="s",
        selection_name="sel",
        resources=resources,
        not_resources=not_resources,
        list_of_tags=list_of_tags,
        conditions=conditions,
    )
    arns = [a for a, _ in resources_tags]
    tags = [t for _, t in resources_tags]
    assert sel.routes(arns, tags) == [sel.route(a, t) for a, t in resources_tags]


def test_routes_prefer_the_best_route_whatever_the_pattern_order() -> None:
    arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
    sel = compile_selection(
        account_id="111122223333",
        region="us-east-1",
        plan_id="p",
        plan_name="plan",
        selection_id="s",
        selection_name="sel",
        resources=["*", "arn:aws:ec2:*", "arn:aws:ec2:*:*:instance/*", arn],
        not_resources=[],
        list_of_tags=[],
        conditions=[],
    )
    other = "arn:aws:ec2:us-east-1:111122223333:volume/v-1"
    assert sel.routes([arn, other, "arn:aws:s3:::b"], [{}, {}, {}]) == [Via.ARN, Via.SERVICE, Via.ALL]


@given(PATTERNS, st.lists(st.sampled_from(ARNS), max_size=8))
def test_pattern_hits_equal_matches(pattern: str, arns: list[str]) -> None:
    p = classify(pattern)
    assert pattern_hits(p, arns) == [p.matches(a) for a in arns]


@given(CONDITIONS, st.lists(TAGS, max_size=8))
def test_condition_holds_equals_holds(cond: tuple[str, str, str], tags: list[dict[str, str]]) -> None:
    c = TagCondition(*cond)
    assert condition_holds(c, tags) == [c.holds(t) for t in tags]
