"""The decision trail for one resource: what ``backup-auditor explain BUNDLE ARN`` prints.

For every selection of the resource's account-region (selections of other accounts or regions
never apply), it records which ``Resources`` / ``NotResources`` patterns matched, each
``Conditions`` / ``ListOfTags`` entry with the tag value it saw, the opt-in in force, the reading
applied for ``StringNotEquals`` / ``StringNotLike`` on a missing key, and the verdict of
:func:`auditor.protection.resolver.resolve`. For an EBS volume attached to EC2 instances it also
shows each instance's verdict and the selections protecting it (AWS Backup backs up attached
volumes with their instance). A DB instance that is a cluster member is not a resource: its
explanation is its cluster's, saying so (``member_arn``). A backup the resource's own service makes
outside AWS Backup (automated backups, point-in-time recovery, a Data Lifecycle Manager policy:
:mod:`auditor.protection.own_backup`) is named on an ``own backup`` line, or, where its evidence
was not collected, an ``own backup not read`` line names the operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from auditor.errors import BadInputError
from auditor.model.frames import Inventory
from auditor.protection.inputs import deciding_gaps
from auditor.protection.own_backup import SIGNAL_OPERATIONS, own_backup
from auditor.protection.parents import (
    CFN_STACK,
    EC2_ATTACHMENT,
    PARENT_RELATIONS,
    STACK_READING,
    ParentRelation,
)
from auditor.protection.patterns import (
    LIST_OF_TAGS_READING,
    MISSING_KEY_READING,
    CompiledSelection,
    TagCondition,
    selection_label,
)
from auditor.protection.reasons import (
    ConditionCheck,
    PatternCheck,
    TrailChecks,
    condition_text,
    decided_by_missing_key,
    opt_in_text,
    trail_why,
)
from auditor.protection.resolver import DECIDING_OPERATIONS, TAG_OPERATIONS, Protection, inventory_facts
from auditor.protection.verdicts import effectiveness, unsupported_reason
from auditor.services import kind_readings

_KIND_READINGS = kind_readings()
"""AWS Backup resource type -> readings of AWS's docs its kinds rely on (printed for each resource)."""


class UnknownResourceError(BadInputError):
    """The ARN is not a resource of the bundle's inventory."""


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
    """A parent whose backups include the resource: an EC2 instance an EBS volume is attached
    to, or a CloudFormation stack the resource is part of."""

    arn: str
    listed: bool
    """Whether the instance is a resource of the inventory."""
    protected: bool | None
    reason: str
    selections: tuple[str, ...]
    """Labels (plan `P` / selection `S`) of the selections that protect the parent itself."""


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
    stacks: tuple[InstancePath, ...] = ()
    """The CloudFormation stacks the resource is part of, each with its verdict."""
    member_arn: str | None = None
    """Set when the ARN asked about is a DB instance member of this cluster (``arn``)."""
    own_backup: str | None = None
    """The backup its own service makes outside AWS Backup, if any (BKP-017)."""
    own_backup_not_collected: tuple[str, ...] = ()
    """Operations that would say whether its own service backs it up, not collected."""


def _check(c: TagCondition, tags: Mapping[str, str]) -> ConditionCheck:
    return ConditionCheck(
        operator=c.operator,
        key=c.key,
        expected=c.value,
        actual=tags.get(c.tag),
        holds=c.holds(tags),
        missing_key_reading=c.missing_key_decides(tags),
    )


def plan_trails(
    sels: Sequence[CompiledSelection],
    plan_id: str,
    resource: ResourceFacts,
) -> tuple[SelectionTrail, ...]:
    """The trails of one plan's selections for one resource (what ``explain`` prints for them)."""
    r = resource
    return tuple(
        _trail(s, r.arn, r.tags, r.parent_tags, r.resource_type, r.opt_in, r.unsupported)
        for s in sels
        if s.plan_id == plan_id
    )


@dataclass(frozen=True)
class ResourceFacts:
    """What a trail reads of a resource (see :func:`plan_trails`)."""

    arn: str
    tags: Mapping[str, str]
    parent_tags: Mapping[str, str] | None
    resource_type: str
    opt_in: bool | None
    unsupported: str | None


def _trail(
    sel: CompiledSelection,
    arn: str,
    tags: Mapping[str, str],
    parent_tags: Mapping[str, str] | None,
    resource_type: str,
    opt_in: bool | None,
    unsupported: str | None,
) -> SelectionTrail:
    checks = TrailChecks(
        resources=tuple(PatternCheck(p.text, p.kind.value, p.matches(arn)) for p in sel.resources),
        not_resources=tuple(PatternCheck(p.text, p.kind.value, p.matches(arn)) for p in sel.not_resources),
        conditions=tuple(_check(c, tags) for c in sel.conditions),
        list_of_tags=tuple(_check(c, tags) for c in sel.list_of_tags),
    )
    via = sel.route(arn, tags)
    fsx = False
    if via is None and parent_tags and sel.uses_tags:
        fsx = sel.route(arn, {**tags, **parent_tags}) is not None
    effective, blocked_by = (False, None)
    if via is not None:
        effective, blocked_by = effectiveness(via, resource_type, opt_in, unsupported)
    return SelectionTrail(
        plan_id=sel.plan_id,
        plan_name=sel.plan_name,
        selection_id=sel.selection_id,
        selection_name=sel.selection_name,
        empty=sel.is_empty,
        resources=checks.resources,
        not_resources=checks.not_resources,
        conditions=checks.conditions,
        list_of_tags=checks.list_of_tags,
        matched=via is not None,
        via=None if via is None else via.value,
        effective=effective,
        blocked_by=blocked_by,
        fsx_tags_on_filesystem=fsx,
        why=trail_why(sel, via, checks, fsx, effective, blocked_by, resource_type),
    )


def explain(inventory: Inventory, protection: Protection, arn: str) -> Explanation:
    """The decision trail of one resource; :class:`UnknownResourceError` if it is not in the bundle."""
    res = inventory.resources
    rows = res[res["arn"] == arn]
    if rows.empty:
        return _member_explanation(inventory, protection, arn)
    row = rows.iloc[0]
    a, r, t = str(row["account_id"]), str(row["region"]), str(row["resource_type"])
    tags: Mapping[str, str] = row["tags"] or {}
    parent_tags: Mapping[str, str] | None = row["parent_tags"]
    facts = inventory_facts(inventory).region(a, r)
    opt = facts.opt_in(t)
    uns = unsupported_reason(bool(row["rds_custom"]), bool(row["on_outposts"]), t, row["versioning"])
    sels = facts.selections
    v = protection.verdicts
    vrow = v[v["arn"] == arn]
    protected = vrow["protected"].iloc[0] if not vrow.empty else None
    attached: tuple[str, ...] = tuple(row[EC2_ATTACHMENT.column] or ())
    stacks: tuple[str, ...] = tuple(row[CFN_STACK.column] or ())
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
        opt_in_text=opt_in_text(t, opt, facts.type_listed(t), r),
        selections=tuple(_trail(s, arn, tags, parent_tags, t, opt, uns) for s in sels),
        protected=None if protected is None else bool(protected),
        reason=str(vrow["reason"].iloc[0]) if not vrow.empty else "no verdict",
        missing_operations=_missing_operations(inventory, row, (a, r), t),
        readings=_readings(sels, arn, tags)
        + ((STACK_READING,) if stacks else ())
        + _KIND_READINGS.get(t, ()),
        attached_instances=tuple(_parent_path(protection, x, EC2_ATTACHMENT) for x in attached),
        stacks=tuple(_parent_path(protection, x, CFN_STACK) for x in stacks),
        own_backup=own_backup(t, row["backup_retention_days"], row["own_backup"]),
        own_backup_not_collected=_own_backup_unread(inventory, (a, r), t),
    )


def _own_backup_unread(inventory: Inventory, key: tuple[str, str], resource_type: str) -> tuple[str, ...]:
    """The operations of the type's own-backup signal not collected in the account-region (an
    older bundle has no coverage row for them at all)."""
    ops = SIGNAL_OPERATIONS.get(resource_type, ())
    if not ops:
        return ()
    c = inventory.coverage
    done = set(c.loc[(c["account_id"] == key[0]) & (c["region"] == key[1]) & c["collected"], "operation"])
    return tuple(op for op in ops if op not in done)


def _member_explanation(inventory: Inventory, protection: Protection, arn: str) -> Explanation:
    """A DB instance that is a cluster member gets its cluster's explanation; any other ARN that
    is not a resource raises :class:`UnknownResourceError`."""
    members = inventory.cluster_members
    member = members[members["arn"] == arn]
    if member.empty:
        raise UnknownResourceError(f"{arn}: not a resource of this bundle (see its resources list)")
    cluster = str(member["cluster_arn"].iloc[0])
    if not (inventory.resources["arn"] == cluster).any():
        raise UnknownResourceError(
            f"{arn}: member of cluster {cluster}, which is not a resource of this bundle "
            "(its cluster listing may not have been collected)"
        )
    return replace(explain(inventory, protection, cluster), member_arn=arn)


def _readings(sels: Sequence[CompiledSelection], arn: str, tags: Mapping[str, str]) -> tuple[str, ...]:
    """The readings of uncertain semantics that decide this resource's trail."""
    readings: tuple[str, ...] = ()
    if any(decided_by_missing_key(s, arn, tags) for s in sels):
        readings = (MISSING_KEY_READING,)
    if any(s.selected_only_by_list_of_tags_despite_conditions(arn, tags) for s in sels):
        readings += (LIST_OF_TAGS_READING,)
    return readings


def _missing_operations(
    inventory: Inventory, row: pd.Series[Any], key: tuple[str, str], resource_type: str
) -> tuple[str, ...]:
    """Deciding operations not collected in the resource's account-region: the resolver's, its
    type's tag operations, and the listing of the parents it may be backed up with."""
    missing = tuple(g.operation for g in deciding_gaps(inventory, DECIDING_OPERATIONS).get(key, []))
    tag_operations = TAG_OPERATIONS.get(resource_type, ())
    missing += tuple(g.operation for g in deciding_gaps(inventory, tag_operations).get(key, []))
    for rel in PARENT_RELATIONS:
        if row[rel.column] and rel.listing not in missing:
            missing += tuple(g.operation for g in deciding_gaps(inventory, (rel.listing,)).get(key, []))
    return missing


def _parent_path(protection: Protection, arn: str, rel: ParentRelation) -> InstancePath:
    v = protection.verdicts
    rows = v[v["arn"] == arn]
    if rows.empty:
        return InstancePath(arn, False, None, "not a resource of this bundle", ())
    m = protection.matches
    eff = m[(m["arn"] == arn) & m["effective"] & (m["via"] != rel.via.value)]
    labels = tuple(
        selection_label(p, s)
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
        lines += _selection_lines(s)
    if e.stacks:
        lines += _stack_lines(e.stacks)
    if e.attached_instances:
        lines += _instance_lines(e.attached_instances)
    lines.append(f"verdict    {verdict}: {e.reason}")
    if e.own_backup and e.protected:
        lines.append(f"own backup {e.own_backup} (besides AWS Backup; made outside it)")
    elif e.own_backup:
        lines.append(
            f"own backup {e.own_backup}: made outside AWS Backup, so no vault lock, cross-account "
            "copy or organization backup policy covers it"
        )
    elif e.own_backup_not_collected:
        lines.append("own backup not read: " + ", ".join(e.own_backup_not_collected) + " not collected")
    for reading in e.readings:
        lines.append(f"reading    {reading}")
    return "\n".join(lines) + "\n"


def _selection_lines(s: SelectionTrail) -> list[str]:
    mark = "MATCH" if s.matched else ("fsx  " if s.fsx_tags_on_filesystem else "no   ")
    eff = " effective" if s.effective else (f" blocked by {s.blocked_by}" if s.blocked_by else "")
    lines = [f"  [{mark}] {selection_label(s.plan_name, s.selection_name)}{eff}"]
    if s.empty:
        lines.append("      (empty selection: all supported, opted-in resources)")
    for p in s.resources:
        lines.append(f"      Resources     {'matches' if p.matched else 'no match'}  {p.pattern}  [{p.kind}]")
    for p in s.not_resources:
        lines.append(f"      NotResources  {'matches' if p.matched else 'no match'}  {p.pattern}")
    for c in s.conditions:
        note = "  (missing key: does not hold)" if c.missing_key_reading else ""
        lines.append(f"      Condition     {'holds' if c.holds else 'fails'}  {condition_text(c)}{note}")
    for c in s.list_of_tags:
        lines.append(f"      ListOfTags    {'holds' if c.holds else 'fails'}  {condition_text(c)}")
    lines.append(f"      -> {s.why}")
    return lines


def _instance_lines(instances: Sequence[InstancePath]) -> list[str]:
    head = (
        f"attached to {len(instances)} EC2 instance(s): AWS Backup backs up every attached "
        "EBS volume with its instance"
    )
    return _parent_lines(head, instances)


def _stack_lines(stacks: Sequence[InstancePath]) -> list[str]:
    head = (
        f"part of {len(stacks)} CloudFormation stack(s): a stack backup holds a nested recovery "
        "point of each resource AWS Backup supports"
    )
    return _parent_lines(head, stacks)


def _parent_lines(head: str, parents: Sequence[InstancePath]) -> list[str]:
    lines = [head]
    for i in parents:
        if not i.listed:
            lines.append(f"  [NOT LISTED] {i.arn}: {i.reason}")
            continue
        lines.append(f"  [{_VERDICT_TEXT[i.protected]}] {i.arn}")
        for label in i.selections:
            lines.append(f"      protected by {label}")
        if i.protected is not True:
            lines.append(f"      -> {i.reason}")
    return lines


_VERDICT_TEXT: dict[bool | None, str] = {True: "PROTECTED", False: "NOT PROTECTED", None: "NOT AUDITED"}

__all__ = [
    "ConditionCheck",
    "Explanation",
    "InstancePath",
    "PatternCheck",
    "ResourceFacts",
    "SelectionTrail",
    "UnknownResourceError",
    "explain",
    "plan_trails",
    "render_text",
]
