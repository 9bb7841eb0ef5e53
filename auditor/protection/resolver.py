"""The effective-protection resolver: will AWS Backup actually back up each resource?

``resolve(inventory) -> Protection`` applies every backup selection of an account-region to the
resources of that same account-region only (selections never reach other accounts or regions),
then the service opt-in of the region, then the types AWS Backup cannot protect at all, then
protection through a parent. Each step is a module of this package:

* :mod:`~auditor.protection.inputs`: the resources as columns, and per account-region the
  compiled selections, opt-in settings and missing deciding operations;
* :mod:`~auditor.protection.matching`: which selections select which resources, and how
  (:class:`~auditor.protection.via.Via`), FSx for ONTAP volumes included;
* :mod:`~auditor.protection.verdicts`: which matches are effective (opt-in, unsupported types)
  and each resource's verdict from its own matches;
* :mod:`~auditor.protection.reasons`: the one-line reason of each verdict (and ``explain``'s text);
* :mod:`~auditor.protection.parents`: resources backed up with a protected parent (an EBS
  volume with the EC2 instance it is attached to), the relations being data.

This module runs them per account-region and builds the two frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

import numpy as np
import pandas as pd

from auditor import services
from auditor.gcpause import paused_gc
from auditor.model.frames import Inventory
from auditor.protection.inputs import Gap, InventoryFacts, RegionFacts, ResourceColumns
from auditor.protection.matching import MATCH_COLUMNS, Match, match_region, unsupported_of
from auditor.protection.parents import EC2_ATTACHMENT, PARENT_RELATIONS, protect_through_parents
from auditor.protection.reasons import protected_text, resource_reason
from auditor.protection.verdicts import VerdictColumns, own_verdict, unsupported_reason
from auditor.protection.via import Via

#: Operations that hold a type's tags apart from its listing: when one is missing and a
#: selection of the account-region uses tags, that type's unprotected verdicts are undecided.
TAG_OPERATIONS: Final[Mapping[str, tuple[str, ...]]] = services.tag_operations()

#: Operations whose absence leaves a verdict undecided (``protected`` = None).
DECIDING_OPERATIONS: Final[tuple[str, ...]] = (
    services.operation("backup.DescribeRegionSettings").key,
    *services.chain("backup.GetBackupSelection"),
)

VERDICT_COLUMNS: Final = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "protected",
    "reason",
    "unsupported",
    "opt_in",
)

#: ``via`` of a match row that protects an attached EBS volume through its EC2 instance (not a
#: selection route: the selection selects the instance, AWS Backup snapshots its volumes).
VIA_INSTANCE: Final = Via.INSTANCE.value
#: The listing whose absence leaves an attached volume's instance (so the volume) undecided.
INSTANCE_LISTING: Final = EC2_ATTACHMENT.listing
#: ``via`` values of match rows that protect a resource through a parent (an EC2 instance, a
#: CloudFormation stack) rather than through a selection of the resource itself.
THROUGH_PARENT_VIAS: Final[tuple[str, ...]] = tuple(rel.via.value for rel in PARENT_RELATIONS)


@dataclass(frozen=True)
class Protection:
    """``verdicts``: one row per resource; ``matches``: one row per (resource, selection) pair
    where the selection selects the resource (effective or not), or would have selected an
    ONTAP volume carrying its file system's tags, or protects the parent a resource is backed up
    with (an EBS volume's EC2 instance: ``via`` ``instance``, ``through_arn`` the instance; a
    CloudFormation stack: ``via`` ``stack``) when the resource's own selections do not. Columns: :data:`VERDICT_COLUMNS`, :data:`MATCH_COLUMNS`."""

    verdicts: pd.DataFrame
    matches: pd.DataFrame


def inventory_facts(inventory: Inventory) -> InventoryFacts:
    """The per-account-region facts the resolver (and ``explain``) decide from."""
    return InventoryFacts.of(
        inventory, DECIDING_OPERATIONS, TAG_OPERATIONS, [rel.listing for rel in PARENT_RELATIONS]
    )


def resolve(inventory: Inventory) -> Protection:
    """Decide, for every resource of the inventory, whether AWS Backup will back it up."""
    with paused_gc():
        return _resolve(inventory)


def _resolve(inventory: Inventory) -> Protection:
    res = inventory.resources
    cols = ResourceColumns.of(res, [rel.column for rel in PARENT_RELATIONS])
    facts = inventory_facts(inventory)
    out = VerdictColumns(len(cols.arns))
    rows: list[tuple[Any, ...]] = []
    for (a, r), positions in cols.by_region().items():
        region = facts.region(a, r)
        unsupported = unsupported_of(cols, positions)
        found = match_region(cols, positions, region, rows, unsupported)
        _decide_region(cols, positions, region, found, out, unsupported)
        for rel in PARENT_RELATIONS:
            protect_through_parents(rel, cols, positions, region, found, out, rows)
    verdicts = pd.DataFrame(
        {
            "arn": pd.Series(cols.arns, dtype="object"),
            "account_id": res["account_id"].astype("object").reset_index(drop=True),
            "region": res["region"].astype("object").reset_index(drop=True),
            "resource_type": pd.Series(cols.types, dtype="object"),
            "protected": pd.Series(out.protected, dtype="object"),
            "reason": pd.Series(out.reasons, dtype="object"),
            "unsupported": pd.Series(out.unsupported, dtype="object"),
            "opt_in": pd.Series(out.opt_in, dtype="object"),
        },
        columns=list(VERDICT_COLUMNS),
    )
    return Protection(verdicts=verdicts, matches=_matches_frame(rows))


def _decide_region(
    cols: ResourceColumns,
    positions: Sequence[int],
    facts: RegionFacts,
    found: Mapping[int, Sequence[Match]],
    out: VerdictColumns,
    unsupported: Mapping[int, str | None] | None = None,
) -> None:
    """Verdict, reason, unsupported and opt-in of every resource of one account-region, from
    its own matches (``unsupported``: each position's reason AWS Backup cannot protect it, when
    the caller has it)."""
    types = cols.types
    tag_gaps = facts.tag_gaps
    gaps_of: dict[str, Sequence[Gap]] = {}
    # reasons of protected resources by (first effective selection, its route, count): a few a region
    protected: dict[tuple[int, Via, int], str] = {}
    for p in positions:
        t = types[p]
        uns = (
            unsupported_reason(cols.rds_custom[p], cols.on_outposts[p], t, cols.versioning[p])
            if unsupported is None
            else unsupported[p]
        )
        ms = found.get(p, ())
        out.opt_in[p] = facts.opt_in(t)
        out.unsupported[p] = uns
        if uns is None and ms:  # the common case, protected by its own selections: no gaps needed
            effective = [m for m in ms if m.effective]
            if effective:
                first = effective[0]
                key = (id(first.sel), first.via, len(effective))
                reason = protected.get(key)
                if reason is None:
                    reason = protected[key] = protected_text(first, len(effective))
                out.protected[p] = True
                out.reasons[p] = reason
                continue
        gaps = gaps_of.get(t)
        if gaps is None:
            gaps = gaps_of[t] = facts.gaps or (
                [g for g in tag_gaps if g.operation in TAG_OPERATIONS.get(t, ())] if tag_gaps else []
            )
        verdict = own_verdict(uns, any(m.effective for m in ms), gaps)
        out.protected[p] = verdict
        out.reasons[p] = resource_reason(verdict, cols, p, uns, ms, facts, gaps)


def _matches_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The match rows as a frame: each column read out of the rows by ``itemgetter`` into a numpy
    array (C loops; transposing with ``zip(*rows)`` took four times as long on the ~2M rows of a
    million resources), then ``rows`` emptied, so the rows and the columns are held together once,
    never a third copy."""
    count = len(rows)
    data: dict[str, pd.Series[Any]] = {}
    for i, name in enumerate(MATCH_COLUMNS):
        values = map(itemgetter(i), rows)
        # numpy arrays filled from the rows (no intermediate list), wrapped without a copy
        if name in ("effective", "fsx_tags_on_filesystem"):
            data[name] = pd.Series(np.fromiter(values, dtype=bool, count=count), dtype="bool")
        else:
            data[name] = pd.Series(np.fromiter(values, dtype=object, count=count), dtype="object", copy=False)
    rows.clear()
    return pd.DataFrame(data, columns=list(MATCH_COLUMNS), copy=False)


__all__ = [
    "DECIDING_OPERATIONS",
    "INSTANCE_LISTING",
    "MATCH_COLUMNS",
    "TAG_OPERATIONS",
    "THROUGH_PARENT_VIAS",
    "VERDICT_COLUMNS",
    "VIA_INSTANCE",
    "Protection",
    "inventory_facts",
    "resolve",
]
