"""Reasons: the text of why, for verdicts (one line a person can act on) and for ``explain``.

Every sentence the resolver and ``explain`` write about a resource lives here; the words for a
route come from :class:`~auditor.protection.via.Via`, those for a parent (an EC2 instance) from
its :class:`~auditor.protection.parents.ParentRelation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from auditor.protection.inputs import Gap, RegionFacts, ResourceColumns
from auditor.protection.matching import Match
from auditor.protection.patterns import CompiledSelection, TagCondition
from auditor.protection.verdicts import BLOCKED_OPT_IN, BLOCKED_OPT_IN_UNKNOWN, BLOCKED_UNSUPPORTED
from auditor.protection.via import ALWAYS_NEED_OPT_IN, Via

if TYPE_CHECKING:
    from auditor.protection.parents import ParentRelation

_OPT_IN_BLOCKS: tuple[str, ...] = (BLOCKED_OPT_IN, BLOCKED_OPT_IN_UNKNOWN)


def opt_in_text(resource_type: str, opt_in: bool | None, type_listed: bool, region: str) -> str:
    """The opt-in in force, as a clause."""
    if opt_in is None:
        return f"the {resource_type} opt-in in {region} is unknown (region settings not collected)"
    if opt_in:
        return f"the {resource_type} opt-in is on in {region}"
    if not type_listed:
        return f"the {resource_type} opt-in is not set in {region} (treated as off)"
    return f"the {resource_type} opt-in is off in {region}"


def _more(n: int) -> str:
    return f" (and {n - 1} more)" if n > 1 else ""


# --- the reason of a verdict from the resource's own selections --------------------------------


def resource_reason(
    verdict: bool | None,
    cols: ResourceColumns,
    p: int,
    unsupported: str | None,
    matches: Sequence[Match],
    facts: RegionFacts,
    gaps: Sequence[Gap],
) -> str:
    """One line a person can act on, for the resource at position ``p`` of ``cols``."""
    if unsupported == "s3-versioning" and not matches:
        # Not selected at all: that comes first; versioning matters once a selection names it.
        not_selected = not_selected_text(cols.arns[p], cols.tags[p], facts.selections, facts.where)
        return f"{not_selected} (and enable versioning on the bucket: AWS Backup needs it)"
    if unsupported is not None:
        return unsupported_text(unsupported, cols.engines[p])
    if verdict is True:
        effective = [m for m in matches if m.effective]
        return protected_text(effective[0], len(effective))
    if verdict is None:
        gap = gaps[0]
        more = f" (+{len(gaps) - 1} more)" if len(gaps) > 1 else ""
        return f"not audited: {gap.operation} was not collected in {facts.where}{more}: {gap.detail}"
    t = cols.types[p]
    blocked = [m for m in matches if m.blocked_by in _OPT_IN_BLOCKS]
    if blocked:
        opt = opt_in_text(t, facts.opt_in(t), facts.type_listed(t), facts.region)
        return _blocked_text(blocked[0], t, opt)
    fsx = [m for m in matches if m.fsx]
    if fsx:
        return (
            f"FSx for ONTAP volume not selected: {fsx[0].sel.label} matches the tags of its file system "
            f"{cols.parent_arns[p]}, but AWS Backup reads the volume's own tags: tag the volume"
        )
    return not_selected_text(cols.arns[p], cols.tags[p], facts.selections, facts.where)


def protected_text(first: Match, n_effective: int) -> str:
    """The reason of a resource its own selections protect: the first effective match names it,
    ``n_effective`` counts them."""
    return f"protected by {first.sel.label} ({first.via.short}){_more(n_effective)}"


def unsupported_text(unsupported: str, engine: str | None) -> str:
    """Why AWS Backup cannot protect the resource, and what protects it instead."""
    if unsupported == "rds-custom":
        return (
            f"RDS Custom (engine {engine}) is not supported by AWS Backup: protect it with RDS Custom "
            "automated backups and snapshots"
        )
    if unsupported == "s3-versioning":
        return (
            "S3 bucket without versioning enabled: AWS Backup cannot back it up: enable versioning "
            "on the bucket"
        )
    return (
        "RDS on Outposts is not supported by AWS Backup: protect it with RDS automated backups / "
        "local snapshots on the Outpost"
    )


def _blocked_text(m: Match, resource_type: str, opt: str) -> str:
    if not m.via.needs_opt_in:
        how = f"{m.via.describe}, but {resource_type} always needs its opt-in and {opt}"
    else:
        how = f"{m.via.describe}, and {opt}"
    return f"selected by {m.sel.label} {how}: turn on the {resource_type} opt-in in AWS Backup settings"


def not_selected_text(
    arn: str, tags: Mapping[str, str], selections: Sequence[CompiledSelection], where: str
) -> str:
    """Why no selection of the account-region selects the resource: the nearest miss first."""
    if not selections:
        return f"no backup selection exists in {where}: add it to a backup plan there"
    for sel in selections:
        excl = sel.excluded_by(arn)
        if excl is not None and _selects_without_exclusion(sel, arn, tags):
            return (
                f"excluded by NotResources `{excl.text}` of {sel.label}, and no other selection in "
                f"{where} selects it"
            )
    for sel in selections:
        if decided_by_missing_key(sel, arn, tags):
            keys = sorted({c.tag for c in sel.conditions if c.missing_key_decides(tags)})
            return (
                f"not selected by {sel.label} because it has no tag {', '.join(keys)} required by "
                f"StringNot* (reading applied: a missing key does not satisfy StringNotEquals/StringNotLike)"
            )
    for sel in selections:
        failed = _failed_condition(sel, arn, tags)
        if failed is not None:
            actual = tags.get(failed.tag)
            seen = "no such tag" if actual is None else f'"{actual}"'
            return (
                f"{sel.label} matches it by Resources but its condition {failed} fails (resource: {seen}), "
                f"and no other selection in {where} selects it"
            )
    return (
        f"none of the {len(selections)} backup selection(s) in {where} selects it: "
        "tag it or add it to a selection"
    )


def _failed_condition(sel: CompiledSelection, arn: str, tags: Mapping[str, str]) -> TagCondition | None:
    """The first condition that fails where ``Resources`` did select the resource."""
    if not sel.resources or sel.resource_route(arn) is None or sel.excluded_by(arn) is not None:
        return None
    for c in sel.conditions:
        if not c.holds(tags):
            return c
    return None


def _selects_without_exclusion(sel: CompiledSelection, arn: str, tags: Mapping[str, str]) -> bool:
    return sel.without_not_resources.route(arn, tags) is not None


def decided_by_missing_key(sel: CompiledSelection, arn: str, tags: Mapping[str, str]) -> bool:
    """Whether the selection would select the resource if StringNot* held on a missing key."""
    if not any(c.missing_key_decides(tags) for c in sel.conditions):
        return False
    if not all(c.holds(tags) or c.missing_key_decides(tags) for c in sel.conditions):
        return False
    kept = tuple(c for c in sel.conditions if not c.missing_key_decides(tags))
    return replace(sel, conditions=kept).route(arn, tags) is not None


# --- protection through a parent ----------------------------------------------------------------


def saved_by_parent(
    rel: ParentRelation, parent_arn: str, first: Match, n_matches: int, own: Sequence[Match]
) -> str:
    """The child is backed up with its protected parent (``first`` of ``n_matches`` protecting
    matches); says so when its own selection is skipped for the opt-in."""
    text = f"backed up with its {rel.parent_noun} {rel.parent_id(parent_arn)} ({first.sel.label}){_more(n_matches)}"
    skipped = [m for m in own if m.blocked_by in _OPT_IN_BLOCKS]
    if skipped:
        text += (
            f"; its own selection {skipped[0].sel.label} is skipped (opt-in), so it is backed up on "
            f"the {rel.parent_short}'s plan, not that one"
        )
    return text


def parent_not_listed(rel: ParentRelation, parent_arn: str, gap: Gap, where: str) -> str:
    """The parent is not a resource because its listing was not collected."""
    return (
        f"not audited: {rel.link} {rel.parent_noun} {rel.parent_id(parent_arn)}, which could not be judged: "
        f"{gap.operation} was not collected in {where}: {gap.detail}"
    )


def parent_unknown(rel: ParentRelation, parent_arn: str, parent_reason: str) -> str:
    """The parent's own verdict is unknown."""
    return (
        f"not audited: {rel.link} {rel.parent_noun} {rel.parent_id(parent_arn)}, whose protection is unknown "
        f"({parent_reason})"
    )


def parent_not_protected(rel: ParentRelation, own_reason: str, parent_arns: Sequence[str]) -> str:
    """Neither the child's own selections nor its parents protect it."""
    ids = ", ".join(rel.parent_id(x) for x in parent_arns)
    return (
        f"{own_reason}; the {rel.parent_noun} it is {rel.link} ({ids}) is not protected either "
        f"(protecting the {rel.parent_short} would back this {rel.child_noun} up with it)"
    )


# --- explain: one line per selection ----------------------------------------------------------


@dataclass(frozen=True)
class PatternCheck:
    pattern: str
    kind: str
    """``arn``, ``type``, ``service`` or ``all`` (see :class:`auditor.protection.via.Via`)."""
    matched: bool


@dataclass(frozen=True)
class ConditionCheck:
    operator: str
    key: str
    expected: str
    actual: str | None
    """The resource's value for the tag, ``None`` when it lacks the key."""
    holds: bool
    missing_key_reading: bool = False
    """True when the result came from the StringNot*-on-missing-key reading."""


def condition_text(c: ConditionCheck) -> str:
    actual = "no such tag" if c.actual is None else f'"{c.actual}"'
    return f'{c.operator} {c.key} = "{c.expected}" (resource: {actual})'


@dataclass(frozen=True)
class TrailChecks:
    """What ``explain`` checked of one selection against one resource."""

    resources: tuple[PatternCheck, ...]
    not_resources: tuple[PatternCheck, ...]
    conditions: tuple[ConditionCheck, ...]
    list_of_tags: tuple[ConditionCheck, ...]


def trail_why(
    sel: CompiledSelection,
    via: Via | None,
    checks: TrailChecks,
    fsx: bool,
    effective: bool,
    blocked_by: str | None,
    resource_type: str,
) -> str:
    """The ``->`` line of a selection in ``explain``: why it does or does not back the resource up."""
    excluded = [p for p in checks.not_resources if p.matched]
    if excluded:
        return f"excluded: NotResources pattern `{excluded[0].pattern}` matches"
    if via is None:
        return _why_not_selected(sel, checks, fsx)
    head = _selected_head(via, checks)
    if effective:
        return head + "; AWS Backup backs it up through this selection"
    if blocked_by == BLOCKED_UNSUPPORTED:
        return head + "; but AWS Backup cannot protect this resource"
    if resource_type in ALWAYS_NEED_OPT_IN and not via.needs_opt_in:
        return head + f"; but {resource_type} always needs its opt-in, which is not on"
    return head + "; but this route needs the type's opt-in, which is not on"


def _why_not_selected(sel: CompiledSelection, checks: TrailChecks, fsx: bool) -> str:
    parts = []
    if sel.resources and not any(p.matched for p in checks.resources):
        parts.append("no Resources pattern matches")
    failed = [c for c in checks.conditions if not c.holds]
    if failed and (any(p.matched for p in checks.resources) or not sel.resources):
        parts.append("condition failed: " + condition_text(failed[0]))
        if failed[0].missing_key_reading:
            parts.append("reading applied: a missing key does not satisfy StringNot*")
    if sel.list_of_tags:
        parts.append("no ListOfTags entry matches")
    if fsx:
        parts.append("its file system's tags would match: tags must be on the volume")
    return "; ".join(parts) or "not selected"


def _selected_head(via: Via, checks: TrailChecks) -> str:
    head = via.trail
    matched = [p.pattern for p in checks.resources if p.matched]
    if matched and via.trail_names_pattern:
        head += f" `{matched[0]}`"
    conditions = checks.conditions
    if conditions and all(c.holds for c in conditions):
        head += f"; all {len(conditions)} condition(s) hold"
    elif conditions:
        failing = next(c for c in conditions if not c.holds)
        held = [c for c in checks.list_of_tags if c.holds]
        head += f"; condition {condition_text(failing)} fails"
        if held:
            head += f", but ListOfTags {condition_text(held[0])} holds (reading applied: ListOfTags is OR-ed)"
    return head
