"""Amazon RDS (and Aurora, Neptune, DocumentDB, whose clusters RDS's API describes)."""

from __future__ import annotations

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


SERVICE = Service(name="rds", operations=OPERATIONS, kinds=KINDS, loader=None)
