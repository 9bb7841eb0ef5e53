"""Which open reading decided a prediction (``auditor/protection/reading_ids.py``), from the trail
``explain`` gives one plan's selections. The ids are those of ``docs/semantics-review.md``
("Ambiguities"). Each test builds the trail of one documented case; BKP-091 names the reading
when AWS Backup's record contradicts the prediction (``tests/protection/test_evidence.py`` covers
the same through whole bundles)."""

from __future__ import annotations

from dataclasses import replace

from auditor.protection.explain import SelectionTrail
from auditor.protection.parents import STACK_READING
from auditor.protection.patterns import LIST_OF_TAGS_READING, MISSING_KEY_READING
from auditor.protection.reading_ids import READINGS, Decision, Trail, not_selected, selected
from auditor.protection.reasons import ConditionCheck, PatternCheck

PLAN = "plan-1"
TABLE = "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"


def _sel(
    selection_id: str = "sel-1",
    *,
    plan_id: str = PLAN,
    resources: tuple[PatternCheck, ...] = (),
    conditions: tuple[ConditionCheck, ...] = (),
    list_of_tags: tuple[ConditionCheck, ...] = (),
    matched: bool = False,
    via: str | None = None,
    effective: bool = False,
    blocked_by: str | None = None,
    why: str | None = None,
) -> SelectionTrail:
    return SelectionTrail(
        plan_id=plan_id,
        plan_name="daily",
        selection_id=selection_id,
        selection_name=selection_id,
        empty=False,
        resources=resources,
        not_resources=(),
        conditions=conditions,
        list_of_tags=list_of_tags,
        matched=matched,
        via=via,
        effective=effective,
        blocked_by=blocked_by,
        fsx_tags_on_filesystem=False,
        why=why or f"why {selection_id}",
    )


def _trail(
    *selections: SelectionTrail,
    resource_type: str = "DynamoDB",
    opt_in: bool | None = True,
    in_stack: bool = False,
    reason: str = "the verdict's reason",
) -> Trail:
    return Trail(resource_type, opt_in, selections, in_stack, reason)


def _cond(
    operator: str, expected: str, *, holds: bool, actual: str | None = "x", missing: bool = False
) -> ConditionCheck:
    return ConditionCheck(operator, "aws:ResourceTag/env", expected, actual, holds, missing)


TYPE_PATTERN = PatternCheck("arn:aws:dynamodb:*:*:table/*", "type", True)
OTHER_ARN = PatternCheck("arn:aws:dynamodb:eu-west-1:111111111111:table/other", "arn", False)


def test_every_id_used_is_a_reading_of_the_review() -> None:
    assert {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A15"} <= set(READINGS)
    assert all(READINGS[i] for i in ("A1", "A8", "A15")), "each reading has its title"


# -- not selected, yet AWS Backup backed the resource up -------------------------------------


def test_no_selection_of_the_plan_in_the_resources_account_region() -> None:
    other_plan = _sel(plan_id="plan-2", matched=True)
    assert not_selected(_trail(other_plan), PLAN) == Decision(
        None, None, "the plan has no selection in the resource's account and Region"
    )


def test_a8_an_aurora_cluster_blocked_by_its_own_opt_in() -> None:
    """A8: Aurora / Neptune / DocumentDB need their own opt-in, not the RDS one."""
    blocked = _sel("clusters", matched=True, blocked_by="Aurora opt-in off", why="Aurora opt-in is off")
    trail = _trail(_sel("first", resources=(OTHER_ARN,)), blocked, resource_type="Aurora", opt_in=False)
    assert not_selected(trail, PLAN) == Decision("clusters", "A8", "Aurora opt-in is off")


def test_a_type_that_shares_the_rds_opt_in_is_not_a8() -> None:
    blocked = _sel("dbs", matched=True, blocked_by="RDS opt-in off", why="RDS opt-in is off")
    decision = not_selected(_trail(blocked, resource_type="RDS", opt_in=False), PLAN)
    assert decision == Decision("dbs", None, "RDS opt-in is off"), "matched but blocked: no open reading"


def test_a3_a_string_not_condition_on_a_missing_key() -> None:
    """A3: StringNotEquals / StringNotLike do not hold on a resource lacking the key."""
    failing = _cond("StringNotEquals", "dev", holds=False, actual=None, missing=True)
    trail = _trail(_sel("plain", resources=(OTHER_ARN,)), _sel("not-dev", conditions=(failing,)))
    assert not_selected(trail, PLAN) == Decision("not-dev", "A3", MISSING_KEY_READING)


def test_a_missing_key_reading_that_holds_decides_nothing() -> None:
    holding = _cond("StringNotEquals", "dev", holds=True, actual=None, missing=True)
    decision = not_selected(_trail(_sel("not-dev", conditions=(holding,))), PLAN)
    assert decision.reading is None and decision.selection_id == "not-dev"


def test_a5_conditions_filter_what_a_type_pattern_selected() -> None:
    """A5: Conditions filter what a resource-type pattern selected."""
    failing = _cond("StringEquals", "prod", holds=False)
    trail = _trail(
        _sel("arn", resources=(OTHER_ARN,)), _sel("typed", resources=(TYPE_PATTERN,), conditions=(failing,))
    )
    assert not_selected(trail, PLAN) == Decision("typed", "A5", "why typed")


def test_not_a5_when_the_type_pattern_did_not_match_or_the_conditions_hold() -> None:
    unmatched_type = replace(TYPE_PATTERN, matched=False)
    failing = _cond("StringEquals", "prod", holds=False)
    assert (
        not_selected(_trail(_sel(resources=(unmatched_type,), conditions=(failing,))), PLAN).reading is None
    )
    arn_pattern = PatternCheck(TABLE, "arn", True)
    assert not_selected(_trail(_sel(resources=(arn_pattern,), conditions=(failing,))), PLAN).reading is None
    holding = _cond("StringEquals", "prod", holds=True)
    assert not_selected(_trail(_sel(resources=(TYPE_PATTERN,), conditions=(holding,))), PLAN).reading is None


def test_a1_a_question_mark_in_a_resources_pattern_is_literal() -> None:
    """A1: ``?`` in a Resources pattern is a literal character, so ``table/order?`` did not match."""
    literal = PatternCheck("arn:aws:dynamodb:*:*:table/order?", "arn", False)
    trail = _trail(_sel("plain", resources=(OTHER_ARN,)), _sel("qmark", resources=(literal,)))
    assert not_selected(trail, PLAN) == Decision("qmark", "A1", "why qmark")
    matched = replace(literal, matched=True)
    assert not_selected(_trail(_sel("qmark", resources=(matched,))), PLAN).reading is None


def test_a2_a_question_mark_in_a_like_condition() -> None:
    """A2: ``?`` in StringLike / StringNotLike matches one character."""
    like = _cond("StringLike", "pr?d", holds=False)
    assert not_selected(_trail(_sel("like", conditions=(like,))), PLAN) == Decision("like", "A2", "why like")
    in_list_of_tags = _cond("StringLike", "pr?d", holds=False)
    decision = not_selected(_trail(_sel("tags", list_of_tags=(in_list_of_tags,))), PLAN)
    assert decision == Decision("tags", "A2", "why tags")
    equals = _cond("StringEquals", "pr?d", holds=False)
    assert not_selected(_trail(_sel("eq", conditions=(equals,))), PLAN).reading is None


def test_a15_a_resource_of_a_stack() -> None:
    """A15: a resource belongs to the stack whose ListStackResources lists it."""
    one = _trail(_sel("only", resources=(OTHER_ARN,)), in_stack=True)
    assert not_selected(one, PLAN) == Decision("only", "A15", STACK_READING)
    two = _trail(_sel("a", resources=(OTHER_ARN,)), _sel("b", resources=(OTHER_ARN,)), in_stack=True)
    assert not_selected(two, PLAN) == Decision(None, "A15", STACK_READING), "no single selection decided"


def test_without_an_open_reading_the_matched_selection_decides_else_the_only_one() -> None:
    blocked = _sel("blocked", matched=True, blocked_by="opt-in off")
    trail = _trail(_sel("a", resources=(OTHER_ARN,)), blocked)
    assert not_selected(trail, PLAN) == Decision("blocked", None, "why blocked")
    assert not_selected(_trail(_sel("a", resources=(OTHER_ARN,))), PLAN) == Decision("a", None, "why a")
    two = _trail(_sel("a", resources=(OTHER_ARN,)), _sel("b", resources=(OTHER_ARN,)))
    assert not_selected(two, PLAN) == Decision(None, None, "why a")


def test_the_first_reading_in_the_documented_order_decides() -> None:
    """A8 before A3 before A5 before A1/A2, whatever the order of the selections."""
    a8 = _sel("a8", matched=True, blocked_by="Neptune opt-in off")
    a3 = _sel("a3", conditions=(_cond("StringNotLike", "d?v", holds=False, actual=None, missing=True),))
    a5 = _sel("a5", resources=(TYPE_PATTERN,), conditions=(_cond("StringEquals", "prod", holds=False),))
    a1 = _sel("a1", resources=(PatternCheck("arn:aws:rds:*:*:cluster:db?", "arn", False),))
    assert not_selected(_trail(a1, a5, a3, a8, resource_type="Neptune", opt_in=False), PLAN).reading == "A8"
    assert not_selected(_trail(a1, a5, a3, resource_type="Neptune", opt_in=False), PLAN).reading == "A3"
    assert not_selected(_trail(a1, a5, resource_type="Neptune", opt_in=False), PLAN).reading == "A5"
    assert not_selected(_trail(a1, in_stack=True), PLAN).reading == "A1", "A1 before A15"


# -- selected, yet AWS Backup's run skipped the resource ------------------------------------


def test_no_effective_selection_gives_the_verdicts_reason() -> None:
    ineffective = _sel("sel", matched=True, effective=False)
    assert selected(_trail(ineffective, reason="not protected"), PLAN) == Decision(
        None, None, "not protected"
    )
    other_plan = _sel("sel", plan_id="plan-2", matched=True, effective=True)
    assert selected(_trail(other_plan, reason="r"), PLAN) == Decision(None, None, "r")


def test_a4_list_of_tags_or_ed_with_failing_conditions() -> None:
    """A4: ListOfTags is OR-ed with Conditions: the resource was selected by its tag alone."""
    sel = _sel(
        "tags",
        matched=True,
        effective=True,
        via="tags",
        conditions=(_cond("StringEquals", "prod", holds=False),),
        list_of_tags=(_cond("StringEquals", "yes", holds=True),),
    )
    plain = _sel("plain", matched=True, effective=True, via="arn")
    assert selected(_trail(plain, sel), PLAN) == Decision("tags", "A4", LIST_OF_TAGS_READING)
    holding = replace(sel, conditions=(_cond("StringEquals", "prod", holds=True),))
    assert selected(_trail(holding), PLAN).reading is None
    no_tag = replace(sel, list_of_tags=(_cond("StringEquals", "yes", holds=False),))
    assert selected(_trail(no_tag), PLAN).reading is None


def test_a6_an_exact_arn_with_the_opt_in_off() -> None:
    """A6: an exact ARN backs a resource up with its type's opt-in off."""
    by_type = _sel("typed", matched=True, effective=True, via="service")
    by_arn = _sel("by-arn", matched=True, effective=True, via="arn", why="selected by exact ARN")
    off = _trail(by_type, by_arn, resource_type="EFS", opt_in=False)
    assert selected(off, PLAN) == Decision("by-arn", "A6", "selected by exact ARN")
    assert selected(replace(off, opt_in=True), PLAN) == Decision("typed", None, "why typed")
    assert selected(replace(off, opt_in=None), PLAN).reading is None, "opt-in not read: no reading"


def test_a7_an_fsx_file_system_selected_by_type_with_the_opt_in_off() -> None:
    """A7: an FSx file system selected by resource type is backed up with the FSx opt-in off."""
    by_type = _sel("typed", matched=True, effective=True, via="type")
    assert selected(_trail(by_type, resource_type="FSx", opt_in=False), PLAN) == Decision(
        "typed", "A7", "why typed"
    )
    assert selected(_trail(by_type, resource_type="EFS", opt_in=False), PLAN).reading is None
    assert selected(_trail(by_type, resource_type="FSx", opt_in=True), PLAN).reading is None


def test_a2_a_holding_like_condition_with_a_question_mark() -> None:
    like = _sel(
        "like",
        matched=True,
        effective=True,
        via="tags",
        conditions=(_cond("StringLike", "pr?d", holds=True),),
    )
    plain = _sel("plain", matched=True, effective=True, via="tags")
    assert selected(_trail(plain, like), PLAN) == Decision("like", "A2", "why like")
    star = replace(like, conditions=(_cond("StringLike", "pr*", holds=True),))
    assert selected(_trail(star), PLAN) == Decision("like", None, "why like")
    equals = replace(like, conditions=(_cond("StringEquals", "pr?d", holds=True),))
    assert selected(_trail(equals), PLAN).reading is None


def test_selected_readings_in_the_documented_order() -> None:
    a4 = _sel(
        "a4",
        matched=True,
        effective=True,
        via="tags",
        conditions=(_cond("StringLike", "pr?d", holds=False),),
        list_of_tags=(_cond("StringEquals", "yes", holds=True),),
    )
    a6 = _sel("a6", matched=True, effective=True, via="arn")
    a2 = _sel(
        "a2", matched=True, effective=True, via="tags", conditions=(_cond("StringLike", "pr?d", holds=True),)
    )
    assert selected(_trail(a2, a6, a4, resource_type="EFS", opt_in=False), PLAN).reading == "A4"
    assert selected(_trail(a2, a6, resource_type="EFS", opt_in=False), PLAN).reading == "A6"
