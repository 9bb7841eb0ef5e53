"""Amazon EFS file systems."""

from __future__ import annotations

from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (Operation("efs", "DescribeFileSystems", page_size=(100, 1)),)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "EFS",
        "elasticfilesystem",
        "arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{id}",
        listed_by="efs.DescribeFileSystems",
        tags_from="Tags",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


SERVICE = Service(name="efs", iam_prefix="elasticfilesystem", operations=OPERATIONS, kinds=KINDS, loader=None)
