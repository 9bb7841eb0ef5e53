"""Which recovery points' source resources are gone (BKP-010, BKP-014).

A source is judged only where the listing that would contain it (``rds.DescribeDBClusters`` for an
Aurora cluster, ``ec2.DescribeVolumes`` for an EBS volume ...) was collected in the source's own
account and Region, read from its ARN. Anything else is *not judged*: no finding is made for it.
A DB instance that is a member of a cluster (``Inventory.cluster_members``) still exists even
though it is not a resource row, so its recovery points are never judged gone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from auditor.rules._common import group_records, records, source_operation_of, to_float
from auditor.rules.base import RuleContext


@dataclass(frozen=True)
class GoneSource:
    """Recovery points of one source ARN whose source no longer exists."""

    source_arn: str
    account_id: str
    region: str
    resource_type: str
    count: int
    bytes: float
    unknown_size: int
    listing: str
    """The ``service.Operation`` that showed the source absent."""
    stored_in: tuple[dict[str, object], ...]
    """``{account_id, region, vault_name, count}`` per vault holding its recovery points."""
    recovery_point_arns: tuple[str, ...]


def _candidates(
    ctx: RuleContext, recovery_points: pd.DataFrame
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Recovery points whose source ARN is not among the inventory's resources (nor among the DB
    instances that are cluster members, which exist but are not resources: an Aurora member
    instance's recovery point is not an orphan), split into those judged gone (their listing was
    collected in the source's account-Region) and those not judged.

    Candidates are filtered first (vectorised), so the per-row work is proportional to them, not
    to every recovery point.
    """
    rps = recovery_points[recovery_points["resource_arn"].notna()]
    inv = ctx.inventory
    existing = rps["resource_arn"].isin(inv.resources["arn"]) | rps["resource_arn"].isin(
        inv.cluster_members["arn"]
    )
    candidates = rps[~existing]
    if candidates.empty:
        return [], []
    cov = ctx.inventory.coverage
    done = cov[cov["collected"]]
    collected = set(
        zip(done["account_id"].tolist(), done["region"].tolist(), done["operation"].tolist(), strict=True)
    )
    rows = records(
        candidates,
        [
            "account_id",
            "region",
            "vault_name",
            "recovery_point_arn",
            "resource_arn",
            "resource_type",
            "backup_size_bytes",
        ],
    )
    judged: list[dict[str, Any]] = []
    not_judged: list[dict[str, Any]] = []
    for row in rows:
        arn = str(row["resource_arn"])
        op = source_operation_of(arn)
        parts = arn.split(":", 5)
        if op is not None and (parts[4], parts[3], op) in collected:
            row.update(src_account=parts[4], src_region=parts[3], listing=op)
            judged.append(row)
        else:
            not_judged.append(row)
    return judged, not_judged


def _all_candidates(ctx: RuleContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`_candidates` of every recovery point, once per run (BKP-010, BKP-014 and the
    summary share them; nobody modifies them)."""
    return ctx.shared("recovery-point-candidates", lambda: _candidates(ctx, ctx.inventory.recovery_points))


def not_judged_summary(ctx: RuleContext) -> dict[str, int]:
    """How many recovery points (and distinct sources) are absent from the inventory but could not
    be judged: their source's listing was not collected, or its kind is not inventoried."""
    _, not_judged = _all_candidates(ctx)
    return {"recovery_points": len(not_judged), "sources": len({r["resource_arn"] for r in not_judged})}


def gone_sources(ctx: RuleContext, *, aurora: bool) -> Iterator[GoneSource]:
    """Group the recovery points of Aurora sources (``aurora``) or of any other (a missing type
    included) by source ARN and yield the sources judged to be gone."""
    judged, _ = _all_candidates(ctx)
    mine = [r for r in judged if _is_aurora(r["resource_type"]) is aurora]
    for arn, group in sorted(group_records(mine, "resource_arn").items()):
        sizes = [to_float(r["backup_size_bytes"]) for r in group]
        known = [x for x in sizes if not math.isnan(x)]
        stored: dict[tuple[str, str, str], int] = {}
        for r in group:
            where = (str(r["account_id"]), str(r["region"]), str(r["vault_name"]))
            stored[where] = stored.get(where, 0) + 1
        first = group[0]
        yield GoneSource(
            source_arn=str(arn),
            account_id=str(first["src_account"]),
            region=str(first["src_region"]),
            resource_type=str(first["resource_type"]),
            count=len(group),
            bytes=float(sum(known)),
            unknown_size=len(sizes) - len(known),
            listing=str(first["listing"]),
            stored_in=tuple(
                {"account_id": a, "region": r, "vault_name": v, "count": n}
                for (a, r, v), n in sorted(stored.items())
            ),
            recovery_point_arns=tuple(sorted(str(r["recovery_point_arn"]) for r in group)),
        )


def _is_aurora(resource_type: object) -> bool:
    """``resource_type == "Aurora"`` as the frame's comparison reads it (a missing type is not)."""
    return isinstance(resource_type, str) and resource_type == "Aurora"
