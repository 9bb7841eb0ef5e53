"""What a service declaration is made of (the evidence bundle's contract, importable without the collector).

One AWS service = one module of :mod:`auditor.services` holding one :class:`Service`: the API
operations backup-auditor calls (:class:`Operation`), the resource kinds AWS Backup protects that the
service owns (:class:`ResourceKind`), and the loader that turns the service's operation files of one
account-region into frame rows. Generic code walks these declarations: the collector (list, then per
item), the evaluator's coverage (required / optional, parent listings), the IAM policies and the
operations table of ``docs/evidence-bundle.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Scope(StrEnum):
    ORGANIZATION = "organization"
    """Called once per run, as the management / delegated admin account."""
    REGIONAL = "regional"
    """Called in every audited account and region."""
    DISCOVERY = "discovery"
    """Called to find accounts, regions and credentials; not stored per account-region."""


#: Fixed parameters of a top-level operation: one call per mapping. A callable receives the run's
#: context (for example the job window's start) and returns them.
ParamsSpec = Sequence[Mapping[str, Any]] | Callable[..., Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Operation:
    """One API operation, as the bundle stores it (``service.Operation.json``)."""

    service: str
    """boto3 client name."""
    name: str
    """Operation name as in botocore's service model."""
    scope: Scope = Scope.REGIONAL
    iam_action: str = ""
    """IAM action needed to call it (default ``<iam prefix of the service>:<name>``)."""
    parent: str | None = None
    """``service.Operation`` key of the listing whose items this operation is called once for."""
    items: str | None = None
    """Member of the parent's response that lists the items (``BackupPlansList``)."""
    item_params: Mapping[str, str] = field(default_factory=dict)
    """Parameters of the per-item call: ``str.format`` templates over ``item`` (the listed item),
    ``params`` (the parent call's parameters), ``partition``, ``region`` and ``account``."""
    params: ParamsSpec = ({},)
    """Top-level operations: the calls to make (fixed parameters)."""
    page_size: tuple[int, int] | None = None
    """(largest, smallest) page size the API accepts, for paginated operations with a limit."""
    paginated: bool = False
    """Paginated without a page-size limit (pages are followed, no size is set)."""
    absent_codes: frozenset[str] = frozenset()
    """Error codes that mean "nothing there" rather than "could not read"."""
    since: int = 1
    """Evidence bundle version that introduced the operation."""
    required: bool = True
    """Whether an account-region lacking it is *partial* (not fully audited)."""

    @property
    def key(self) -> str:
        return f"{self.service}.{self.name}"


@dataclass(frozen=True)
class ResourceKind:
    """A kind of resource AWS Backup protects, as the service's responses describe it."""

    backup_type: str
    """AWS Backup resource type (``RDS``, ``Aurora`` ...); also the opt-in key of
    ``DescribeRegionSettings``."""
    arn_service: str
    """The ARN's service part (``rds``, ``elasticfilesystem`` ...)."""
    arn_form: str
    """The ARN AWS Backup uses, as a template (``arn:{partition}:rds:{region}:{account}:db:{id}``)."""
    listed_by: str
    """``service.Operation`` key whose response lists the resources."""
    tags_from: str
    """Where the tags come from (a member of ``listed_by`` or another operation key)."""
    always_needs_opt_in: bool = False
    """Backed up only when its opt-in is on, even when a selection names it by type or ARN."""
    protected_through: str | None = None
    """Backup type of a parent whose backups include this resource (EBS volume -> EC2 instance)."""
    notes: str = ""


@dataclass(frozen=True)
class Service:
    """One AWS service: its operations, its resource kinds and its loader into frames."""

    name: str
    """boto3 client name."""
    iam_prefix: str = ""
    """IAM action prefix (default: ``name``)."""
    operations: tuple[Operation, ...] = ()
    kinds: tuple[ResourceKind, ...] = ()
    loader: Callable[..., None] | None = None
    """Loads this service's files of one account-region into frame rows (``auditor.model``)."""
