"""The decision trail for one resource: what ``backup-auditor explain BUNDLE ARN`` prints.

For every selection of the resource's account-region (selections of other accounts or regions
never apply), it records which ``Resources`` / ``NotResources`` patterns matched, each
``Conditions`` / ``ListOfTags`` entry with the tag value it saw, the opt-in in force, the reading
applied for ``StringNotEquals`` / ``StringNotLike`` on a missing key, and the verdict of
:func:`auditor.protection.resolver.resolve`. For an EBS volume attached to EC2 instances it also
shows each instance's verdict and the selections protecting it (AWS Backup backs up attached
volumes with their instance). A DB instance that is a cluster member is not a resource: its
explanation is its cluster's, saying so (``member_arn``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from auditor.errors import BadInputError
from auditor.model.frames import Inventory
from auditor.protection.patterns import (
    ALWAYS_NEED_OPT_IN,
    LIST_OF_TAGS_READING,
    MISSING_KEY_READING,
    CompiledSelection,
    TagCondition,
    Via,
)
from auditor.protection.resolver import (
    INSTANCE_LISTING,
    TAG_OPERATIONS,
    VIA_INSTANCE,
    Protection,
    compile_selections,
    decided_by_missing_key,
    deciding_gaps,
    effectiveness,
    opt_in_settings,
    opt_in_text,
    opt_in_value,
    settings_read,
    unsupported_reason,
)


class UnknownResourceError(BadInputError):
    """The ARN is not a resource of the bundle's inventory."""


@dataclass(frozen=True)
class PatternCheck:
    pattern: str
    kind: str
    """``arn``, ``type``, ``service`` or ``all`` (see :class:`auditor.protection.patterns.Via`)."""
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


@dataclass(frozen=True)
class SelectionTrail:
    plan_id: str
    plan_name: str
    selection_id: str
    selection_name: str
    empty: bool
    resources: tuple[PatternCheck, ...]
    not_resources: tuple[PatternCheck, ...]
    conditions: tuple[ConditionCheck, ...]
    list_of_tags: tuple[ConditionCheck, ...]
    matched: bool
    via: str | None
    effective: bool
    blocked_by: str | None
    fsx_tags_on_filesystem: bool
    why: str


@dataclass(frozen=True)
class InstancePath:
    """An EC2 instance an EBS volume is attached to: its backups include the volume."""

    arn: str
    listed: bool
    """Whether the instance is a resource of the inventory."""
    protected: bool | None
    reason: str
    selections: tuple[str, ...]
    """Labels (plan `P` / selection `S`) of the selections that protect the instance."""


@dataclass(frozen=True)
class Explanation:
    arn: str
    account_id: str
    region: str
    resource_type: str
    name: str | None
    tags: Mapping[str, str]
    engine: str | None
    parent_arn: str | None
    parent_tags: Mapping[str, str] | None
    unsupported: str | None
    opt_in: bool | None
    opt_in_text: str
    selections: tuple[SelectionTrail, ...]
    protected: bool | None
    reason: str
    missing_operations: tuple[str, ...] = ()
    readings: tuple[str, ...] = field(default=())
    """Readings of uncertain semantics that this trail relied on."""
    attached_instances: tuple[InstancePath, ...] = ()
    """EBS volume: the EC2 instances it is attached to, each with its verdict."""
    member_arn: str | None = None
    """Set when the ARN asked about is a DB instance member of this cluster (``arn``)."""


def _check(c: TagCondition, tags: Mapping[str, str]) -> ConditionCheck:
    return ConditionCheck(
        operator=c.operator,
        key=c.key,
        expected=c.value,
        actual=tags.get(c.tag),
        holds=c.holds(tags),
        missing_key_reading=c.missing_key_decides(tags),
    )


def _trail(
    sel: CompiledSelection,
    arn: str,
    tags: Mapping[str, str],
    parent_tags: Mapping[str, str] | None,
    resource_type: str,
    opt_in: bool | None,
    unsupported: str | None,
) -> SelectionTrail:
    resources = tuple(PatternCheck(p.text, p.kind.value, p.matches(arn)) for p in sel.resources)
    not_resources = tuple(PatternCheck(p.text, p.kind.value, p.matches(arn)) for p in sel.not_resources)
    conditions = tuple(_check(c, tags) for c in sel.conditions)
    list_of_tags = tuple(_check(c, tags) for c in sel.list_of_tags)
    via = sel.route(arn, tags)
    fsx = False
    if via is None and parent_tags and sel.uses_tags:
        fsx = sel.route(arn, {**tags, **parent_tags}) is not None
    effective, blocked_by = (False, None)
    if via is not None:
        effective, blocked_by = effectiveness(via, resource_type, opt_in, unsupported)
    why = _why(
        sel,
        via,
        resources,
        not_resources,
        conditions,
        list_of_tags,
        fsx,
        effective,
        blocked_by,
        resource_type,
    )
    return SelectionTrail(
        plan_id=sel.plan_id,
        plan_name=sel.plan_name,
        selection_id=sel.selection_id,
        selection_name=sel.selection_name,
        empty=sel.is_empty,
        resources=resources,
        not_resources=not_resources,
        conditions=conditions,
        list_of_tags=list_of_tags,
        matched=via is not None,
        via=None if via is None else via.value,
        effective=effective,
        blocked_by=blocked_by,
        fsx_tags_on_filesystem=fsx,
        why=why,
    )


def _fmt_cond(c: ConditionCheck) -> str:
    actual = "no such tag" if c.actual is None else f'"{c.actual}"'
    return f'{c.operator} {c.key} = "{c.expected}" (resource: {actual})'


def _why(
    sel: CompiledSelection,
    via: Via | None,
    resources: tuple[PatternCheck, ...],
    not_resources: tuple[PatternCheck, ...],
    conditions: tuple[ConditionCheck, ...],
    list_of_tags: tuple[ConditionCheck, ...],
    fsx: bool,
    effective: bool,
    blocked_by: str | None,
    resource_type: str,
) -> str:
    excluded = [p for p in not_resources if p.matched]
    if excluded:
        return f"excluded: NotResources pattern `{excluded[0].pattern}` matches"
    if via is None:
        parts = []
        if sel.resources and not any(p.matched for p in resources):
            parts.append("no Resources pattern matches")
        failed = [c for c in conditions if not c.holds]
        if failed and (any(p.matched for p in resources) or not sel.resources):
            parts.append("condition failed: " + _fmt_cond(failed[0]))
            if failed[0].missing_key_reading:
                parts.append("reading applied: a missing key does not satisfy StringNot*")
        if sel.list_of_tags:
            parts.append("no ListOfTags entry matches")
        if fsx:
            parts.append("its file system's tags would match: tags must be on the volume")
        return "; ".join(parts) or "not selected"
    head = {
        "arn": "selected by exact ARN",
        "type": "selected by a resource-type pattern",
        "service": "selected by a service-wide pattern",
        "all": 'selected by "*"',
        "empty": "selected as an empty selection (all supported, opted-in resources)",
        "tags": "selected through tags",
    }[str(via)]
    matched = [p.pattern for p in resources if p.matched]
    if matched and str(via) not in ("tags", "empty"):
        head += f" `{matched[0]}`"
    if conditions and all(c.holds for c in conditions):
        head += f"; all {len(conditions)} condition(s) hold"
    elif conditions:
        failing = next(c for c in conditions if not c.holds)
        held = [c for c in list_of_tags if c.holds]
        head += f"; condition {_fmt_cond(failing)} fails"
        if held:
            head += f", but ListOfTags {_fmt_cond(held[0])} holds (reading applied: ListOfTags is OR-ed)"
    if effective:
        return head + "; AWS Backup backs it up through this selection"
    if blocked_by == "unsupported":
        return head + "; but AWS Backup cannot protect this resource"
    if resource_type in ALWAYS_NEED_OPT_IN and str(via) in ("arn", "type"):
        return head + f"; but {resource_type} always needs its opt-in, which is not on"
    return head + "; but this route needs the type's opt-in, which is not on"


def explain(inventory: Inventory, protection: Protection, arn: str) -> Explanation:
    """The decision trail of one resource; :class:`UnknownResourceError` if it is not in the bundle."""
    res = inventory.resources
    rows = res[res["arn"] == arn]
    if rows.empty:
        members = inventory.cluster_members
        member = members[members["arn"] == arn]
        if not member.empty:
            cluster = str(member["cluster_arn"].iloc[0])
            if not (res["arn"] == cluster).any():
                raise UnknownResourceError(
                    f"{arn}: member of cluster {cluster}, which is not a resource of this bundle "
                    "(its cluster listing may not have been collected)"
                )
            return replace(explain(inventory, protection, cluster), member_arn=arn)
        raise UnknownResourceError(f"{arn}: not a resource of this bundle (see its resources list)")
    row = rows.iloc[0]
    a, r, t = str(row["account_id"]), str(row["region"]), str(row["resource_type"])
    tags: Mapping[str, str] = row["tags"] or {}
    parent_tags: Mapping[str, str] | None = row["parent_tags"]
    settings = opt_in_settings(inventory).get((a, r))
    collected = (a, r) in settings_read(inventory)
    opt = opt_in_value(settings, collected, t)
    uns = unsupported_reason(bool(row["rds_custom"]), bool(row["on_outposts"]), t)
    sels = compile_selections(inventory).get((a, r), [])
    trails = tuple(_trail(s, arn, tags, parent_tags, t, opt, uns) for s in sels)
    v = protection.verdicts
    vrow = v[v["arn"] == arn]
    protected = vrow["protected"].iloc[0] if not vrow.empty else None
    reason = str(vrow["reason"].iloc[0]) if not vrow.empty else "no verdict"
    readings: tuple[str, ...] = ()
    if any(decided_by_missing_key(s, arn, tags) for s in sels):
        readings = (MISSING_KEY_READING,)
    if any(s.selected_only_by_list_of_tags_despite_conditions(arn, tags) for s in sels):
        readings += (LIST_OF_TAGS_READING,)
    missing = tuple(g.operation for g in deciding_gaps(inventory).get((a, r), []))
    missing += tuple(g.operation for g in deciding_gaps(inventory, TAG_OPERATIONS.get(t, ())).get((a, r), []))
    attached: tuple[str, ...] = tuple(row["attached_instances"] or ())
    if attached and INSTANCE_LISTING not in missing:
        missing += tuple(g.operation for g in deciding_gaps(inventory, (INSTANCE_LISTING,)).get((a, r), []))
    return Explanation(
        arn=arn,
        account_id=a,
        region=r,
        resource_type=t,
        name=row["name"],
        tags=dict(tags),
        engine=row["engine"],
        parent_arn=row["parent_arn"],
        parent_tags=None if parent_tags is None else dict(parent_tags),
        unsupported=uns,
        opt_in=opt,
        opt_in_text=opt_in_text(t, opt, settings is not None and t in settings, r),
        selections=trails,
        protected=None if protected is None else bool(protected),
        reason=reason,
        missing_operations=missing,
        readings=readings,
        attached_instances=tuple(_instance_path(protection, x) for x in attached),
    )


def _instance_path(protection: Protection, arn: str) -> InstancePath:
    v = protection.verdicts
    rows = v[v["arn"] == arn]
    if rows.empty:
        return InstancePath(arn, False, None, "not a resource of this bundle", ())
    m = protection.matches
    eff = m[(m["arn"] == arn) & m["effective"] & (m["via"] != VIA_INSTANCE)]
    labels = tuple(
        f"plan `{p}` / selection `{s}`"
        for p, s in zip(eff["plan_name"].tolist(), eff["selection_name"].tolist(), strict=True)
    )
    value = rows["protected"].iloc[0]
    return InstancePath(
        arn, True, None if value is None else bool(value), str(rows["reason"].iloc[0]), labels
    )


def render_text(e: Explanation) -> str:
    """Plain-text rendering for the terminal."""
    verdict = _VERDICT_TEXT[e.protected]
    lines = []
    if e.member_arn:
        lines.append(f"asked      {e.member_arn}: member of cluster {e.arn}; protected through its cluster")
    lines += [
        f"resource   {e.arn}",
        f"type       {e.resource_type}" + (f" (engine {e.engine})" if e.engine else ""),
        f"where      account {e.account_id}, region {e.region}",
        "tags       " + (", ".join(f"{k}={v}" for k, v in sorted(e.tags.items())) or "(none)"),
    ]
    if e.parent_arn:
        ptags = ", ".join(f"{k}={v}" for k, v in sorted((e.parent_tags or {}).items())) or "(none)"
        lines.append(f"parent     {e.parent_arn} (its file system), tags: {ptags}")
    lines.append(f"opt-in     {e.opt_in_text}")
    if e.unsupported:
        lines.append(f"unsupported {e.unsupported}: AWS Backup cannot protect this resource")
    if e.missing_operations:
        lines.append("not collected: " + ", ".join(e.missing_operations))
    lines.append(f"selections in {e.account_id}/{e.region}: {len(e.selections)} (others never apply here)")
    for s in e.selections:
        mark = "MATCH" if s.matched else ("fsx  " if s.fsx_tags_on_filesystem else "no   ")
        eff = " effective" if s.effective else (f" blocked by {s.blocked_by}" if s.blocked_by else "")
        lines.append(f"  [{mark}] plan `{s.plan_name}` / selection `{s.selection_name}`{eff}")
        if s.empty:
            lines.append("      (empty selection: all supported, opted-in resources)")
        for p in s.resources:
            lines.append(
                f"      Resources     {'matches' if p.matched else 'no match'}  {p.pattern}  [{p.kind}]"
            )
        for p in s.not_resources:
            lines.append(f"      NotResources  {'matches' if p.matched else 'no match'}  {p.pattern}")
        for c in s.conditions:
            note = "  (missing key: does not hold)" if c.missing_key_reading else ""
            lines.append(f"      Condition     {'holds' if c.holds else 'fails'}  {_fmt_cond(c)}{note}")
        for c in s.list_of_tags:
            lines.append(f"      ListOfTags    {'holds' if c.holds else 'fails'}  {_fmt_cond(c)}")
        lines.append(f"      -> {s.why}")
    if e.attached_instances:
        lines.append(
            f"attached to {len(e.attached_instances)} EC2 instance(s): AWS Backup backs up every attached "
            "EBS volume with its instance"
        )
        for i in e.attached_instances:
            if not i.listed:
                lines.append(f"  [NOT LISTED] {i.arn}: {i.reason}")
                continue
            lines.append(f"  [{_VERDICT_TEXT[i.protected]}] {i.arn}")
            for label in i.selections:
                lines.append(f"      protected by {label}")
            if i.protected is not True:
                lines.append(f"      -> {i.reason}")
    lines.append(f"verdict    {verdict}: {e.reason}")
    for reading in e.readings:
        lines.append(f"reading    {reading}")
    return "\n".join(lines) + "\n"


_VERDICT_TEXT: dict[bool | None, str] = {True: "PROTECTED", False: "NOT PROTECTED", None: "NOT AUDITED"}

__all__ = [
    "ConditionCheck",
    "Explanation",
    "InstancePath",
    "PatternCheck",
    "SelectionTrail",
    "UnknownResourceError",
    "explain",
    "render_text",
]
