"""Amazon FSx file systems, and FSx for ONTAP volumes (backed up instead of their file system)."""

from __future__ import annotations

from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation("fsx", "DescribeFileSystems", page_size=(1000, 1)),
    Operation("fsx", "DescribeVolumes", page_size=(1000, 1)),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "FSx",
        "fsx",
        "arn:{partition}:fsx:{region}:{account}:file-system/{id}",
        listed_by="fsx.DescribeFileSystems",
        tags_from="Tags",
        notes="Windows, Lustre and OpenZFS file systems; ONTAP file systems are not resources",
    ),
    ResourceKind(
        "FSx",
        "fsx",
        "arn:{partition}:fsx:{region}:{account}:volume/{parent}/{id}",
        listed_by="fsx.DescribeVolumes",
        tags_from="Tags (selections match the file system's tags)",
        notes="ONTAP volumes only; OpenZFS volumes are backed up with their file system",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


SERVICE = Service(name="fsx", operations=OPERATIONS, kinds=KINDS, loader=None)
