"""Every AWS service backup-auditor reads, one module each (see :mod:`auditor.services.base`).

This package is the evidence bundle's contract: which operations a bundle holds, which of them an
audited account-region must have (required) and which listing each per-item operation depends on,
the IAM actions that calling them needs, and the AWS Backup resource types the responses describe.
It imports nothing of the collector, the model or the rules; they (and the deploy templates) import
it.

The order of :data:`SERVICES` is the order in which the collector starts and the loader reads them.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.evidence.manifest import BUNDLE_VERSION
from auditor.services import (
    backup,
    backup_gateway,
    cloudformation,
    dlm,  # backups made outside AWS Backup (BKP-017)
    dynamodb,
    ec2,
    efs,
    fsx,
    organizations,
    rbin,
    rds,
    redshift,
    redshift_serverless,
    s3,
    ssm_sap,
    storagegateway,
    sts,
    timestream_write,
)
from auditor.services.base import (
    CallContext,
    DeclarationError,
    Operation,
    ResourceKind,
    Scope,
    Service,
)

SERVICES: tuple[Service, ...] = (
    backup.SERVICE,
    rds.SERVICE,
    dynamodb.SERVICE,
    efs.SERVICE,
    fsx.SERVICE,
    # -- backups made outside AWS Backup (BKP-017): before ec2, whose loader reads its policies --
    dlm.SERVICE,
    # --
    ec2.SERVICE,
    s3.SERVICE,
    redshift.SERVICE,
    cloudformation.SERVICE,
    # Timestream and Redshift Serverless (issue 9, bundle version 3)
    timestream_write.SERVICE,
    redshift_serverless.SERVICE,
    # -- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases (bundle v3)
    storagegateway.SERVICE,
    backup_gateway.SERVICE,
    ssm_sap.SERVICE,
    # -- end of issue 9 (Storage Gateway, VMs, SAP HANA)
    rbin.SERVICE,
    organizations.SERVICE,
    sts.SERVICE,
)


def _of_scope(scope: Scope) -> tuple[Operation, ...]:
    return tuple(op for service in SERVICES for op in service.operations if op.scope is scope)


REGIONAL_OPERATIONS: tuple[Operation, ...] = _of_scope(Scope.REGIONAL)
"""Called in every audited account-region, in collection order."""
ORGANIZATION_OPERATIONS: tuple[Operation, ...] = _of_scope(Scope.ORGANIZATION)
"""Called once per run as the management / delegated administrator account."""
DISCOVERY_OPERATIONS: tuple[Operation, ...] = _of_scope(Scope.DISCOVERY)
"""Called to find accounts, regions and credentials; stored nowhere per account-region."""
ALL_OPERATIONS: tuple[Operation, ...] = REGIONAL_OPERATIONS + ORGANIZATION_OPERATIONS + DISCOVERY_OPERATIONS

OPERATIONS: Mapping[str, Operation] = {op.key: op for op in ALL_OPERATIONS}
"""Every declared operation by its ``service.Operation`` key."""

PARENT_OPERATIONS: Mapping[str, str] = {op.key: op.parent for op in ALL_OPERATIONS if op.parent is not None}
"""Per-item operation -> the listing it is called for the items of: when that listing was collected
and is empty, the per-item file may be absent without the account-region being partial."""

REGIONAL_SERVICES: tuple[str, ...] = tuple(
    service.name for service in SERVICES if any(op.scope is Scope.REGIONAL for op in service.operations)
)
"""boto3 clients an account-region needs, in :data:`SERVICES` order."""

RESOURCE_KINDS: tuple[ResourceKind, ...] = tuple(kind for service in SERVICES for kind in service.kinds)
"""Every kind of resource AWS Backup protects that a declared listing describes."""


def _check_contract() -> None:
    names = [service.name for service in SERVICES]
    if len(set(names)) != len(names):
        raise DeclarationError(f"a service is declared twice: {names}")
    if len(OPERATIONS) != len(ALL_OPERATIONS):
        raise DeclarationError("an operation key is declared twice")


_check_contract()


def operation(key: str) -> Operation:
    """The declared operation with this ``service.Operation`` key (``KeyError`` naming it if none)."""
    found = OPERATIONS.get(key)
    if found is None:
        raise KeyError(f"no service declares the operation {key!r}")
    return found


def children(key: str) -> tuple[Operation, ...]:
    """Per-item operations called for the items of the listing ``key``, in declaration order."""
    return tuple(op for op in ALL_OPERATIONS if op.parent == key)


def descendants(key: str) -> tuple[Operation, ...]:
    """Every operation that depends on ``key`` directly or through another per-item operation."""
    out: list[Operation] = []
    for child in children(key):
        out.append(child)
        out.extend(descendants(child.key))
    return tuple(out)


def chain(key: str) -> tuple[str, ...]:
    """``key`` after the listings it depends on, top-level listing first
    (``backup.GetBackupSelection`` -> ListBackupPlans, ListBackupSelections, GetBackupSelection)."""
    parent = operation(key).parent
    return (*chain(parent), key) if parent is not None else (key,)


def tag_operations() -> Mapping[str, tuple[str, ...]]:
    """AWS Backup resource type -> the operations holding its tags, for the kinds whose tags come
    from another operation than their listing (DynamoDB: ListTagsOfResource)."""
    out: dict[str, tuple[str, ...]] = {}
    for kind in RESOURCE_KINDS:
        if kind.tags_from in OPERATIONS:
            out[kind.backup_type] = (*out.get(kind.backup_type, ()), kind.tags_from)
    return out


def expected(op: Operation, version: int | None = None) -> bool:
    """Whether a bundle of ``version`` (default: the version this tool writes) must hold ``op``:
    it is required, or the bundle's collector called it (``since`` <= ``version``)."""
    return op.required or op.since <= (BUNDLE_VERSION if version is None else version)


def regional_keys(version: int | None = None) -> tuple[str, ...]:
    """``service.Operation`` for every operation each audited account-region of a bundle of
    ``version`` (default: the version this tool writes) must have."""
    return tuple(op.key for op in REGIONAL_OPERATIONS if expected(op, version))


def optional_keys(version: int | None = None) -> tuple[str, ...]:
    """Regional operations a bundle of ``version`` may lack without an account-region being
    partial: its collector never called them (evidence not collected)."""
    return tuple(op.key for op in REGIONAL_OPERATIONS if not expected(op, version))


def account_wide_keys() -> frozenset[str]:
    """Regional operations called once per account (in its first region): their coverage holds for
    every region of the account, so they alone never make a region "audited"."""
    return frozenset(op.key for op in REGIONAL_OPERATIONS if op.account_wide)


def iam_actions(include_discovery: bool = True) -> tuple[str, ...]:
    """Sorted, de-duplicated IAM actions the collectors need (for policies and templates)."""
    ops = ALL_OPERATIONS if include_discovery else REGIONAL_OPERATIONS + ORGANIZATION_OPERATIONS
    return tuple(sorted({op.iam_action for op in ops} | set(extra_iam_actions())))


def extra_iam_actions() -> tuple[str, ...]:
    """IAM actions the SDK needs besides the declared operations (endpoint discovery), sorted."""
    return tuple(sorted({a for service in SERVICES for a in service.extra_iam_actions}))


def some_region_services() -> frozenset[str]:
    """boto3 clients of services AWS offers in some Regions only (:attr:`Service.some_regions`):
    called only where botocore's endpoint data lists the Region."""
    return frozenset(service.name for service in SERVICES if service.some_regions)


def service_label(name: str) -> str:
    """What a reader calls a declared service (a boto3 client name): the AWS Backup resource types
    of its kinds (``Timestream``, ``Storage Gateway``), else the name itself."""
    for service in SERVICES:
        if service.name == name and service.kinds:
            return ", ".join(dict.fromkeys(kind.backup_type for kind in service.kinds))
    return name


def kind_readings() -> Mapping[str, tuple[str, ...]]:
    """AWS Backup resource type -> the readings of AWS's docs its kinds rely on (``explain``)."""
    out: dict[str, tuple[str, ...]] = {}
    for kind in RESOURCE_KINDS:
        if kind.reading and kind.reading not in out.get(kind.backup_type, ()):
            out[kind.backup_type] = (*out.get(kind.backup_type, ()), kind.reading)
    return out


def source_operations() -> tuple[tuple[str, str, str], ...]:
    """(ARN service, start of the ARN's resource part, listing key) per distinct resource ARN form,
    in declaration order: which listing would contain a resource with such an ARN."""
    seen: dict[tuple[str, str], str] = {}
    for kind in RESOURCE_KINDS:
        seen.setdefault((kind.arn_service, kind.arn_resource_prefix), kind.listed_by)
    return tuple((service, prefix, key) for (service, prefix), key in seen.items())


def resource_types() -> tuple[str, ...]:
    """The AWS Backup resource types of the declared kinds, each once, in declaration order."""
    return tuple(dict.fromkeys(kind.backup_type for kind in RESOURCE_KINDS))


def always_opt_in_types() -> frozenset[str]:
    """AWS Backup resource types backed up only when opted in, however a selection names them."""
    return frozenset(kind.backup_type for kind in RESOURCE_KINDS if kind.always_needs_opt_in)


__all__ = [
    "ALL_OPERATIONS",
    "DISCOVERY_OPERATIONS",
    "OPERATIONS",
    "ORGANIZATION_OPERATIONS",
    "PARENT_OPERATIONS",
    "REGIONAL_OPERATIONS",
    "REGIONAL_SERVICES",
    "RESOURCE_KINDS",
    "SERVICES",
    "CallContext",
    "DeclarationError",
    "Operation",
    "ResourceKind",
    "Scope",
    "Service",
    "account_wide_keys",
    "always_opt_in_types",
    "chain",
    "children",
    "descendants",
    "expected",
    "extra_iam_actions",
    "iam_actions",
    "kind_readings",
    "operation",
    "optional_keys",
    "regional_keys",
    "resource_types",
    "service_label",
    "some_region_services",
    "source_operations",
    "tag_operations",
]
