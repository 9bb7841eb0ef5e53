"""Prediction vs evidence: what AWS Backup actually backed up, by plan rule, against what the
resolver says each plan protects (BKP-091, ``explain``'s evidence lines).

The evidence is AWS Backup's own record in the bundle: backup jobs (``ListBackupJobs``) and
recovery points (``ListRecoveryPointsByBackupVault``) created in the job window, each with its
``CreatedBy`` (``BackupPlanId``, ``BackupPlanVersion``, ``BackupRuleId``). A job or recovery point
without a ``BackupPlanId`` was started on demand and says nothing about a plan's selections.

Two kinds of disagreement, per plan rule that ran in the window:

* ``backed-up-not-predicted``: plan P's rule backed resource R up while no selection of P
  selects R (or the opt-in blocks the only one that does);
* ``predicted-not-backed-up``: P protects R (one of P's own selections, not through a parent
  EC2 instance or stack: AWS Backup's job is then the parent's), P's rule ran after R existed,
  and R got no job or recovery point from that rule.

A difference that something legitimate explains is kept but marked ``excluded`` (``explain``
prints it, BKP-091 does not report it): the plan's ``VersionId`` is not the run's
``BackupPlanVersion``; a selection of the plan was created after the run; the resource was created
after the run; the job is still running (``CREATED`` / ``PENDING`` / ``RUNNING``); the resource's
account-Region was not fully read (the note names the operations not collected), or its verdict is
undecided.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from auditor.model.cells import maybe_str
from auditor.model.frames import Inventory
from auditor.protection import reading_ids
from auditor.protection.resolver import DECIDING_OPERATIONS, THROUGH_PARENT_VIAS, Protection, inventory_facts
from auditor.protection.verdicts import unsupported_reason
from auditor.services import operation

BACKED_UP_NOT_PREDICTED: Final = "backed-up-not-predicted"
PREDICTED_NOT_BACKED_UP: Final = "predicted-not-backed-up"
RUNNING_STATES: Final = ("CREATED", "PENDING", "RUNNING")
"""Backup job states of a job that has not finished."""
JOBS_OPERATION: Final = operation("backup.ListBackupJobs").key
#: What must have been read in an account-Region for its predictions and its jobs to be compared.
COMPARED_OPERATIONS: Final[tuple[str, ...]] = (*DECIDING_OPERATIONS, JOBS_OPERATION)

# Why a difference is legitimate (``Disagreement.excluded``).
EXCLUDED_PARTIAL: Final = "account-region-partial"
EXCLUDED_RUNNING: Final = "job-still-running"
EXCLUDED_VERSION: Final = "plan-version-changed"
EXCLUDED_SELECTION: Final = "selection-created-after-run"
EXCLUDED_RESOURCE: Final = "resource-created-after-run"


@dataclass(frozen=True)
class Evidence:
    """One backup job or recovery point a plan created."""

    kind: str
    """``backup-job`` or ``recovery-point``."""
    id: str
    """The job id or the recovery point ARN."""
    time: pd.Timestamp
    plan_id: str
    """Empty for an on-demand job or recovery point."""
    plan_version: str | None
    rule_id: str | None
    resource_arn: str
    state: str | None
    account_id: str
    region: str

    @property
    def iso_time(self) -> str:
        return self.time.isoformat().replace("+00:00", "Z")

    @property
    def running(self) -> bool:
        return self.kind == "backup-job" and self.state in RUNNING_STATES

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "time": self.iso_time}

    def text(self) -> str:
        what = "backup job" if self.kind == "backup-job" else "recovery point"
        state = f", {self.state}" if self.state else ""
        return f"{what} {self.id} ({self.iso_time}{state})"


@dataclass(frozen=True)
class Disagreement:
    """Where AWS Backup's record and the prediction for one plan rule and one resource differ."""

    disagreement: str
    account_id: str
    region: str
    resource_arn: str
    resource_type: str
    plan_id: str
    plan_name: str
    plan_rule_id: str | None
    plan_rule_name: str | None
    selection_id: str | None
    selection_name: str | None
    reading: str | None
    reading_text: str
    evidence: Evidence | None
    excluded: str | None = None
    """Why the difference is legitimate (``EXCLUDED_*``); None: a real disagreement."""
    note: str = ""
    """What explains the exclusion, or what leaves the finding unsure."""


@dataclass(frozen=True)
class _Plan:
    name: str
    version: str | None
    rules: tuple[tuple[str | None, str | None], ...]
    """(rule id, rule name) of each rule."""
    selections: tuple[tuple[str, str, pd.Timestamp | None], ...]
    """(selection id, name, creation date) of each selection."""


class _Places:
    """Where each row of :class:`EvidenceRows` is: its source and its position there. Stored once
    each: bytes and ``array('q')`` index fast to an int, numpy views over them read in bulk."""

    def __init__(
        self, sources: Sequence[_Source], which: np.ndarray[Any, Any], at: np.ndarray[Any, Any]
    ) -> None:
        self.sources = tuple(sources)
        self.which_b = which.astype(np.int8).tobytes()
        """The source (index in ``sources``) of each row."""
        self.at_a = array("q", at.astype(np.int64).tobytes())
        """The row's position in its source's columns."""
        self.which = np.frombuffer(self.which_b, dtype=np.int8)
        self.at = np.frombuffer(self.at_a, dtype=np.int64) if len(self.at_a) else np.zeros(0, np.int64)

    def cell(self, column: Callable[[_Source], Any], i: int) -> Any:
        return column(self.sources[self.which_b[i]])[self.at_a[i]]

    def gather(self, column: Callable[[_Source], Any], rows: np.ndarray[Any, Any] | None = None) -> Any:
        """The raw cells of ``rows`` (all when None), in their order, as a numpy array."""
        which = self.which if rows is None else self.which[rows]
        at = self.at if rows is None else self.at[rows]
        parts = [column(s) for s in self.sources]
        out = np.empty(len(at), dtype=parts[0].dtype if parts else object)
        for k, part in enumerate(parts):
            mask = which == k
            out[mask] = part[at[mask]]
        return out


class EvidenceRows:
    """The jobs and recovery points of :func:`evidence_rows`, oldest first (creation time, then id).

    A row is a kind and a position in the inventory's jobs or recovery points frame: its cells are
    read from the frame's columns when asked for (:class:`EvidenceColumn`), not copied (a million
    resources have millions of them); an :class:`Evidence` is built only for a row a result names."""

    def __init__(
        self,
        sources: Sequence[_Source],
        which: np.ndarray[Any, Any],
        at: np.ndarray[Any, Any],
        ns: array[int],
    ) -> None:
        places = self._places = _Places(sources, which, at)
        self.ns = ns
        """Creation time, nanoseconds since the epoch (the order of the timestamps)."""
        self.scheduled: np.ndarray[Any, np.dtype[np.bool_]] = places.gather(lambda s: s.scheduled)
        """Whether a plan created it (else it was on demand: ``plan_id`` empty)."""
        self.kind = EvidenceColumn(places, lambda s: s.kind_column, _same)
        """``backup-job`` or ``recovery-point``."""
        self.id = EvidenceColumn(places, lambda s: s.id, _str)
        self.plan_id = EvidenceColumn(places, lambda s: s.plan_id, _plan_id)
        self.plan_version = EvidenceColumn(places, lambda s: s.plan_version, _text)
        self.rule_id = EvidenceColumn(places, lambda s: s.rule_id, _text)
        self.resource_arn = EvidenceColumn(places, lambda s: s.resource_arn, _str)
        self.state = EvidenceColumn(places, lambda s: s.state, _text)
        self.account_id = EvidenceColumn(places, lambda s: s.account_id, _str)
        self.region = EvidenceColumn(places, lambda s: s.region, _str)

    def __len__(self) -> int:
        return len(self._places.at_a)

    def running(self, i: int) -> bool:
        """:attr:`Evidence.running` of row ``i``."""
        return self.kind[i] == "backup-job" and self.state[i] in RUNNING_STATES

    def evidence(self, i: int) -> Evidence:
        return Evidence(
            kind=self.kind[i],
            id=self.id[i],
            time=pd.Timestamp(self._places.cell(lambda s: s.times, i)),
            plan_id=self.plan_id[i],
            plan_version=self.plan_version[i],
            rule_id=self.rule_id[i],
            resource_arn=self.resource_arn[i],
            state=self.state[i],
            account_id=self.account_id[i],
            region=self.region[i],
        )


class EvidenceColumn:
    """One field of :class:`EvidenceRows`, read from the source frames' columns when asked for."""

    def __init__(
        self, places: _Places, column: Callable[[_Source], Any], convert: Callable[[Any], Any]
    ) -> None:
        self._places = places
        self._column = column
        self._convert = convert

    def __len__(self) -> int:
        return len(self._places.at_a)

    def __getitem__(self, i: int) -> Any:
        return self._convert(self._places.cell(self._column, i))

    def take(self, rows: np.ndarray[Any, Any] | Sequence[int] | None = None) -> list[Any]:
        """The cells of ``rows`` (all when None), in their order."""
        picked = None if rows is None else np.asarray(rows, dtype=np.intp)
        return _converted(self._places.gather(self._column, picked).tolist(), self._convert)


def _same(value: Any) -> Any:
    return value


def _str(value: Any) -> str:
    return value if type(value) is str else str(value)


def _text(value: Any) -> str | None:
    return value if type(value) is str or value is None else maybe_str(value)


def _plan_id(value: Any) -> str:
    return _text(value) or ""


_STR_OR_NONE: Final = frozenset({str, type(None)})


def _converted(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``[convert(v) for v in values]``, without a call per cell when the cells' types show the
    answer (strings, and None where it is kept: the common case)."""
    if convert is _same:
        return values
    kinds = set(map(type, values))
    if convert is _str and kinds <= _STR:
        return values
    if convert is _text and kinds <= _STR_OR_NONE:
        return values
    if convert is _plan_id and kinds <= _STR_OR_NONE:
        return [v or "" for v in values]
    return [convert(v) for v in values]


@dataclass(frozen=True)
class _Source:
    """The columns of one frame (jobs or recovery points) the rows read: the frame's own arrays
    (``to_numpy`` of an object column is a view, not a copy)."""

    kind_column: Any
    """:class:`_Kind`: the kind of every row."""
    id: np.ndarray[Any, Any]
    times: Any
    """The creation dates (the frame's datetime array: a cell is a ``pd.Timestamp``)."""
    scheduled: np.ndarray[Any, np.dtype[np.bool_]]
    plan_id: np.ndarray[Any, Any]
    plan_version: np.ndarray[Any, Any]
    rule_id: np.ndarray[Any, Any]
    resource_arn: np.ndarray[Any, Any]
    state: np.ndarray[Any, Any]
    account_id: np.ndarray[Any, Any]
    region: np.ndarray[Any, Any]


class _Kind:
    """A column of one value (the kind of every row of a source): ``[positions]`` gives it."""

    dtype = np.dtype(object)

    def __init__(self, value: str) -> None:
        self.value = value

    def __getitem__(self, at: Any) -> Any:
        if isinstance(at, np.ndarray):
            return np.full(len(at), self.value, dtype=object)
        return self.value


def evidence_rows(inventory: Inventory, as_of: datetime, window_days: int) -> EvidenceRows:
    """Jobs and recovery points created in the window, oldest first, those a plan created and
    on-demand ones (``scheduled`` False)."""
    start = pd.Timestamp(as_of - timedelta(days=window_days))
    end = pd.Timestamp(as_of)
    sources: list[_Source] = []
    which: list[np.ndarray[Any, Any]] = []
    at: list[np.ndarray[Any, Any]] = []
    ids: list[np.ndarray[Any, Any]] = []
    ns: list[np.ndarray[Any, Any]] = []
    for k, (kind, frame, id_col, state_col) in enumerate(
        (
            ("backup-job", inventory.jobs, "job_id", "state"),
            ("recovery-point", inventory.recovery_points, "recovery_point_arn", "status"),
        )
    ):
        created = frame["creation_date"]
        keep = frame["resource_arn"].notna() & created.notna() & (created >= start) & (created <= end)
        pos = np.flatnonzero(keep.to_numpy(dtype=bool))
        source = _Source(
            kind_column=_Kind(kind),
            id=frame[id_col].to_numpy(dtype=object),
            times=created.array,
            scheduled=frame["plan_id"].notna().to_numpy(dtype=bool),
            state=frame[state_col].to_numpy(dtype=object),
            plan_id=frame["plan_id"].to_numpy(dtype=object),
            plan_version=frame["plan_version"].to_numpy(dtype=object),
            rule_id=frame["rule_id"].to_numpy(dtype=object),
            resource_arn=frame["resource_arn"].to_numpy(dtype=object),
            account_id=frame["account_id"].to_numpy(dtype=object),
            region=frame["region"].to_numpy(dtype=object),
        )
        sources.append(source)
        which.append(np.full(len(pos), k, dtype=np.int8))
        at.append(pos)
        ids.append(source.id[pos])
        ns.append(pd.DatetimeIndex(pd.to_datetime(created.iloc[pos], utc=True)).as_unit("ns").asi8)
    id_strs = _strs(np.concatenate(ids).tolist())
    del ids
    times = np.concatenate(ns).astype(np.int64)
    # the order of list.sort(key=(time, id)): stable sorts by id, then by time; the str sort by
    # Python's sorted (its string comparison is about twice as fast as numpy's on objects)
    n = len(id_strs)
    by_id = np.fromiter(sorted(range(n), key=id_strs.__getitem__), dtype=np.intp, count=n)
    del id_strs
    order = by_id[np.argsort(times[by_id], kind="stable")]
    return EvidenceRows(
        sources,
        np.concatenate(which)[order],
        np.concatenate(at)[order],
        array("q", times[order].tobytes()),  # 8 bytes a row, not a Python int each
    )


_STR: Final = frozenset({str})


def _strs(values: list[Any]) -> list[str]:
    """The cells as ``str`` (most already are: then the list itself)."""
    if set(map(type, values)) <= _STR:
        return values
    return [v if type(v) is str else str(v) for v in values]


def evidence_frame(
    inventory: Inventory,
    as_of: datetime,
    window_days: int,
    *,
    scheduled_only: bool = True,
    rows: EvidenceRows | None = None,
) -> list[Evidence]:
    """:func:`evidence_rows` (given, or read) as :class:`Evidence` objects, only those a plan
    created unless ``scheduled_only`` is False."""
    if rows is None:
        rows = evidence_rows(inventory, as_of, window_days)
    return [rows.evidence(i) for i in range(len(rows)) if rows.scheduled[i] or not scheduled_only]


def compare(
    inventory: Inventory,
    protection: Protection,
    as_of: datetime,
    window_days: int,
    rows: EvidenceRows | None = None,
) -> tuple[Disagreement, ...]:
    """Every disagreement between the bundle's evidence and the prediction, excluded ones included
    (``excluded`` set), in a stable order. ``rows``: :func:`evidence_rows` of the same window, read
    once by a caller that needs them for more than this."""
    if rows is None:
        rows = evidence_rows(inventory, as_of, window_days)
    if not rows.scheduled.any():
        return ()
    ctx = _Compare.of(inventory, protection, rows)
    found = [*ctx.backed_up_not_predicted(), *ctx.predicted_not_backed_up()]
    return tuple(_decided(inventory, protection, found))


def for_resource(
    inventory: Inventory, protection: Protection, arn: str, as_of: datetime, window_days: int
) -> tuple[list[Evidence], list[Disagreement]]:
    """The evidence of one resource in the window (by any plan, or on demand) and its
    disagreements."""
    rows = evidence_rows(inventory, as_of, window_days)
    every = evidence_frame(inventory, as_of, window_days, scheduled_only=False, rows=rows)
    evidence = [e for e in every if e.resource_arn == arn]
    found = [d for d in compare(inventory, protection, as_of, window_days, rows) if d.resource_arn == arn]
    return evidence, found


#: States of a backup job / recovery point that hold a backup.
BACKED_UP_STATES: Final = ("COMPLETED", "PARTIAL", "AVAILABLE")


def backed_up(
    inventory: Inventory, as_of: datetime, window_days: int, rows: EvidenceRows | None = None
) -> Mapping[str, Evidence]:
    """Resource ARN -> its latest backup in the window (a completed job or recovery point, by a
    plan or on demand): a resource with one is never called unprotected without saying so.
    ``rows``: as :func:`compare`'s."""
    if rows is None:
        rows = evidence_rows(inventory, as_of, window_days)
    done = np.flatnonzero(pd.Series(rows.state.take(), dtype=object).isin(BACKED_UP_STATES).to_numpy())
    arns = rows.resource_arn.take(done)
    latest = dict(zip(arns, done.tolist(), strict=True))  # oldest first: the last one wins
    return _Latest(rows, latest)


class _Latest(Mapping[str, Evidence]):
    """:func:`backed_up`'s mapping: the :class:`Evidence` of an ARN is built when asked for."""

    def __init__(self, rows: EvidenceRows, latest: dict[str, int]) -> None:
        self._rows = rows
        self._latest = latest

    def __getitem__(self, arn: str) -> Evidence:
        return self._rows.evidence(self._latest[arn])

    def get(self, arn: str, default: Any = None) -> Any:  # Mapping.get: no KeyError raised and caught
        i = self._latest.get(arn)
        return default if i is None else self._rows.evidence(i)

    def __iter__(self) -> Iterator[str]:
        return iter(self._latest)

    def __len__(self) -> int:
        return len(self._latest)


def backed_up_text(e: Evidence, plan_names: Mapping[str, str]) -> str:
    """``backup job J (T, COMPLETED) of plan `P``` for finding messages."""
    by = f"plan `{plan_names.get(e.plan_id, e.plan_id)}`" if e.plan_id else "an on-demand backup"
    return f"{e.text()} of {by}"


def render_evidence(
    inventory: Inventory, protection: Protection, arn: str, as_of: datetime, window_days: int
) -> str:
    """``explain``'s evidence lines: AWS Backup's record of the resource in the job window, by
    plan, and where it disagrees with the prediction (excluded differences with their reason)."""
    evidence, found = for_resource(inventory, protection, arn, as_of, window_days)
    pl = inventory.plans
    names = {str(p): str(n) for p, n in zip(pl["plan_id"], pl["plan_name"], strict=True)}
    start = (as_of - timedelta(days=window_days)).isoformat().replace("+00:00", "Z")
    lines = [f"evidence   AWS Backup's record of it since {start} (job window, {window_days} days):"]
    if not evidence:
        lines.append("  none: no backup job or recovery point of it in the window")
    for e in evidence:
        by = f"plan `{names.get(e.plan_id, e.plan_id)}`" if e.plan_id else "on demand"
        lines.append(f"  {by}: {e.text()}")
    for d in found:
        rule = f"plan `{d.plan_name}` rule `{d.plan_rule_name or d.plan_rule_id or '?'}`"
        reading = f" (reading {d.reading})" if d.reading else ""
        ev = d.evidence.text() if d.evidence else "no evidence"
        if d.excluded:
            lines.append(f"not a disagreement: {d.disagreement} with {rule}, {ev}: {d.excluded}: {d.note}")
        else:
            ran = "backed it up" if d.disagreement == BACKED_UP_NOT_PREDICTED else "ran for other resources"
            lines.append(f"DISAGREES  {d.disagreement} with {rule}{reading}: {d.reading_text}")
            lines.append(f"  the rule {ran}: {ev}")
            if d.note:
                lines.append(f"  unsure: {d.note}")
    return "\n".join(lines) + "\n"


# -- the comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Runs:
    """The records of one plan rule in the window (oldest first, by time then id): the latest of
    them, whether one has finished, and the latest finished one of the plan's current version."""

    latest: Evidence
    finished: bool
    current: Evidence | None

    @classmethod
    def of(
        cls,
        rows: EvidenceRows,
        records: Mapping[tuple[str, str, str, str | None], np.ndarray[Any, Any]],
        key: tuple[str, str, str, str | None],
        version: str | None,
    ) -> _Runs | None:
        """None when the rule has no record in the window."""
        a, r, pid, rule_id = key
        # a record without BackupRuleId counts as a run of every rule of its plan
        own = _listed(records, key)
        anyrule = _listed(records, (a, r, pid, None)) if rule_id is not None else []
        if not own and not anyrule:
            return None

        def current(i: int) -> bool:
            v = rows.plan_version[i]
            return not rows.running(i) and not (version and v and v != version)

        def finished(i: int) -> bool:
            return not rows.running(i)

        latest = _later(rows, _last(own, None), _last(anyrule, None))
        assert latest is not None  # one of the lists is not empty
        last = _later(rows, _last(own, current), _last(anyrule, current))
        return cls(
            rows.evidence(latest),
            _last(own, finished) is not None or _last(anyrule, finished) is not None,
            None if last is None else rows.evidence(last),
        )


def _listed(records: Mapping[Any, np.ndarray[Any, Any]], key: Any) -> list[int]:
    found = records.get(key)
    return [] if found is None else list(found.tolist())


def _last(positions: Sequence[int], keep: Callable[[int], bool] | None) -> int | None:
    """The last of ``positions`` that ``keep`` keeps (all when None)."""
    for i in reversed(positions):
        if keep is None or keep(i):
            return i
    return None


def _later(rows: EvidenceRows, own: int | None, anyrule: int | None) -> int | None:
    """The later row by (time, id) of a plan rule's own record and one of its plan's records
    without a rule id; on a tie the latter (sorting the rule's records, then the others, by
    (time, id) puts it last)."""
    if own is None or anyrule is None:
        return anyrule if own is None else own
    if (rows.ns[anyrule], rows.id[anyrule]) >= (rows.ns[own], rows.id[own]):
        return anyrule
    return own


@dataclass(frozen=True)
class _Resources:
    """The inventory's resources by ARN, each ARN once (its last row, as a dict of them would
    keep): ``find`` gives the position of ARNs in these columns (-1: not a resource)."""

    index: pd.Index
    """The distinct ARNs (hashed once: ``get_indexer`` looks many up at a time)."""
    arn: np.ndarray[Any, np.dtype[np.object_]]
    account_id: np.ndarray[Any, np.dtype[np.object_]]
    region: np.ndarray[Any, np.dtype[np.object_]]
    resource_type: np.ndarray[Any, np.dtype[np.object_]]
    protected: np.ndarray[Any, np.dtype[np.object_]]
    """The verdict (True, False, None: undecided or no verdict row)."""
    place: np.ndarray[Any, np.dtype[np.int64]]
    """The number of the resource's account-Region (``account_ids`` x ``region_ids``)."""
    account_ids: np.ndarray[Any, Any]
    region_ids: np.ndarray[Any, Any]
    row: np.ndarray[Any, np.dtype[np.intp]]
    """The resource's row in the frame (the last one of its ARN)."""
    created: Any
    """The frame's creation dates, by row (``None`` each when the frame has none)."""

    @classmethod
    def of(cls, inventory: Inventory, protection: Protection) -> _Resources:
        res = inventory.resources
        index, last = _last_of_each(_objects(_strs(res["arn"].tolist())))
        v = protection.verdicts
        verdicts, vlast = _last_of_each(v["arn"].to_numpy(dtype=object))
        at = verdicts.get_indexer(index)
        protected = np.full(len(index), None, dtype=object)
        found = at >= 0
        protected[found] = v["protected"].to_numpy(dtype=object)[vlast][at[found]]
        created = res["created"].array if "created" in res else [None] * len(res)
        account_id = _objects(_strs(res["account_id"].to_numpy(dtype=object)[last].tolist()))
        region = _objects(_strs(res["region"].to_numpy(dtype=object)[last].tolist()))
        accounts, account_ids = pd.factorize(account_id)
        regions, region_ids = pd.factorize(region)
        return cls(
            index,
            index.to_numpy(dtype=object),
            account_id,
            region,
            _objects(_strs(res["resource_type"].to_numpy(dtype=object)[last].tolist())),
            protected,
            accounts.astype(np.int64) * max(len(region_ids), 1) + regions,
            account_ids,
            region_ids,
            last,
            created,
        )

    def __len__(self) -> int:
        return len(self.arn)

    def find(self, arns: list[str] | np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.intp]]:
        """The position of each ARN (-1: not a resource)."""
        values = arns if isinstance(arns, np.ndarray) else _objects(arns)
        return np.asarray(self.index.get_indexer(pd.Index(values, dtype=object, copy=False)), dtype=np.intp)

    def position(self, arn: str) -> int:
        """The position of a resource's ARN (KeyError when it is none)."""
        return int(cast("int", self.index.get_loc(arn)))  # the index is unique: an int


def _last_of_each(values: np.ndarray[Any, Any]) -> tuple[pd.Index, np.ndarray[Any, np.dtype[np.intp]]]:
    """The distinct values as an index, and the position of the last occurrence of each."""
    index = pd.Index(values, dtype=object)
    if index.is_unique:
        return index, np.arange(len(index), dtype=np.intp)
    last = np.flatnonzero(~index.duplicated(keep="last"))
    return index[last], last


class _Got:
    """Which resources the rows of a (plan id, rule id) are for, in any account-Region: pairs
    of a key number and a resource position, one sorted int64 array."""

    def __init__(
        self, codes: Mapping[tuple[str, str | None], int], keys: np.ndarray[Any, Any], size: int
    ) -> None:
        self.codes = codes
        self.keys = keys
        self.size = size

    def has(self, key: tuple[str, str | None], positions: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """For each resource position, whether a row of ``key`` is for it."""
        code = self.codes.get(key)
        if code is None or not len(self.keys):
            return np.zeros(len(positions), dtype=bool)
        return _member(self.keys, code * self.size + positions)


def _sorted_unique(keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``np.unique(keys)`` of int64 keys, by sorting: numpy 2's ``np.unique`` hashes them first,
    which is many times slower on millions of keys (superlinear: 1.3 s for 2M keys, 0.02 s sorted)."""
    out = np.sort(keys)
    if len(out) < 2:
        return out
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def _member(sorted_keys: np.ndarray[Any, Any], keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Whether each of ``keys`` is in ``sorted_keys`` (sorted, int64)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    return np.asarray(sorted_keys[np.minimum(at, len(sorted_keys) - 1)] == keys)


@dataclass(frozen=True)
class _Compare:
    plans: Mapping[tuple[str, str, str], _Plan]
    resources: _Resources
    plan_codes: Mapping[str, int]
    """Plan id -> its number in the keys of ``predicted`` and in ``own``."""
    plan_ids: np.ndarray[Any, np.dtype[np.object_]]
    """Plan number -> plan id."""
    predicted: np.ndarray[Any, Any]
    """Sorted keys (plan number x resources + resource position) of every effective match of the
    plans' own selections or a parent's."""
    own: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]
    """The effective matches of the plans' own selections: resource positions, plan numbers,
    selection ids."""
    unread: Mapping[tuple[str, str], tuple[str, ...]]
    """Account-Region -> the compared operations not read there (empty: every one was read);
    an account-Region absent from the coverage was not read at all."""
    rows: EvidenceRows
    records: Mapping[tuple[str, str, str, str | None], np.ndarray[Any, Any]]
    """(account, region, plan id, rule id) -> the rows a plan created with that key, oldest first."""
    got: _Got
    """(plan id, rule id) -> the resources of those rows (in any account-Region)."""
    scheduled: _Scheduled
    """The rows a plan created: their resource and the position of their key in ``records``."""

    @classmethod
    def of(cls, inventory: Inventory, protection: Protection, rows: EvidenceRows) -> _Compare:
        resources = _Resources.of(inventory, protection)
        m = protection.matches
        effective = m["effective"].astype(bool).to_numpy(dtype=bool)
        scheduled, records = _scheduled(rows, resources)
        plan_no, plan_ids = pd.factorize(
            _objects(_strs(m["plan_id"].to_numpy(dtype=object)[effective].tolist()))
        )
        codes = {p: n for n, p in enumerate(plan_ids.tolist())}
        for _, _, pid, _ in scheduled.keys:
            codes.setdefault(pid, len(codes))
        size = len(resources)
        where = resources.find(m["arn"].to_numpy(dtype=object)[effective])
        plan_no = plan_no.astype(np.int64)
        known = where >= 0
        predicted = _sorted_unique(plan_no[known] * size + where[known])
        via = pd.Series(m["via"].to_numpy(dtype=object)[effective], dtype=object).astype(str)
        mine = ~via.isin(THROUGH_PARENT_VIAS).to_numpy(dtype=bool) & known
        del via
        own = (
            where[mine],
            plan_no[mine],
            _objects(_strs(m["selection_id"].to_numpy(dtype=object)[effective][mine].tolist())),
        )
        del m, where, plan_no, plan_ids, effective
        got = scheduled.got(size)
        return cls(
            _plans(inventory),
            resources,
            codes,
            _objects(list(codes)),
            predicted,
            own,
            _unread(inventory),
            rows,
            records,
            got,
            scheduled,
        )

    def _created(self, q: int) -> pd.Timestamp | None:
        return _ts(self.resources.created[self.resources.row[q]])

    def _selecting(self, positions: Iterable[int]) -> dict[tuple[str, str], set[str]]:
        """(arn, plan id) -> ids of the plan's own selections that protect the resource."""
        where, plan_no, sids = self.own
        wanted = np.fromiter(positions, dtype=np.intp)
        arns, plan_ids = self.resources.arn, self.plan_ids
        out: dict[tuple[str, str], set[str]] = {}
        for i in np.flatnonzero(np.isin(where, wanted)).tolist():
            out.setdefault((arns[where[i]], plan_ids[plan_no[i]]), set()).add(sids[i])
        return out

    def _unjudged(self, account_id: str, region: str, q: int) -> str | None:
        """Why the resource's prediction cannot be compared (its account-Region was not fully
        read, or its verdict is undecided), or None when it can."""
        where = f"account {account_id}, {region}"
        unread = self.unread.get((account_id, region))
        if unread is None:
            return f"{where} was not read"
        if unread:
            return f"{where} was not fully read ({', '.join(unread)} not collected)"
        if self.resources.protected[q] is None:
            return f"the resource's verdict is undecided in {where}"
        return None

    def backed_up_not_predicted(self) -> Iterator[Disagreement]:
        rows, plans, resources, s = self.rows, self.plans, self.resources, self.scheduled
        keys = s.keys
        in_plan = np.fromiter((k[:3] in plans for k in keys), dtype=bool, count=len(keys))
        # a plan of another account-Region (a copy), or gone; a resource of another account-Region
        # (a copy), or gone; predicted
        q = s.resource
        keep = in_plan[s.key] & (q >= 0)
        at = np.flatnonzero(keep)
        qa = q[at]
        k = s.key[at]
        same = (resources.account_id[qa] == _objects([key[0] for key in keys])[k]) & (
            resources.region[qa] == _objects([key[1] for key in keys])[k]
        )
        at, qa, k = at[same], qa[same], k[same]
        plan_no = np.array([self.plan_codes[key[2]] for key in keys], dtype=np.int64)[k]
        unpredicted = ~_member(self.predicted, plan_no * len(resources) + qa)
        groups: dict[tuple[str, str, str, str | None, str], list[int]] = {}
        for j, r in zip(at[unpredicted].tolist(), qa[unpredicted].tolist(), strict=True):
            groups.setdefault((*keys[s.key[j]], resources.arn[r]), []).append(int(s.rows[j]))
        for (a, r, pid, rule_id, arn), found in sorted(groups.items(), key=lambda kv: str(kv[0])):
            plan = plans[(a, r, pid)]
            best = rows.evidence(self._best(found, plan.version))
            excluded, note = self._exclude_backed_up(a, r, resources.position(arn), plan, best)
            yield self._disagreement(BACKED_UP_NOT_PREDICTED, arn, (a, r, pid), rule_id, best, excluded, note)

    def _best(self, found: Sequence[int], version: str | None) -> int:
        """The first of ``found`` (oldest first) that is highest by (finished, of the plan's
        current version, time): what ``max`` returns."""
        rows = self.rows
        best, best_key = (
            found[0],
            (not rows.running(found[0]), rows.plan_version[found[0]] == version, rows.ns[found[0]]),
        )
        for i in found[1:]:
            key = (not rows.running(i), rows.plan_version[i] == version, rows.ns[i])
            if key > best_key:
                best, best_key = i, key
        return best

    def _exclude_backed_up(self, a: str, r: str, q: int, plan: _Plan, e: Evidence) -> tuple[str | None, str]:
        unjudged = self._unjudged(a, r, q)
        if unjudged is not None:
            return EXCLUDED_PARTIAL, unjudged
        if e.running:
            return EXCLUDED_RUNNING, f"the job is still {e.state}"
        if plan.version and e.plan_version and e.plan_version != plan.version:
            return EXCLUDED_VERSION, (
                f"the run used plan version {e.plan_version}; the plan is now at version {plan.version}"
            )
        later = [(sid, name, c) for sid, name, c in plan.selections if c is not None and c > e.time]
        if later:
            return EXCLUDED_SELECTION, (
                f"selection `{later[0][1]}` was created at {_iso(later[0][2])}, after the run: the plan's "
                "selections then are not all in the bundle"
            )
        created = self._created(q)
        if created is not None and created > e.time:
            return EXCLUDED_RESOURCE, (
                f"the resource was created at {_iso(created)}, after the run (an earlier resource of the same ARN)"
            )
        return None, ""

    def predicted_not_backed_up(self) -> Iterator[Disagreement]:
        rows, plans, resources, records, got = self.rows, self.plans, self.resources, self.records, self.got
        hits: list[tuple[str, str, int]] = []
        arns = resources.arn
        # AWS Backup's job of a resource protected through a parent (instance, stack) is the parent's
        for (a, r, pid), positions in self._own_by_plan().items():
            plan = plans.get((a, r, pid))
            if plan is None:
                continue
            positions = positions[~got.has((pid, None), positions)]  # no BackupRuleId: every rule's run
            for n, (rule_id, _) in enumerate(plan.rules):
                if (a, r, pid, rule_id) in records or (rule_id is not None and (a, r, pid, None) in records):
                    skipped = positions[~got.has((pid, rule_id), positions)]
                    hits.extend((arns[q], pid, n) for q in skipped.tolist())
        hits.sort()
        selecting = self._selecting(resources.position(arn) for arn, _, _ in hits)
        runs: dict[tuple[str, str, str, str | None], _Runs | None] = {}
        for arn, pid, n in hits:
            q = resources.position(arn)
            a, r = resources.account_id[q], resources.region[q]
            plan = plans[(a, r, pid)]
            rule_id = plan.rules[n][0]
            key = (a, r, pid, rule_id)
            if key not in runs:
                runs[key] = _Runs.of(rows, records, key, plan.version)
            found = runs[key]
            assert found is not None  # the rule ran: a hit
            yield self._skipped(arn, q, (a, r, pid), rule_id, found, selecting.get((arn, pid), set()))

    def _own_by_plan(self) -> dict[tuple[str, str, str], np.ndarray[Any, Any]]:
        """(account, region of the resource, plan id) -> positions of the resources the plan's own
        selections protect (each once)."""
        where, plan_no, _ = self.own
        res, size, plans = self.resources, len(self.resources), len(self.plan_ids)
        if not len(where):
            return {}
        # (account-Region, plan) then resource: sorted, each (plan, resource) once
        keys = _sorted_unique((res.place[where] * plans + plan_no) * size + where)
        q, group = keys % size, keys // size
        del keys
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        regions = max(len(res.region_ids), 1)
        out: dict[tuple[str, str, str], np.ndarray[Any, Any]] = {}
        for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(group)], strict=True):
            place, plan = divmod(int(group[start]), plans)
            a, r = divmod(place, regions)
            out[(res.account_ids[a], res.region_ids[r], self.plan_ids[plan])] = q[start:end]
        return out

    def _skipped(
        self, arn: str, q: int, key: tuple[str, str, str], rule_id: str | None, runs: _Runs, mine: set[str]
    ) -> Disagreement:
        excluded, note, evidence = self._exclude_skipped(key, q, runs, mine)
        return self._disagreement(PREDICTED_NOT_BACKED_UP, arn, key, rule_id, evidence, excluded, note)

    def _exclude_skipped(
        self, key: tuple[str, str, str], q: int, runs: _Runs, mine: set[str]
    ) -> tuple[str | None, str, Evidence]:
        a, r, _ = key
        plan = self.plans[key]
        latest = runs.latest
        unjudged = self._unjudged(a, r, q)
        if unjudged is not None:
            return EXCLUDED_PARTIAL, unjudged, latest
        if not runs.finished:
            return EXCLUDED_RUNNING, "the rule's only jobs in the window are still running", latest
        if runs.current is None:
            return (
                EXCLUDED_VERSION,
                f"every run in the window used an earlier plan version (now {plan.version})",
                latest,
            )
        last = runs.current  # the rule's latest finished run under the current version
        first = min((c for sid, _, c in plan.selections if sid in mine and c is not None), default=None)
        if first is not None and not last.time > first:
            why = f"the selection that protects it was created at {_iso(first)}, after the rule's last run"
            return EXCLUDED_SELECTION, why, last
        created = self._created(q)
        if created is not None and not last.time > created:
            return (
                EXCLUDED_RESOURCE,
                f"the resource was created at {_iso(created)}, after the rule's last run",
                last,
            )
        note = (
            ""
            if created is not None
            else (
                "the bundle does not say when the resource was created: if after "
                f"{last.iso_time}, the rule had no run to back it up yet"
            )
        )
        return None, note, last

    def _disagreement(
        self,
        kind: str,
        arn: str,
        key: tuple[str, str, str],
        rule_id: str | None,
        evidence: Evidence,
        excluded: str | None,
        note: str,
    ) -> Disagreement:
        plan = self.plans[key]
        rule_name = next((n for i, n in plan.rules if i == rule_id), None)
        return Disagreement(
            disagreement=kind,
            account_id=key[0],
            region=key[1],
            resource_arn=arn,
            resource_type=self.resources.resource_type[self.resources.position(arn)],
            plan_id=key[2],
            plan_name=plan.name,
            plan_rule_id=rule_id,
            plan_rule_name=rule_name,
            selection_id=None,
            selection_name=None,
            reading=None,
            reading_text="",
            evidence=evidence,
            excluded=excluded,
            note=note,
        )


_NO_RULE: Final = "\x00no rule id"
"""Stands for a missing rule id while grouping (a missing value would be dropped)."""


def _objects(values: list[str]) -> np.ndarray[Any, np.dtype[np.object_]]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _positions(*columns: Sequence[Any]) -> dict[tuple[Any, ...], np.ndarray[Any, np.dtype[np.intp]]]:
    """The row positions (in order) of each distinct combination of the columns (of ``str``)."""
    if not columns[0]:
        return {}
    frame = pd.DataFrame({n: pd.Series(c, dtype=object) for n, c in enumerate(columns)})
    groups = frame.groupby(list(frame.columns), sort=False).indices
    one = len(columns) == 1  # a single key is not a tuple
    return {
        (k,) if one else cast("tuple[Any, ...]", k): np.asarray(v, dtype=np.intp) for k, v in groups.items()
    }


@dataclass(frozen=True)
class _Scheduled:
    """The rows a plan created (positions in :class:`EvidenceRows`, oldest first), with their
    resource's position (-1: not a resource of the inventory) and the number of their (account,
    region, plan id, rule id) key in ``keys``."""

    rows: np.ndarray[Any, np.dtype[np.intp]]
    resource: np.ndarray[Any, np.dtype[np.intp]]
    key: np.ndarray[Any, np.dtype[np.intp]]
    keys: tuple[tuple[str, str, str, str | None], ...]

    def got(self, size: int) -> _Got:
        """:class:`_Got` of these rows (``size``: the number of resources)."""
        codes: dict[tuple[str, str | None], int] = {}
        number = np.fromiter(
            (codes.setdefault((pid, rule), len(codes)) for _, _, pid, rule in self.keys),
            dtype=np.int64,
            count=len(self.keys),
        )
        known = self.resource >= 0
        keys = _sorted_unique(number[self.key[known]] * size + self.resource[known])
        return _Got(codes, keys, size)


def _scheduled(
    rows: EvidenceRows, resources: _Resources
) -> tuple[_Scheduled, dict[tuple[str, str, str, str | None], np.ndarray[Any, np.dtype[np.intp]]]]:
    """The rows a plan created, and their positions by (account, region, plan id, rule id),
    oldest first."""
    sched = np.flatnonzero(rows.scheduled)
    groups = _positions(
        rows.account_id.take(sched),
        rows.region.take(sched),
        rows.plan_id.take(sched),
        [_NO_RULE if v is None else v for v in rows.rule_id.take(sched)],
    )
    records: dict[tuple[str, str, str, str | None], np.ndarray[Any, np.dtype[np.intp]]] = {}
    key = np.zeros(len(sched), dtype=np.intp)
    for n, ((a, r, pid, rule), at) in enumerate(groups.items()):
        records[(a, r, pid, None if rule == _NO_RULE else rule)] = sched[at]
        key[at] = n
    del groups
    scheduled = _Scheduled(
        sched,
        resources.find(rows.resource_arn.take(sched)),
        key,
        tuple(records),
    )
    return scheduled, records


def _decided(
    inventory: Inventory, protection: Protection, found: Iterable[Disagreement]
) -> Iterator[Disagreement]:
    """Each disagreement with the selection and the reading that decided the prediction: the
    trails ``explain`` prints for the plan's selections, computed for these resources only."""
    from auditor.protection.explain import ResourceFacts, plan_trails  # explain imports the resolver

    found = list(found)
    if not found:
        return
    s = inventory.selections
    names = dict(zip(s["selection_id"], s["selection_name"], strict=True))
    res, v = inventory.resources, protection.verdicts
    arns = {d.resource_arn for d in found}
    rows = {str(r["arn"]): r for r in res[res["arn"].isin(arns)].to_dict("records")}
    reasons = {
        str(a): str(x) for a, x in zip(v["arn"].tolist(), v["reason"].tolist(), strict=True) if a in arns
    }
    facts = inventory_facts(inventory)
    for d in found:
        row = rows[d.resource_arn]
        t = str(row["resource_type"])
        region = facts.region(d.account_id, d.region)
        resource = ResourceFacts(
            arn=d.resource_arn,
            tags=row["tags"] or {},
            parent_tags=row["parent_tags"],
            resource_type=t,
            opt_in=region.opt_in(t),
            unsupported=unsupported_reason(
                bool(row["rds_custom"]), bool(row["on_outposts"]), t, row["versioning"]
            ),
        )
        trail = reading_ids.Trail(
            resource_type=t,
            opt_in=resource.opt_in,
            selections=plan_trails(region.selections, d.plan_id, resource),
            in_stack=bool(row["stacks"]),
            reason=reasons.get(d.resource_arn, ""),
        )
        if d.disagreement == BACKED_UP_NOT_PREDICTED:
            decision = reading_ids.not_selected(trail, d.plan_id)
        else:
            decision = reading_ids.selected(trail, d.plan_id)
        sid = decision.selection_id
        yield replace(
            d,
            selection_id=sid,
            selection_name=None if sid is None else str(names.get(sid, sid)),
            reading=decision.reading,
            reading_text=decision.text,
        )


def _plans(inventory: Inventory) -> dict[tuple[str, str, str], _Plan]:
    rules: dict[tuple[str, str, str], list[tuple[str | None, str | None]]] = {}
    pr = inventory.plan_rules
    for a, r, p, i, n in zip(
        pr["account_id"], pr["region"], pr["plan_id"], pr["rule_id"], pr["rule_name"], strict=True
    ):
        rules.setdefault((str(a), str(r), str(p)), []).append((maybe_str(i), maybe_str(n)))
    sels: dict[tuple[str, str, str], list[tuple[str, str, pd.Timestamp | None]]] = {}
    s = inventory.selections
    for a, r, p, i, n, c in zip(
        s["account_id"],
        s["region"],
        s["plan_id"],
        s["selection_id"],
        s["selection_name"],
        s["creation_date"],
        strict=True,
    ):
        sels.setdefault((str(a), str(r), str(p)), []).append((str(i), str(n), _ts(c)))
    out: dict[tuple[str, str, str], _Plan] = {}
    pl = inventory.plans
    for a, r, p, n, v in zip(
        pl["account_id"], pl["region"], pl["plan_id"], pl["plan_name"], pl["version_id"], strict=True
    ):
        key = (str(a), str(r), str(p))
        out[key] = _Plan(str(n), maybe_str(v), tuple(rules.get(key, ())), tuple(sels.get(key, ())))
    return out


def _unread(inventory: Inventory) -> dict[tuple[str, str], tuple[str, ...]]:
    """Account-Region of the coverage -> the operations of :data:`COMPARED_OPERATIONS` not
    collected there, in that order (an operation with several coverage rows counts as read only
    when all of them were; one without a row as not read). Empty: the predictions and the jobs of
    the account-Region can be compared."""
    cov = inventory.coverage
    state: dict[tuple[str, str, str], bool] = {}
    for a, r, op, ok in zip(
        *(cov[c].tolist() for c in ("account_id", "region", "operation", "collected")), strict=True
    ):
        key = (str(a), str(r), str(op))
        read = ok if type(ok) is bool else ok is not None and not pd.isna(ok) and bool(ok)
        state[key] = state.get(key, True) and read
    scopes = {(a, r) for a, r, _ in state}
    return {
        (a, r): tuple(op for op in COMPARED_OPERATIONS if not state.get((a, r, op), False))
        for a, r in sorted(scopes)
    }


def _ts(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        return None
    return pd.Timestamp(value)  # type: ignore[arg-type]


def _iso(value: pd.Timestamp | None) -> str:
    return "unknown" if value is None else value.isoformat().replace("+00:00", "Z")


__all__ = [
    "BACKED_UP_NOT_PREDICTED",
    "BACKED_UP_STATES",
    "COMPARED_OPERATIONS",
    "PREDICTED_NOT_BACKED_UP",
    "Disagreement",
    "Evidence",
    "backed_up",
    "backed_up_text",
    "compare",
    "evidence_frame",
    "evidence_rows",
    "for_resource",
    "render_evidence",
]
