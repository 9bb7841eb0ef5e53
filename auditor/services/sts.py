"""AWS STS: who the caller is, and the audit role in each account."""

from __future__ import annotations

from auditor.services.base import Operation, Scope, Service

OPERATIONS: tuple[Operation, ...] = (
    Operation("sts", "GetCallerIdentity", Scope.DISCOVERY),
    Operation("sts", "AssumeRole", Scope.DISCOVERY),
)

SERVICE = Service(name="sts", operations=OPERATIONS)
