"""Recycle Bin retention rules (they keep deleted EBS snapshots and AMIs, AWS Backup's included)."""

from __future__ import annotations

from auditor.services.base import Operation, Service

# -- declaration: operations and resource kinds -------------------------------------------------

RESOURCE_TYPES = ("EBS_SNAPSHOT", "EC2_IMAGE")

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "rbin", "ListRules", params=tuple({"ResourceType": t} for t in RESOURCE_TYPES), page_size=(100, 1)
    ),
)

# -- loader into frames -------------------------------------------------------------------------


SERVICE = Service(name="rbin", operations=OPERATIONS, loader=None)
