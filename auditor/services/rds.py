"""Amazon RDS (and Aurora, Neptune, DocumentDB, whose clusters RDS's API describes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import ResourceRow, cluster_member_row, resource_row
from auditor.model.shapes import as_obj, list_of, num_of, obj_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation("rds", "DescribeDBInstances", page_size=(100, 20)),
    Operation(
        "rds",
        "DescribeDBClusters",
        page_size=(100, 20),
        doc="returns Aurora, Neptune, DocumentDB and Multi-AZ DB clusters alike",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "RDS",
        "rds",
        "arn:{partition}:rds:{region}:{account}:db:{id}",
        listed_by="rds.DescribeDBInstances",
        tags_from="TagList",
        notes="DB instances without DBClusterIdentifier; Multi-AZ DB clusters are RDS too",
    ),
    ResourceKind(
        "Aurora",
        "rds",
        "arn:{partition}:rds:{region}:{account}:cluster:{id}",
        listed_by="rds.DescribeDBClusters",
        tags_from="TagList",
        always_needs_opt_in=True,
    ),
    ResourceKind(
        "Neptune",
        "rds",
        "arn:{partition}:rds:{region}:{account}:cluster:{id}",
        listed_by="rds.DescribeDBClusters",
        tags_from="TagList",
        always_needs_opt_in=True,
    ),
    ResourceKind(
        "DocumentDB",
        "rds",
        "arn:{partition}:rds:{region}:{account}:cluster:{id}",
        listed_by="rds.DescribeDBClusters",
        tags_from="TagList",
        always_needs_opt_in=True,
    ),
)

# -- loader into frames -------------------------------------------------------------------------

#: AWS Backup resource type of a DB cluster by engine (``docs/evidence-bundle.md``); other engines
#: (Multi-AZ DB clusters) are ``RDS``.
CLUSTER_ENGINE_TYPES: Final[Mapping[str, str]] = {
    "aurora": "Aurora",
    "aurora-mysql": "Aurora",
    "aurora-postgresql": "Aurora",
    "neptune": "Neptune",
    "docdb": "DocumentDB",
}


class _Clusters(dict[str, str]):
    """DB cluster identifier -> ARN, from ``DescribeDBClusters`` to the cluster's DB instances."""


def load(ctx: RegionContext) -> None:
    """DB clusters (Aurora, Neptune, DocumentDB, Multi-AZ), then DB instances outside a cluster."""
    ctx.each("rds.DescribeDBClusters", _db_clusters)
    ctx.each("rds.DescribeDBInstances", _db_instances)


def _db_clusters(ctx: RegionContext, src: int, call: Call) -> None:
    cluster_arns = ctx.state(_Clusters)
    rows: list[ResourceRow] = []
    for j, c in enumerate(list_of(call.response, "DBClusters", "")):
        w = f"DBClusters[{j}]."
        c = as_obj(c, w)
        arn = str_of(c, "DBClusterArn", w)
        engine = opt_str(c, "Engine", w)
        ident = opt_str(c, "DBClusterIdentifier", w)
        if ident is not None:
            cluster_arns.setdefault(ident, arn)
        row = resource_row(
            arn=arn,
            account_id=ctx.account,
            region=ctx.region,
            resource_type=CLUSTER_ENGINE_TYPES.get(engine or "", "RDS"),
            service="rds",
            name=ident,
            tags=tags_of(c, "TagList", w),
            engine=engine,
            backup_retention_days=num_of(c, "BackupRetentionPeriod", w),
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


def _db_instances(ctx: RegionContext, src: int, call: Call) -> None:
    a, r = ctx.account, ctx.region
    rows: list[ResourceRow] = []
    for j, d in enumerate(list_of(call.response, "DBInstances", "")):
        w = f"DBInstances[{j}]."
        d = as_obj(d, w)
        arn = str_of(d, "DBInstanceArn", w)
        engine = opt_str(d, "Engine", w)
        cluster = opt_str(d, "DBClusterIdentifier", w)
        tags = tags_of(d, "TagList", w)
        outposts = _on_outposts(d, w)
        if cluster is not None:
            # Protected through its cluster: not a resource of its own, but its ARN is kept
            # (recovery points and ``explain`` may name it).
            cluster_arn = (
                ctx.state(_Clusters).get(cluster) or f"arn:{ctx.partition}:rds:{r}:{a}:cluster:{cluster}"
            )
            ctx.out.cluster_members.add(src, cluster_member_row(arn, a, r, cluster_arn))
            continue
        row = resource_row(
            arn=arn,
            account_id=a,
            region=r,
            resource_type="RDS",
            service="rds",
            name=opt_str(d, "DBInstanceIdentifier", w),
            tags=tags,
            engine=engine,
            rds_custom=(engine or "").startswith("custom-"),
            on_outposts=outposts,
            backup_retention_days=num_of(d, "BackupRetentionPeriod", w),
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


def _on_outposts(instance: Any, w: str) -> bool:
    """Whether any subnet of the instance's DB subnet group is on an Outpost."""
    group = obj_of(instance, "DBSubnetGroup", w)
    outposts = False
    for k, s in enumerate(list_of(group, "Subnets", w + "DBSubnetGroup.")):
        sw = f"{w}DBSubnetGroup.Subnets[{k}]."
        s = as_obj(s, sw)
        if opt_str(obj_of(s, "SubnetOutpost", sw), "Arn", sw + "SubnetOutpost."):
            outposts = True
    return outposts


SERVICE = Service(name="rds", operations=OPERATIONS, kinds=KINDS, loader=load)
