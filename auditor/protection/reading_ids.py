"""Which open reading of AWS's documentation decided a prediction, by its stable id.

The ids are those of ``docs/semantics-review.md`` ("Ambiguities": A1 ... A15); the words are the
ones ``explain`` prints for the trail (its ``reading`` line, or the ``->`` line of the selection
that decided). BKP-091 names them when AWS Backup's own record (a backup job, a recovery point)
disagrees with the prediction, so a team sees which reading their account contradicts.

Only the readings that can decide whether one plan selects one resource have an id here:

* A1: ``?`` in a ``Resources`` pattern is a literal character;
* A2: ``?`` in ``StringLike`` / ``StringNotLike`` matches one character;
* A3: ``StringNotEquals`` / ``StringNotLike`` do not hold on a resource lacking the key;
* A4: ``ListOfTags`` is OR-ed with ``Conditions``;
* A5: ``Conditions`` filter what a resource-type pattern selected;
* A6: an exact ARN backs a resource up with its type's opt-in off;
* A7: an FSx file system selected by resource type is backed up with the FSx opt-in off;
* A8: Aurora / Neptune / DocumentDB need their own opt-in (not the RDS one);
* A15: a resource belongs to the stack whose ``ListStackResources`` lists it, not to the stacks
  a nested stack is nested in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from auditor import readings
from auditor.protection.parents import STACK_READING
from auditor.protection.patterns import LIST_OF_TAGS_READING, MISSING_KEY_READING
from auditor.protection.via import ALWAYS_NEED_OPT_IN, Via

if TYPE_CHECKING:
    from auditor.protection.explain import SelectionTrail

#: Reading id -> its title in ``docs/semantics-review.md`` (the table of :mod:`auditor.readings`).
READINGS: Final[dict[str, str]] = {r.id: r.title for r in readings.READINGS}


@dataclass(frozen=True)
class Trail:
    """What decides one resource's prediction: ``explain``'s trail of the plan's selections."""

    resource_type: str
    opt_in: bool | None
    selections: tuple[SelectionTrail, ...]
    """The trails of the plan's selections (others are ignored)."""
    in_stack: bool
    """Whether the resource is part of a CloudFormation stack."""
    reason: str
    """The verdict's reason."""


@dataclass(frozen=True)
class Decision:
    """What decided one plan's prediction for one resource."""

    selection_id: str | None
    """The deciding selection of the plan (None: the plan has several and none decided alone)."""
    reading: str | None
    """Id of the open reading that decided (None: only documented semantics did)."""
    text: str
    """``explain``'s words: the reading line, else the selection's ``->`` line."""


def not_selected(e: Trail, plan_id: str) -> Decision:
    """Why none of the plan's selections backs the resource up (AWS Backup did: BKP-091's
    ``backed-up-not-predicted``)."""
    trails = [s for s in e.selections if s.plan_id == plan_id]
    if not trails:
        return Decision(None, None, "the plan has no selection in the resource's account and Region")
    for s in trails:
        if s.matched and s.blocked_by and e.resource_type in ALWAYS_NEED_OPT_IN:
            return Decision(s.selection_id, "A8", s.why)
    for s in trails:
        if any(c.missing_key_reading and not c.holds for c in s.conditions):
            return Decision(s.selection_id, "A3", MISSING_KEY_READING)
    for s in trails:
        type_matched = any(p.matched and p.kind == Via.TYPE.value for p in s.resources)
        if not s.matched and type_matched and any(not c.holds for c in s.conditions):
            return Decision(s.selection_id, "A5", s.why)
    for s in trails:
        if any("?" in p.pattern and not p.matched for p in s.resources):
            return Decision(s.selection_id, "A1", s.why)
        if any("?" in c.expected and c.operator.endswith("Like") for c in (*s.conditions, *s.list_of_tags)):
            return Decision(s.selection_id, "A2", s.why)
    if e.in_stack:
        return Decision(_only(trails), "A15", STACK_READING)
    blocked = next((s for s in trails if s.matched), None)
    if blocked is not None:
        return Decision(blocked.selection_id, None, blocked.why)
    return Decision(_only(trails), None, trails[0].why)


def selected(e: Trail, plan_id: str) -> Decision:
    """Why the plan backs the resource up (AWS Backup's run skipped it: BKP-091's
    ``predicted-not-backed-up``)."""
    trails = [s for s in e.selections if s.plan_id == plan_id and s.effective]
    if not trails:
        return Decision(None, None, e.reason)
    for s in trails:
        if any(not c.holds for c in s.conditions) and any(c.holds for c in s.list_of_tags):
            return Decision(s.selection_id, "A4", LIST_OF_TAGS_READING)
    if e.opt_in is False:
        for s in trails:
            if s.via == Via.ARN.value:
                return Decision(s.selection_id, "A6", s.why)
            if s.via == Via.TYPE.value and e.resource_type == "FSx":
                return Decision(s.selection_id, "A7", s.why)
    for s in trails:
        if any("?" in c.expected and c.operator.endswith("Like") and c.holds for c in s.conditions):
            return Decision(s.selection_id, "A2", s.why)
    return Decision(trails[0].selection_id, None, trails[0].why)


def _only(trails: Sequence[SelectionTrail]) -> str | None:
    return trails[0].selection_id if len(trails) == 1 else None


__all__ = ["READINGS", "Decision", "Trail", "not_selected", "selected"]
