"""Amazon EC2 instances and EBS volumes."""

from __future__ import annotations

from auditor.services.base import Operation, ResourceKind, Scope, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    # EC2 describes are always paginated: unpaginated EC2 describes draw from a smaller throttling bucket.
    Operation("ec2", "DescribeInstances", page_size=(1000, 5)),
    Operation("ec2", "DescribeVolumes", page_size=(500, 5)),
    Operation("ec2", "DescribeRegions", Scope.DISCOVERY),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "EC2",
        "ec2",
        "arn:{partition}:ec2:{region}:{account}:instance/{id}",
        listed_by="ec2.DescribeInstances",
        tags_from="Tags",
        notes="terminated instances are not resources",
    ),
    ResourceKind(
        "EBS",
        "ec2",
        "arn:{partition}:ec2:{region}:{account}:volume/{id}",
        listed_by="ec2.DescribeVolumes",
        tags_from="Tags",
        protected_through="EC2",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


SERVICE = Service(name="ec2", operations=OPERATIONS, kinds=KINDS, loader=None)
