"""Protection through a parent: a resource AWS Backup backs up with another, protected, resource.

A :class:`ParentRelation` is data: which column of the resources frame names a resource's
parents, the parents' resource type, the listing that holds them, the ``via`` of the match rows it
adds and the words of its reasons. :data:`PARENT_RELATIONS` lists the relations the resolver
applies, in order, after each account-region's own verdicts:

* a supported resource of a CloudFormation stack (column ``stacks``, from the stack's
  ``ListStackResources``) is backed up with that stack: a stack backup is a composite recovery
  point with a nested recovery point for each resource of the stack that AWS Backup supports
  (AWS Backup guide, "AWS CloudFormation stack backups"
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/applicationstackbackups.html>). It
  comes first, so an EC2 instance protected through its stack protects its attached volumes.
  Readings (``docs/semantics-review.md``): only the stack that lists the resource counts (not the
  stacks a nested stack is nested in), and the resource type's own opt-in is not required;

* an EBS volume attached to an EC2 instance (``Attachments[].State`` ``attached`` or
  ``attaching``; column ``attached_instances``) is backed up with that instance: an EC2 backup is
  an AMI with a snapshot of every EBS volume attached to the instance, taken at the same moment
  (AWS Backup guide, "Working with Amazon EC2", Images and snapshots: "a snapshot of the root
  Amazon EBS storage volume, the launch configurations, and all associated EBS volumes"
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html>;
  `Amazon EBS and AWS Backup, "multi-volume, crash-consistent backups"
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/multi-volume-crash-consistent.html>`_;
  AWS re:Post, `"when you create an AMI from an instance, snapshots are made of each EBS volume
  attached to the instance" <https://repost.aws/knowledge-center/create-ami-ebs-backed>`_).

For a child its own selections do not protect (and that AWS Backup can protect at all):

* True when a parent is protected: one match row per effective match of each protecting parent
  (``via`` the relation's, ``through_arn`` the parent);
* else None when a parent is not a resource because the parents' listing was not collected, or
  when a parent's verdict is None;
* else its own verdict (None stays None; False gets "its parent is not protected either").

A child its own selections protect keeps its own verdict and gets no rows from the relation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from auditor.protection.inputs import Gap, RegionFacts, ResourceColumns
from auditor.protection.matching import Match, through_row
from auditor.protection.reasons import (
    parent_not_listed,
    parent_not_protected,
    parent_unknown,
    saved_by_parent,
)
from auditor.protection.verdicts import VerdictColumns
from auditor.protection.via import Via


def _last_path_part(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _stack_name(arn: str) -> str:
    """``arn:...:stack/NAME/UUID`` -> ``NAME`` (only the resource part of an ARN holds a ``/``)."""
    parts = arn.split("/")
    return parts[1] if len(parts) >= 3 else parts[-1]


@dataclass(frozen=True)
class ParentRelation:
    """A child resource that AWS Backup backs up with its parent when the parent is protected."""

    column: str
    """Column of the resources frame holding each resource's parent ARNs (a tuple, maybe empty)."""
    parent_type: str
    """``resource_type`` of the parents."""
    listing: str
    """The operation listing the parents: when it was not collected, an unlisted parent cannot
    be judged, so neither can the child."""
    via: Via
    """``via`` of the match rows that protect a child through its parent."""
    parent_noun: str
    """``EC2 instance``: "backed up with its <parent_noun> <id>"."""
    parent_short: str
    """``instance``: "backed up on the <parent_short>'s plan"."""
    child_noun: str
    """``volume``: "would back this <child_noun> up with it"."""
    link: str
    """``attached to``: "the <parent_noun> it is <link>"."""
    parent_id: Callable[[str], str] = _last_path_part
    """The short name of a parent in reasons, from its ARN."""


EC2_ATTACHMENT: Final = ParentRelation(
    column="attached_instances",
    parent_type="EC2",
    listing="ec2.DescribeInstances",
    via=Via.INSTANCE,
    parent_noun="EC2 instance",
    parent_short="instance",
    child_noun="volume",
    link="attached to",
)
#: What explain states about protection through a stack where AWS's guide is silent.
STACK_READING: Final = (
    "a resource counts as part of the stacks whose ListStackResources lists it, not of the stacks "
    "a nested stack is nested in; protected through a protected stack whatever its own type's "
    "opt-in (docs/semantics-review.md)"
)
CFN_STACK: Final = ParentRelation(
    column="stacks",
    parent_type="CloudFormation",
    listing="cloudformation.DescribeStacks",
    via=Via.STACK,
    parent_noun="CloudFormation stack",
    parent_short="stack",
    child_noun="resource",
    link="part of",
    parent_id=_stack_name,
)
#: The relations the resolver applies, in this order (a stack can protect an EC2 instance,
#: which then protects its attached volumes).
PARENT_RELATIONS: Final[tuple[ParentRelation, ...]] = (CFN_STACK, EC2_ATTACHMENT)


@dataclass(frozen=True)
class _Outcome:
    protected: bool | None
    reason: str
    rows: Sequence[tuple[str, Match]]
    """(parent ARN, the parent's effective match) per row to add."""


def protect_through_parents(
    rel: ParentRelation,
    cols: ResourceColumns,
    positions: Sequence[int],
    facts: RegionFacts,
    found: dict[int, list[Match]],
    out: VerdictColumns,
    rows: list[tuple[Any, ...]],
) -> None:
    """Apply ``rel`` to the children of one account-region that their own selections do not
    protect: update their verdict and reason in ``out`` and add their match rows to ``rows``.
    A child protected here gets its parent's effective matches in ``found`` too, so a later
    relation sees it protected by them (an instance of a protected stack, then its volumes)."""
    links = cols.links[rel.column]
    protected = out.protected
    children = [p for p in positions if protected[p] is not True and links[p] and out.unsupported[p] is None]
    if not children:
        return
    parent_at = {cols.arns[q]: q for q in positions if cols.types[q] == rel.parent_type}
    listing_gaps = facts.link_gaps.get(rel.listing, [])
    for p in children:
        outcome = _through_parents(
            rel,
            p,
            [(x, parent_at.get(x)) for x in links[p]],
            found,
            out,
            listing_gaps=listing_gaps,
            where=facts.where,
        )
        protected[p] = outcome.protected
        out.reasons[p] = outcome.reason
        for x, m in outcome.rows:
            rows.append(through_row(cols, p, m.sel, rel.via, x))
        if outcome.rows:
            found[p] = [*found.get(p, ()), *(m for _, m in outcome.rows)]


def _through_parents(
    rel: ParentRelation,
    p: int,
    parents: Sequence[tuple[str, int | None]],
    found: Mapping[int, Sequence[Match]],
    out: VerdictColumns,
    *,
    listing_gaps: Sequence[Gap],
    where: str,
) -> _Outcome:
    """``parents``: ``(parent ARN, its position)``, position None when the parent is not a
    resource of the inventory (not listed, or its listing was not collected: ``listing_gaps``)."""
    protected = out.protected
    saving = [(x, q) for x, q in parents if q is not None and protected[q] is True]
    if saving:
        rows = [(x, m) for x, q in saving for m in found.get(q, ()) if m.effective]
        x0, m0 = rows[0]
        return _Outcome(True, saved_by_parent(rel, x0, m0, len(rows), found.get(p, [])), rows)
    for x, q in parents:
        if q is None and listing_gaps:
            return _Outcome(None, parent_not_listed(rel, x, listing_gaps[0], where), [])
        if q is not None and protected[q] is None:
            return _Outcome(None, parent_unknown(rel, x, out.reasons[q]), [])
    if protected[p] is None:
        return _Outcome(None, out.reasons[p], [])
    return _Outcome(False, parent_not_protected(rel, out.reasons[p], [x for x, _ in parents]), [])
