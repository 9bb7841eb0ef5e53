"""Every AWS service backup-auditor reads, one module each (see :mod:`auditor.services.base`).

The order of :data:`SERVICES` is the order in which the collector starts and the loader reads them.
"""

from __future__ import annotations

from auditor.services import backup, dynamodb, ec2, efs, fsx, organizations, rbin, rds, sts
from auditor.services.base import Operation, ResourceKind, Scope, Service

SERVICES: tuple[Service, ...] = (
    backup.SERVICE,
    rds.SERVICE,
    dynamodb.SERVICE,
    efs.SERVICE,
    fsx.SERVICE,
    ec2.SERVICE,
    rbin.SERVICE,
    organizations.SERVICE,
    sts.SERVICE,
)

__all__ = ["SERVICES", "Operation", "ResourceKind", "Scope", "Service"]
