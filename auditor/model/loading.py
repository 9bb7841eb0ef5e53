"""The loading API the service loaders use (``auditor.services.<service>``, section "loader into frames").

A loader receives a :class:`RegionContext` (one account-region) or, for a service whose operations
are all organization-wide, a :class:`Context` whose account and region are ``None``. It reads its
operation files with :meth:`Context.each`, turns each response into typed rows
(:mod:`auditor.model.rows`) and adds them to the row sinks of ``ctx.out`` (:class:`Sinks`). Data one
operation passes to a later one of the same service (cluster ARNs to DB instances, file systems to
ONTAP volumes, table tags to ``DescribeTable``) lives in a per-context state object:
``ctx.state(_MyState)`` returns the same instance for the whole account-region.

Bookkeeping for coverage: :meth:`Context.each` records every file present; a listing records how
many items it listed with :meth:`Context.listed` (so that an absent per-item file of an empty listing
loses nothing), and a file lacking calls its listing asks for is reported with
:meth:`Context.incomplete`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from auditor.errors import BundleError
from auditor.evidence import Bundle, Call
from auditor.evidence.bundle import load_calls
from auditor.model.rows import (
    AccountOuRow,
    ClusterMemberRow,
    CopyJobRow,
    GlobalSettingRow,
    JobRow,
    PlanRow,
    PlanRuleRow,
    PolicyRow,
    PolicyValidationRow,
    ProtectedResourceRow,
    RbinRuleRow,
    RecoveryPointRow,
    ResourceRow,
    RestoreJobRow,
    RestoreSelectionRow,
    SelectionRow,
    SettingRow,
    StackMemberRow,
    VaultRow,
)
from auditor.model.shapes import ShapeError

R = TypeVar("R", bound=tuple[Any, ...])
S = TypeVar("S")

#: ``src`` of a row that no single file gave (a listed table whose DescribeTable is missing ...).
NO_FILE = -1


class Sink(Generic[R]):
    """The rows of one frame, in order, and the file each came from (for error messages)."""

    __slots__ = ("columns", "rows", "src")

    def __init__(self, row_type: type[R]) -> None:
        self.columns: tuple[str, ...] = row_type._fields  # type: ignore[attr-defined]
        self.rows: list[R] = []
        self.src: list[int] = []

    def add(self, src: int, row: R) -> None:
        self.rows.append(row)
        self.src.append(src)

    def extend(self, src: int, rows: list[R]) -> None:
        """Add the rows one call gave (one method call per call rather than per row)."""
        self.rows.extend(rows)
        self.src.extend([src] * len(rows))


class Sinks:
    """Every frame a service loader can add rows to (the frames ``Inventory`` holds)."""

    def __init__(self) -> None:
        self.opt_in = Sink(SettingRow)
        self.management = Sink(SettingRow)
        self.plans = Sink(PlanRow)
        self.plan_rules = Sink(PlanRuleRow)
        self.selections = Sink(SelectionRow)
        self.vaults = Sink(VaultRow)
        self.recovery_points = Sink(RecoveryPointRow)
        self.jobs = Sink(JobRow)
        self.resources = Sink(ResourceRow)
        self.cluster_members = Sink(ClusterMemberRow)
        self.stack_members = Sink(StackMemberRow)
        self.rbin_rules = Sink(RbinRuleRow)
        self.policies = Sink(PolicyRow)
        self.account_ous = Sink(AccountOuRow)
        self.policy_validation = Sink(PolicyValidationRow)
        self.copy_jobs = Sink(CopyJobRow)
        self.global_settings = Sink(GlobalSettingRow)
        # restore jobs, restore testing selections, protected resources
        self.restore_jobs = Sink(RestoreJobRow)
        self.restore_selections = Sink(RestoreSelectionRow)
        self.protected_resources = Sink(ProtectedResourceRow)


class BundleFiles:
    """Finds a bundle's operation files (one directory walk) and numbers the files read (``src``)."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.read_paths: list[Path] = []
        self._index: dict[tuple[str | None, str | None, str], Path] | None = None

    def path(self, account_id: str | None, region: str | None, key: str) -> Path | None:
        if self._index is None:
            index: dict[tuple[str | None, str | None, str], Path] = {}
            for a, r, service, operation, path in self.bundle.iter_files():
                k = (a, r, f"{service}.{operation}")
                if k not in index or index[k].name.endswith(".gz"):  # plain wins, as Bundle.calls
                    index[k] = path
            self._index = index
        return self._index.get((account_id, region, key))

    def read(self, account_id: str | None, region: str | None, key: str) -> tuple[int, list[Call]] | None:
        """``(src, calls)`` of one operation file, ``None`` when the bundle lacks it."""
        path = self.path(account_id, region, key)
        if path is None:
            return None
        calls = load_calls(path)
        self.read_paths.append(path)
        return len(self.read_paths) - 1, calls


class Context:
    """What a loader reads from and writes to; organization-wide (no account or region) as is."""

    def __init__(self, files: BundleFiles, out: Sinks, account_id: str | None, region: str | None) -> None:
        self.out = out
        self.present: dict[str, int | None] = {}
        """``service.Operation`` -> number of items it listed, ``None`` where a count means nothing."""
        self.incomplete_keys: dict[str, str] = {}
        """``service.Operation`` -> why its file lacks calls the listings call for."""
        self._files = files
        self._at = (account_id, region)
        self._state: dict[type[Any], Any] = {}

    def each(self, key: str, fn: Callable[[Self, int, Call], None]) -> bool:
        """Apply ``fn(ctx, src, call)`` to every call of the ``key`` file; ``False`` when absent.

        A :class:`ShapeError` becomes a :class:`BundleError` naming the file and the call.
        """
        got = self._files.read(self._at[0], self._at[1], key)
        if got is None:
            return False
        src, calls = got
        for i, call in enumerate(calls):
            try:
                fn(self, src, call)
            except ShapeError as exc:
                raise BundleError(self.file(src), f"call [{i}]: {exc}") from None
        self.present.setdefault(key, None)
        return True

    def listed(self, key: str, count: int) -> None:
        """Record how many items a listing (present) returned."""
        self.present[key] = count

    def incomplete(self, key: str, why: str) -> None:
        """Record that the ``key`` file lacks calls its listing asks for (coverage: not collected)."""
        self.incomplete_keys[key] = why

    @property
    def management_account(self) -> str | None:
        """The organization's management account named by the manifest (None without one)."""
        org = self._files.bundle.manifest.organization
        return None if org is None else org.management_account_id

    def file(self, src: int) -> Path:
        """The file a row came from (for a :class:`BundleError`)."""
        return self._files.read_paths[src]

    def state(self, kind: type[S]) -> S:
        """This context's instance of ``kind`` (created on first use): data a service's loader
        passes from one of its operations to a later one."""
        got = self._state.get(kind)
        if got is None:
            got = self._state[kind] = kind()
        return got


class RegionContext(Context):
    """One audited account-region."""

    def __init__(
        self, files: BundleFiles, out: Sinks, account_id: str, region: str, regions: tuple[str, ...] = ()
    ) -> None:
        super().__init__(files, out, account_id, region)
        self.account = account_id
        self.region = region
        self.partition = partition_of(region)
        self.regions = regions or (region,)
        """Every audited region of the account (manifest order): an account-wide listing read in
        the first one keeps the items of these regions."""

    @property
    def account_home(self) -> bool:
        """Whether this is the account's first audited region, where account-wide operations are
        called and stored."""
        return self.region == self.regions[0]


def partition_of(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


#: A service's loader: reads its files of one account-region (or of the organization).
RegionLoader = Callable[[RegionContext], None]
OrganizationLoader = Callable[[Context], None]
