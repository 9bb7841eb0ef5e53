"""Which recovery points' source resources are gone (BKP-010, BKP-014).

A source is judged only where the listing that would contain it (``rds.DescribeDBClusters`` for an
Aurora cluster, ``ec2.DescribeVolumes`` for an EBS volume ...) was collected in the source's own
account and Region, read from its ARN. Anything else is *not judged*: no finding is made for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from auditor.rules._common import arn_parts, source_operation
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


def gone_sources(ctx: RuleContext, recovery_points: pd.DataFrame) -> Iterator[GoneSource]:
    """Group ``recovery_points`` by source ARN and yield the sources judged to be gone."""
    rps = recovery_points[recovery_points["resource_arn"].notna()]
    if rps.empty:
        return
    parts = arn_parts(rps["resource_arn"])
    op = source_operation(rps["resource_arn"])
    judged = pd.Series(False, index=rps.index)
    for key in op.dropna().unique():
        scopes = ctx.collected_scopes([str(key)])
        if scopes.empty:
            continue
        wanted = pd.MultiIndex.from_frame(scopes[["account_id", "region"]])
        here = pd.MultiIndex.from_arrays([parts["account_id"], parts["region"]]).isin(wanted)
        judged |= (op == key) & here
    existing = ctx.inventory.resources["arn"]
    gone = rps[judged & ~rps["resource_arn"].isin(existing)]
    if gone.empty:
        return
    gone = gone.assign(
        src_account=parts.loc[gone.index, "account_id"],
        src_region=parts.loc[gone.index, "region"],
        listing=op.loc[gone.index],
    )
    for arn, group in gone.groupby("resource_arn", sort=True):
        sizes = group["backup_size_bytes"].astype("float64")
        stored = (
            group.groupby(["account_id", "region", "vault_name"], sort=True)
            .size()
            .reset_index(name="count")
            .astype({"count": int})
            .to_dict("records")
        )
        yield GoneSource(
            source_arn=str(arn),
            account_id=str(group["src_account"].iloc[0]),
            region=str(group["src_region"].iloc[0]),
            resource_type=str(group["resource_type"].iloc[0]),
            count=len(group),
            bytes=float(sizes.sum(skipna=True)),
            unknown_size=int(sizes.isna().sum()),
            listing=str(group["listing"].iloc[0]),
            stored_in=tuple({str(k): v for k, v in rec.items()} for rec in stored),
            recovery_point_arns=tuple(sorted(group["recovery_point_arn"].astype(str))),
        )
