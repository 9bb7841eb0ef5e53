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

import os
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, Self, TypeVar

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
from auditor.model.shapes import ItemSpec, ShapeError

if TYPE_CHECKING:
    import numpy as np

R = TypeVar("R", bound=tuple[Any, ...])
S = TypeVar("S")

#: ``src`` of a row that no single file gave (a listed table whose DescribeTable is missing ...).
NO_FILE = -1

FLOAT_COLUMNS: Final = frozenset(
    {
        "delete_after_days",
        "move_to_cold_after_days",
        "start_window_minutes",
        "completion_window_minutes",
        "min_retention_days",
        "max_retention_days",
        "recovery_points",
        "backup_size_bytes",
        "backup_retention_days",
        "retention_days",
        "noncurrent_expiration_days",
        "latest_restore_minutes",
    }
)
"""Columns of ``float64`` frames (NaN: absent)."""
BOOL_COLUMNS: Final = frozenset(
    {"collected", "enabled", "locked", "rds_custom", "on_outposts", "is_encrypted", "continuous_backup"}
    | {"listed_invalid"}  # policy validation (BKP-043)
    | {"described"}  # protected resources (BKP-038)
)
"""Columns of ``bool`` frames."""
TIME_COLUMNS: Final = frozenset(
    {
        "creation_date",
        "completion_date",
        "calculated_delete_at",
        "last_backup_time",
        "latest_restore_job_date",
        "created",
    }
)
"""ISO 8601 strings in rows, ``datetime64[ns, UTC]`` in frames."""
UNIQUE_COLUMNS: Final = frozenset({"recovery_point_arn", "destination_recovery_point_arn", "job_id"})
"""String columns whose values are (nearly) all distinct: not shared through :class:`Sinks`' memos."""
_MEMO_OF: Final = {"resource_arn": "arn"}
"""Columns whose values one memo shares (a resource's ARN, as resources, recovery points, jobs and
protected resources name it); any other string column has a memo of its name (small memos are
faster: a lookup of a fresh string hashes it and compares it with the one found)."""

FLUSH_ROWS: Final = 8192
"""Rows a :class:`Sink` holds as tuples before it moves them into its columns."""

_OBJECT, _SHARED, _FLOAT, _BOOL, _TIME = range(5)
_STR_OR_NONE: Final = frozenset({str, type(None)})


def _kinds(row_type: type[Any]) -> tuple[int, ...]:
    """How a sink stores each field of ``row_type``: floats and booleans in packed arrays,
    timestamps parsed per chunk, strings shared through the memo (unless listed as unique)."""
    hints = {k: getattr(v, "__forward_arg__", v) for k, v in row_type.__annotations__.items()}
    out = []
    for name in row_type._fields:
        if name in FLOAT_COLUMNS:
            out.append(_FLOAT)
        elif name in BOOL_COLUMNS:
            out.append(_BOOL)
        elif name in TIME_COLUMNS:
            out.append(_TIME)
        elif hints.get(name) in ("str", "str | None") and name not in UNIQUE_COLUMNS:
            out.append(_SHARED)
        else:
            out.append(_OBJECT)
    return tuple(out)


@dataclass
class BadTime:
    """The first value of a time column that is not ISO 8601 (reported when the frame is built)."""

    row: int
    value: object


@dataclass(frozen=True, slots=True)
class SinkPart:
    """The rows one process loaded into a :class:`Sink` (:meth:`Sink.export`), for the parent to
    append (:meth:`Sink.absorb`)."""

    rows: int
    stores: list[Any]
    """One store per column, as the sink keeps it (chunks of strings, ``array('d')``,
    ``bytearray``, chunks of ``int64`` nanoseconds)."""
    run_start: list[int]
    run_src: list[int]
    bad: dict[int, BadTime]


class Sink(Generic[R]):
    """The rows of one frame, in order, and the file each came from (for error messages).

    Memory: a sink keeps at most :data:`FLUSH_ROWS` rows as tuples; it then moves them into one
    store per column: strings in chunks (a repeated string is kept once: the memos shared by every
    sink of a load map each value to its first instance), numbers in ``array('d')``, booleans in
    a ``bytearray``, timestamps parsed (vectorised, per chunk) into ``int64`` nanoseconds. The file
    of each row is kept as runs: ``(first row, file index)`` where the file changes.
    """

    __slots__ = (
        "_bad",
        "_kinds",
        "_last_src",
        "_memo",
        "_n",
        "_pending",
        "_run_src",
        "_run_start",
        "_store",
        "columns",
        "row_type",
    )

    def __init__(self, row_type: type[R], memos: dict[str, dict[Any, Any]] | None = None) -> None:
        self.row_type = row_type
        self.columns: tuple[str, ...] = row_type._fields  # type: ignore[attr-defined]
        self._kinds = _kinds(row_type)
        memos = {} if memos is None else memos
        self._memo = tuple(
            memos.setdefault(_MEMO_OF.get(c, c), {}).setdefault if k == _SHARED else None
            for c, k in zip(self.columns, self._kinds, strict=True)
        )
        self._pending: list[R] = []
        self._n = 0
        self._run_start: list[int] = []
        self._run_src: list[int] = []
        self._last_src: int | None = None
        self._store: list[Any] = [_new_store(k) for k in self._kinds]
        self._bad: dict[int, BadTime] = {}

    def __len__(self) -> int:
        return self._n

    def _src(self, src: int) -> None:
        if src != self._last_src:
            self._run_start.append(self._n)
            self._run_src.append(src)
            self._last_src = src

    def add(self, src: int, row: R) -> None:
        if src != self._last_src:
            self._src(src)
        self._pending.append(row)
        self._n += 1
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def extend(self, src: int, rows: list[R]) -> None:
        """Add the rows one call gave (one method call per call rather than per row)."""
        if not rows:
            return
        if src != self._last_src:
            self._src(src)
        self._pending.extend(rows)
        self._n += len(rows)
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def extend_tuples(self, src: int, rows: list[tuple[Any, ...]]) -> None:
        """:meth:`extend` with rows as plain tuples in the row type's field order (a bulk reading
        builds them: a tuple is a third of the cost of a named one); :attr:`rows` names them."""
        if not rows:
            return
        if src != self._last_src:
            self._src(src)
        self._pending.extend(rows)  # type: ignore[arg-type]  # R's fields, in order
        self._n += len(rows)
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def read(
        self, src: int, spec: ItemSpec, items: list[Any], given: tuple[Any, ...], default: str | None = None
    ) -> None:
        """Add the rows ``spec`` reads from ``items``, :data:`FLUSH_ROWS` at a time: each chunk's
        strings are still in the processor's cache when they move into the column stores."""
        for start in range(0, len(items), FLUSH_ROWS):
            self.extend_tuples(src, spec.read(items, given, default, start, start + FLUSH_ROWS))

    def src_of(self, row: int) -> int:
        """The file index of row number ``row``."""
        return self._run_src[bisect_right(self._run_start, row) - 1]

    @property
    def rows(self) -> list[R]:
        """The rows (for tests and small sinks; a sink that has parsed timestamps cannot give
        their strings back)."""
        make = self.row_type._make  # type: ignore[attr-defined]
        if self._pending and len(self._pending) == self._n:
            return [make(r) for r in self._pending]
        if any(k == _TIME and len(self._store[i]) for i, k in enumerate(self._kinds)):
            raise RuntimeError("the rows of a sink whose timestamps were parsed: read its columns")
        self.flush()
        return [make(r) for r in zip(*(self.values(c) for c in self.columns), strict=True)]

    def values(self, column: str) -> list[Any]:
        """Every value of one (string or object) column, flushed or not."""
        i = self.columns.index(column)
        kind = self._kinds[i]
        store = self._store[i]
        done = [bool(v) for v in store] if kind == _BOOL else list(chain.from_iterable(store))
        return [*done, *(r[i] for r in self._pending)]

    def flush(self) -> None:
        """Move the pending rows into the column stores."""
        pending = self._pending
        if not pending:
            return
        first = self._n - len(pending)
        self._pending = []
        for i, values in enumerate(zip(*pending, strict=True)):
            kind = self._kinds[i]
            store = self._store[i]
            if kind == _SHARED:
                one = values[0]
                try:
                    if one is values[-1] and values.count(one) == len(values):
                        # one value throughout (an account, a Region: given per call): one lookup
                        store.append((self._memo[i](one, one),) * len(values))  # type: ignore[misc]
                        continue
                    store.append(tuple(map(self._memo[i], values, values)))  # type: ignore[arg-type]
                except TypeError:  # not hashable (a loader put a list in a string column): as is
                    store.append(values)
            elif kind == _OBJECT:
                store.append(values)
            elif kind == _FLOAT:
                _extend_numbers(store, values, "float64")
            elif kind == _BOOL:
                _extend_numbers(store, values, "bool")
            else:
                store.append(self._parse_times(i, first, values))

    def _parse_times(self, i: int, first: int, values: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        """Timestamps as ``int64`` nanoseconds (NaT where absent or not ISO 8601, the first such
        value kept for the error). A chunk of timestamps as the collector writes them is read
        vectorised (:mod:`auditor.model.times`); pandas reads any other, parsing each distinct
        string once where the chunk repeats its values (a schedule's times, a lifecycle's dates)."""
        from auditor.model.times import utc_nanoseconds

        fast = utc_nanoseconds(values)
        if fast is not None:
            return fast
        distinct = dict.fromkeys(values) if _STR_OR_NONE.issuperset(map(type, values)) else None
        if distinct is None or 2 * len(distinct) > len(values):
            return self._parse_distinct(i, first, values)
        import numpy as np

        keys = tuple(distinct)
        position = dict(zip(keys, range(len(keys)), strict=True))
        index = np.fromiter(map(position.__getitem__, values), dtype=np.intp, count=len(values))
        parsed, bad = _parse_iso(keys)
        if i not in self._bad and bad.any():
            j = int(bad[index].nonzero()[0][0])
            self._bad[i] = BadTime(first + j, values[j])
        out: np.ndarray[Any, Any] = parsed[index]
        return out

    def _parse_distinct(self, i: int, first: int, values: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        parsed, bad = _parse_iso(values)
        if i not in self._bad and bad.any():
            j = int(bad.nonzero()[0][0])
            self._bad[i] = BadTime(first + j, values[j])
        return parsed

    def take(self, column: int) -> Any:
        """Hand over the values of one column (flushed) and forget them: an ``object`` array for
        strings and objects, ``array('d')``, ``bytearray``, or ``int64`` nanoseconds for timestamps."""
        import numpy as np

        self.flush()
        kind = self._kinds[column]
        store = self._store[column]
        self._store[column] = _new_store(kind)
        if kind == _TIME:
            return np.concatenate(store) if store else np.empty(0, dtype="int64")
        if kind in (_SHARED, _OBJECT):
            # fromiter reads each value as one object (a tuple is not a row of a 2-D array)
            return np.fromiter(chain.from_iterable(store), dtype=object, count=self._n)
        return store

    def export(self) -> SinkPart:
        """Every row of this sink, flushed, as it travels from a loading process to the parent
        (:mod:`auditor.model.parallel`): the column stores, the file runs, the first timestamp per
        column that is not ISO 8601."""
        self.flush()
        return SinkPart(self._n, self._store, self._run_start, self._run_src, self._bad)

    def absorb(self, part: SinkPart, files_before: int) -> None:
        """Append the rows of ``part`` (the account-regions after this sink's, loaded by another
        process) as if this sink had read them: rows after its own, file numbers shifted by
        ``files_before`` (the files this load read before them), the first bad timestamp kept."""
        self.flush()
        first = self._n
        for store, more in zip(self._store, part.stores, strict=True):
            store.extend(more)
        for start, src in zip(part.run_start, part.run_src, strict=True):
            self._run_start.append(first + start)
            self._run_src.append(src if src == NO_FILE else src + files_before)
        if part.run_src:
            self._last_src = self._run_src[-1]
        for column, bad in part.bad.items():
            self._bad.setdefault(column, BadTime(first + bad.row, bad.value))
        self._n += part.rows

    def bad_time(self, column: int) -> BadTime | None:
        """The first value of a time column that is not an ISO 8601 timestamp of the years
        ``datetime64[ns]`` holds."""
        self.flush()
        return self._bad.get(column)


def _parse_iso(values: tuple[Any, ...]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``int64`` nanoseconds of ``values`` (NaT: absent, not ISO 8601, or outside the years
    ``datetime64[ns]`` holds, 1677-09-21 to 2262-04-11) and where a value is present but not such
    a timestamp."""
    import pandas as pd  # the service contract (auditor.services) imports no pandas

    raw = pd.Series(values, dtype="object")
    parsed = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
    # pandas reads a year such as 3000 at a coarser unit; nanoseconds cannot hold it
    outside = (parsed < pd.Timestamp.min.tz_localize("UTC")) | (parsed > pd.Timestamp.max.tz_localize("UTC"))
    if outside.any():
        parsed = parsed.mask(outside)
    bad = (parsed.isna() & raw.notna()).to_numpy()
    out: np.ndarray[Any, Any] = parsed.astype("datetime64[ns, UTC]").to_numpy("datetime64[ns]")
    return out.view("int64"), bad


def _new_store(kind: int) -> Any:
    if kind == _FLOAT:
        return array("d")
    if kind == _BOOL:
        return bytearray()
    return []


def _extend_numbers(store: array[float] | bytearray, values: tuple[Any, ...], dtype: str) -> None:
    """Append floats (or booleans) as packed bytes; a value the fast path refuses (None, an int
    too large) goes through pandas' conversion, as the frame built from a list did."""
    n = len(store)
    try:
        store.extend(values)
    except (TypeError, ValueError, OverflowError):
        del store[n:]
        import pandas as pd

        converted = pd.Series(values, dtype=dtype).to_numpy()
        store.extend(converted.tobytes() if dtype == "bool" else converted)


class Sinks:
    """Every frame a service loader can add rows to (the frames ``Inventory`` holds)."""

    def __init__(self) -> None:
        self.memos: dict[str, dict[Any, Any]] = {}
        """One instance of each repeated string of the load (account ids, Regions, vault names,
        states, resource ARNs ...), per column name: every sink keeps the first, not one per row."""
        m = self.memos
        self.opt_in = Sink(SettingRow, m)
        self.management = Sink(SettingRow, m)
        self.plans = Sink(PlanRow, m)
        self.plan_rules = Sink(PlanRuleRow, m)
        self.selections = Sink(SelectionRow, m)
        self.vaults = Sink(VaultRow, m)
        self.recovery_points = Sink(RecoveryPointRow, m)
        self.jobs = Sink(JobRow, m)
        self.resources = Sink(ResourceRow, m)
        self.cluster_members = Sink(ClusterMemberRow, m)
        self.stack_members = Sink(StackMemberRow, m)
        self.rbin_rules = Sink(RbinRuleRow, m)
        self.policies = Sink(PolicyRow, m)
        self.account_ous = Sink(AccountOuRow, m)
        self.policy_validation = Sink(PolicyValidationRow, m)
        self.copy_jobs = Sink(CopyJobRow, m)
        self.global_settings = Sink(GlobalSettingRow, m)
        # restore jobs, restore testing selections, protected resources
        self.restore_jobs = Sink(RestoreJobRow, m)
        self.restore_selections = Sink(RestoreSelectionRow, m)
        self.protected_resources = Sink(ProtectedResourceRow, m)

    def sinks(self) -> dict[str, Sink[Any]]:
        """Every sink, by attribute name."""
        return {k: v for k, v in vars(self).items() if isinstance(v, Sink)}

    def export(self) -> dict[str, SinkPart]:
        """Every sink's rows (:meth:`Sink.export`), by attribute name."""
        return {k: v.export() for k, v in self.sinks().items()}

    def absorb(self, parts: dict[str, SinkPart], files_before: int) -> None:
        """Append the rows another process loaded (:meth:`Sink.absorb`) to each sink."""
        for name, sink in self.sinks().items():
            sink.absorb(parts[name], files_before)

    def done(self, *more: Sink[Any]) -> None:
        """Move every pending row (of these sinks and of ``more``) into the column stores and
        drop the memos (a million-resource bundle's hold millions of entries), before the frames
        are built."""
        for sink in (*self.sinks().values(), *more):
            sink.flush()
        for memo in self.memos.values():
            memo.clear()


class BundleFiles:
    """Finds a bundle's operation files (one directory walk) and numbers the files read (``src``).

    Paths are kept as strings (a ``Path`` costs about four times the memory; a million-resource
    bundle has over 200,000 files)."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.read_paths: list[str] = []
        self._index: dict[tuple[str | None, str | None, str], str] | None = None

    def sibling(self) -> BundleFiles:
        """A reader of the same bundle that shares this one's index (no second directory walk)
        and numbers its own files from 0: a loading process's (:mod:`auditor.model.parallel`)."""
        other = BundleFiles(self.bundle)
        other._index = self._paths()
        return other

    def sizes(self) -> dict[tuple[str | None, str | None], tuple[int, int]]:
        """Bytes and number of the operation files of each (account, Region) folder (``None``,
        ``None``: the organization's): how much reading each account-region costs."""
        out: dict[tuple[str | None, str | None], tuple[int, int]] = {}
        for (a, r, _), path in self._paths().items():
            try:
                size = os.stat(path).st_size  # noqa: PTH116 (a string path: no Path per file)
            except OSError:
                size = 0  # read later, where a missing file is reported as such
            total, count = out.get((a, r), (0, 0))
            out[(a, r)] = (total + size, count + 1)
        return out

    def path(self, account_id: str | None, region: str | None, key: str) -> Path | None:
        got = self._find(account_id, region, key)
        return None if got is None else Path(got)

    def _find(self, account_id: str | None, region: str | None, key: str) -> str | None:
        return self._paths().get((account_id, region, key))

    def _paths(self) -> dict[tuple[str | None, str | None, str], str]:
        """(account, Region, ``service.Operation``) -> file, from one directory walk on first use."""
        if self._index is None:
            index: dict[tuple[str | None, str | None, str], str] = {}
            for a, r, service, operation, path in self.bundle.iter_files():
                k = (a, r, f"{service}.{operation}")
                if k not in index or index[k].endswith(".gz"):  # plain wins, as Bundle.calls
                    index[k] = str(path)
            self._index = index
        return self._index

    def read(self, account_id: str | None, region: str | None, key: str) -> tuple[int, list[Call]] | None:
        """``(src, calls)`` of one operation file, ``None`` when the bundle lacks it."""
        path = self._find(account_id, region, key)
        if path is None:
            return None
        calls = load_calls(path)
        self.read_paths.append(path)
        return len(self.read_paths) - 1, calls

    def file(self, src: int) -> Path:
        """The file numbered ``src``."""
        return Path(self.read_paths[src])


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
        return self._files.file(src)

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
