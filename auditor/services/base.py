"""What a service declaration is made of (the evidence bundle's contract, importable without the collector).

One AWS service = one module of :mod:`auditor.services` holding one :class:`Service`: the API
operations backup-auditor calls (:class:`Operation`), the resource kinds AWS Backup protects that the
service owns (:class:`ResourceKind`), and the loader that turns the service's operation files of one
account-region into frame rows. Generic code walks these declarations: the collector (list, then per
item), the evaluator's coverage (required / optional, parent listings), the IAM policies and the
operations table of ``docs/evidence-bundle.md``.

Declarations are checked when they are built (:class:`DeclarationError`), so a mistake in one fails
at import rather than halfway through a collection.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class DeclarationError(ValueError):
    """A service declaration is inconsistent (raised at import)."""


class Scope(StrEnum):
    ORGANIZATION = "organization"
    """Called once per run, as the management / delegated admin account."""
    REGIONAL = "regional"
    """Called in every audited account and region."""
    DISCOVERY = "discovery"
    """Called to find accounts, regions and credentials; not stored per account-region."""


@dataclass(frozen=True)
class CallContext:
    """What the parameters of a call may depend on besides the listed item."""

    partition: str
    account: str
    """The audited account (organization scope: the account the call is about)."""
    region: str
    window_start: datetime
    """Start of the job window (``collected_at`` minus ``job_window_days``)."""


#: Parameters of a top-level operation: one call per mapping; or a function of the call context
#: returning them (for values known only at run time, such as the job window's start).
ParamsSpec = Sequence[Mapping[str, Any]] | Callable[[CallContext], Sequence[Mapping[str, Any]]]

#: Names a per-item parameter template may use (``str.format`` fields).
TEMPLATE_FIELDS = frozenset({"item", "params", "partition", "account", "region"})

_NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]+$")
_SERVICE_RE = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Operation:
    """One API operation, as the bundle stores it (``service.Operation.json``)."""

    service: str
    """boto3 client name."""
    name: str
    """Operation name as in botocore's service model."""
    scope: Scope = Scope.REGIONAL
    iam_action: str = ""
    """IAM action needed to call it (default ``<iam prefix of the service>:<name>``, filled in by
    :class:`Service`)."""
    parent: str | None = None
    """``service.Operation`` key of the listing whose items this operation is called once for."""
    items: str | None = None
    """Member of the parent's response that lists the items (``BackupPlansList``)."""
    item_params: Mapping[str, str] = field(default_factory=dict)
    """Parameters of a per-item (or per-account) call: ``str.format`` templates over ``item`` (the
    listed item), ``params`` (the parent call's parameters), ``partition``, ``region`` and
    ``account``."""
    item_when: str | None = None
    """Per-item operations: a dotted member path of the listed item
    (``CreatedBy.RestoreTestingPlanArn``); the call is made only for the items where it is present
    and not empty. Per-item calls with the same parameters are made once either way."""
    per_account: bool = False
    """Organization scope: called once per audited account, with :attr:`item_params`."""
    params: ParamsSpec = ({},)
    """Top-level operations: the calls to make."""
    page_size: tuple[int, int] | None = None
    """(largest, smallest) page size the API accepts, for paginated operations with a limit."""
    paginated: bool = False
    """Paginated without a page-size limit (pages are followed, no size is set)."""
    token_paged: bool = False
    """Paged, but botocore ships no paginator for it (``timestream-write``): the engine sends the
    page size as ``MaxResults`` and follows ``NextToken`` itself. Needs :attr:`page_size`."""
    absent_codes: frozenset[str] = frozenset()
    """Error codes that mean "nothing there" rather than "could not read"."""
    since: int = 1
    """Evidence bundle version that introduced the operation."""
    required: bool = True
    """Whether every bundle must have it. ``False`` (with ``since`` > 1): a bundle older than
    ``since`` was written by a collector that never called it, so its absence there is "evidence not
    collected" (the kinds it lists are not evaluated) rather than a *partial* account-region; from
    bundle version ``since`` on it is covered like a required operation."""
    account_wide: bool = False
    """A regional operation called once per account rather than per region (``s3.ListBuckets``):
    in the account's first audited region (its first ``regions`` entry in the manifest), stored in
    that region's directory; its coverage holds for every audited region of the account. Its
    per-item operations are account-wide too."""
    only_without: str | None = None
    """Per-item operations: called only for the listed items that lack this member (the S3
    region fallback: GetBucketLocation for a bucket ListBuckets gives no ``BucketRegion``)."""
    doc: str = ""
    """What the operations table of ``docs/evidence-bundle.md`` adds about its parameters."""
    recurse_items: str | None = None
    """A tree walk (organization scope only): the member of this per-item operation's own
    response whose items are parents too, so every per-item operation of the same parent listing is
    called for them as well (organizational units under units, a few levels deep)."""

    def __post_init__(self) -> None:
        where = f"{self.service}.{self.name}"
        if not _SERVICE_RE.match(self.service) or not _NAME_RE.match(self.name):
            raise DeclarationError(
                f"{where}: service must be a boto3 client name, name an API operation name"
            )
        if (self.parent is None) != (self.items is None):
            raise DeclarationError(f"{where}: 'parent' and 'items' go together")
        if self.parent is not None and self.per_account:
            raise DeclarationError(f"{where}: an operation is per item or per account, not both")
        if self.per_account and self.scope is not Scope.ORGANIZATION:
            raise DeclarationError(f"{where}: only organization-scope operations are called per account")
        per_call = self.parent is not None or self.per_account
        if per_call != bool(self.item_params):
            raise DeclarationError(
                f"{where}: 'item_params' is for (and needed by) per-item / per-account calls"
            )
        if per_call and self.params != ({},):
            raise DeclarationError(f"{where}: a per-item call takes 'item_params', not 'params'")
        self._check_options(where)

    def _check_options(self, where: str) -> None:
        """Paging, versions, tree walks, item filters, account-wide, item templates."""
        if self.page_size is not None and (self.paginated or not 1 <= self.page_size[1] <= self.page_size[0]):
            raise DeclarationError(f"{where}: page_size is (largest, smallest) with 1 <= smallest <= largest")
        if self.token_paged and self.page_size is None:
            raise DeclarationError(f"{where}: 'token_paged' needs a page_size (the MaxResults range)")
        if self.since < 1:
            raise DeclarationError(f"{where}: 'since' is an evidence bundle version (>= 1)")
        if not self.required and self.since == 1:
            raise DeclarationError(f"{where}: an optional operation names the bundle version that adds it")
        if self.recurse_items is not None and (self.parent is None or self.scope is not Scope.ORGANIZATION):
            raise DeclarationError(f"{where}: 'recurse_items' is for per-item organization operations")
        if self.only_without is not None and self.parent is None:
            raise DeclarationError(f"{where}: 'only_without' filters the items of a parent listing")
        if self.account_wide and self.scope is not Scope.REGIONAL:
            raise DeclarationError(f"{where}: only regional operations are account-wide")
        for name, template in self.item_params.items():
            used = {
                f.split("[", 1)[0].split(".", 1)[0] for _, f, _, _ in string.Formatter().parse(template) if f
            }
            if not used <= TEMPLATE_FIELDS:
                unknown = ", ".join(sorted(used - TEMPLATE_FIELDS))
                raise DeclarationError(f"{where}: item_params[{name!r}] uses unknown field(s) {unknown}")
        self._check_item_when(where)

    def _check_item_when(self, where: str) -> None:
        if self.item_when is not None and self.parent is None:
            raise DeclarationError(f"{where}: 'item_when' filters the items of a parent listing")

    @property
    def key(self) -> str:
        return f"{self.service}.{self.name}"

    def wants(self, item: Any) -> bool:
        """Whether a per-item operation is called for ``item`` (see :attr:`only_without`)."""
        return self.only_without is None or not (isinstance(item, dict) and item.get(self.only_without))

    @property
    def per_item(self) -> bool:
        """Called once per item of a parent listing."""
        return self.parent is not None

    @property
    def paged(self) -> bool:
        """Called through its paginator (pages followed and merged)."""
        return self.paginated or self.page_size is not None

    def calls(self, context: CallContext) -> Sequence[Mapping[str, Any]]:
        """A top-level operation's parameters, one mapping per call."""
        return self.params(context) if callable(self.params) else self.params

    def call_for(self, item: Any, params: Mapping[str, Any], context: CallContext) -> dict[str, str]:
        """A per-item call's parameters for ``item`` of a parent call made with ``params``."""
        return {
            name: template.format(
                item=item,
                params=params,
                partition=context.partition,
                account=context.account,
                region=context.region,
            )
            for name, template in self.item_params.items()
        }

    def item_calls(
        self, response: Mapping[str, Any], params: Mapping[str, Any], context: CallContext
    ) -> list[dict[str, str]]:
        """The per-item calls for the items a parent call with ``params`` listed in ``response``:
        only items passing :attr:`item_when`, each distinct set of parameters once, in item order."""
        calls: list[dict[str, str]] = []
        seen: set[tuple[tuple[str, str], ...]] = set()
        for item in response.get(self.items or "", []):
            if (self.item_when is not None and not _member(item, self.item_when)) or not self.wants(item):
                continue
            call = self.call_for(item, params, context)
            key = tuple(sorted(call.items()))
            if key not in seen:
                seen.add(key)
                calls.append(call)
        return calls


def _member(item: Any, path: str) -> bool:
    """Whether the dotted member ``path`` of ``item`` is present and not empty."""
    value = item
    for name in path.split("."):
        if not isinstance(value, Mapping):
            return False
        value = value.get(name)
    return value is not None and value != "" and value != [] and value != {}


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
    reading: str = ""
    """A reading of AWS's documentation the kind's protection relies on (where AWS is ambiguous or
    silent); ``explain`` prints it for every resource of the kind (``docs/semantics-review.md``)."""

    @property
    def arn_resource_prefix(self) -> str:
        """The ARN's resource part up to the id (``db:``, ``file-system/``)."""
        resource = self.arn_form.split(":", 5)[5]
        return resource.split("{", 1)[0]


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
    some_regions: bool = False
    """AWS offers the service in some Regions only: the collector calls it only in the Regions
    botocore's endpoint data lists for the client (``Session.get_available_regions``) and records
    every other audited account-region in the manifest's ``unavailable`` member ("service not
    available in this region": neither an error nor partial coverage)."""
    extra_iam_actions: tuple[str, ...] = ()
    """IAM actions the SDK needs besides the operations' own (``timestream:DescribeEndpoints``,
    which botocore calls for endpoint discovery before a Timestream operation)."""
    org_loader: Callable[..., None] | None = None
    """A service with regional operations that also declares organization-scope ones loads those
    here, once per bundle (a service of organization operations only uses ``loader``)."""

    def __post_init__(self) -> None:
        if not self.iam_prefix:
            object.__setattr__(self, "iam_prefix", self.name)
        # Operations without an explicit IAM action get the service's default.
        filled = tuple(
            op if op.iam_action else replace(op, iam_action=f"{self.iam_prefix}:{op.name}")
            for op in self.operations
        )
        object.__setattr__(self, "operations", filled)
        self._check()

    def _check(self) -> None:
        seen: dict[str, Operation] = {}
        for op in self.operations:
            if op.service != self.name:
                raise DeclarationError(f"{op.key}: declared in service {self.name!r}")
            if op.key in seen:
                raise DeclarationError(f"{op.key}: declared twice")
            if op.parent is not None:
                parent = seen.get(op.parent)
                if parent is None:
                    raise DeclarationError(
                        f"{op.key}: parent {op.parent} must be declared before it in {self.name}"
                    )
                if parent.scope is not op.scope or parent.account_wide is not op.account_wide:
                    raise DeclarationError(f"{op.key}: its parent {op.parent} has another scope")
            seen[op.key] = op
        for kind in self.kinds:
            if kind.listed_by not in seen:
                raise DeclarationError(
                    f"{self.name}: kind {kind.backup_type} listed by undeclared {kind.listed_by}"
                )
            if not kind.arn_form.startswith(f"arn:{{partition}}:{kind.arn_service}:"):
                raise DeclarationError(f"{self.name}: kind {kind.backup_type}: ARN form {kind.arn_form!r}")

    def operation(self, name: str) -> Operation:
        """The declared operation called ``name`` (``KeyError`` when there is none)."""
        for op in self.operations:
            if op.name == name:
                return op
        raise KeyError(f"{self.name}.{name}")
