"""Matching: which selections of an account-region select which of its resources, and how.

Each selection is tried only against the resources it can select: the listed ARNs when its
``Resources`` are exact ARNs alone, the resources of the services its patterns fix, or every
resource of its account-region. So work grows with resources x selections-per-account-region,
never resources x all selections.

An FSx for ONTAP volume is selected by its own tags, not its file system's ("apply tags to
individual volumes instead of the whole file system"): a tag selection that would select the
volume only with its file system's tags gives a match row with ``fsx_tags_on_filesystem`` True,
never effective.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

from auditor.protection.inputs import RegionFacts, ResourceColumns
from auditor.protection.patterns import CompiledSelection
from auditor.protection.verdicts import BLOCKED_UNSUPPORTED, effectiveness, unsupported_reason
from auditor.protection.via import Via

MATCH_COLUMNS: Final = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "plan_id",
    "plan_name",
    "selection_id",
    "selection_name",
    "via",
    "effective",
    "blocked_by",
    "fsx_tags_on_filesystem",
    "through_arn",
)

_VIA_VALUE: Final = {v: v.value for v in Via}
#: Stand-ins for the type in the key of a match's outcome: an FSx row, an unsupported resource.
_FSX: Final = object()
_UNSUPPORTED: Final = object()


class Match(NamedTuple):
    """A selection that selects a resource (or would, with its file system's tags: ``fsx``).
    Immutable; a named tuple because the resolver makes one per match (millions at scale)."""

    sel: CompiledSelection
    via: Via
    effective: bool
    blocked_by: str | None
    fsx: bool


def through_row(
    cols: ResourceColumns, p: int, sel: CompiledSelection, via: Via, through_arn: str
) -> tuple[Any, ...]:
    """A row of :data:`MATCH_COLUMNS` for a resource protected through its parent
    ``through_arn``, which ``sel`` protects (effective, never blocked, not an FSx row)."""
    return (
        cols.arns[p],
        cols.account_ids[p],
        cols.regions[p],
        cols.types[p],
        sel.plan_id,
        sel.plan_name,
        sel.selection_id,
        sel.selection_name,
        _VIA_VALUE[via],
        True,
        None,
        False,
        through_arn,
    )


class _Candidates:
    """The resources each selection of one account-region can select (indexes built on demand)."""

    def __init__(self, cols: ResourceColumns, positions: Sequence[int]) -> None:
        self._cols = cols
        self._positions = positions
        """In ascending order (the order of the resources frame)."""
        self._by_arn: dict[str, int] | None = None
        self._by_service: dict[str, list[int]] | None = None

    def of(self, sel: CompiledSelection) -> Sequence[int]:
        exact = sel.candidate_arns()
        if exact is not None:
            if self._by_arn is None:
                arns = self._cols.arns
                self._by_arn = {arns[p]: p for p in self._positions}
            by_arn = self._by_arn
            return sorted(by_arn[x] for x in exact if x in by_arn)
        svc = sel.candidate_services()
        if svc is None:
            if sel.resources or sel.is_empty:
                return self._positions
            return self._tagged(sel)
        if self._by_service is None:
            services = self._cols.services
            self._by_service = {}
            for p in self._positions:
                self._by_service.setdefault(services[p], []).append(p)
        by_service = self._by_service
        return [p for s in sorted(svc) for p in by_service.get(s, ())]

    def _tagged(self, sel: CompiledSelection) -> Sequence[int]:
        """The resources a selection without ``Resources`` can select: those carrying every tag
        key of its Conditions, or a tag key of its ListOfTags (a condition on a missing key never
        holds), their own tags or their file system's counted (FSx rows), in ascending order."""
        tags, parent_tags = self._cols.tags, self._cols.parent_tags
        every = [c.tag for c in sel.conditions]
        some = [c.tag for c in sel.list_of_tags]
        if len(every) + len(some) == 1:  # the common case: one tag key decides
            (key,) = every or some
            return [p for p in self._positions if key in tags[p] or ((pt := parent_tags[p]) and key in pt)]

        def has(p: int, key: str) -> bool:
            pt = parent_tags[p]
            return key in tags[p] or bool(pt and key in pt)

        return [
            p
            for p in self._positions
            if (every and all(has(p, k) for k in every)) or any(has(p, k) for k in some)
        ]


def unsupported_of(cols: ResourceColumns, positions: Sequence[int]) -> dict[int, str | None]:
    """:func:`~auditor.protection.verdicts.unsupported_reason` of each position."""
    rds_custom, on_outposts, types, versioning = (
        cols.rds_custom,
        cols.on_outposts,
        cols.types,
        cols.versioning,
    )
    return {p: unsupported_reason(rds_custom[p], on_outposts[p], types[p], versioning[p]) for p in positions}


def match_region(
    cols: ResourceColumns,
    positions: Sequence[int],
    facts: RegionFacts,
    rows: list[tuple[Any, ...]],
    unsupported: Mapping[int, str | None] | Sequence[str | None] | None = None,
) -> dict[int, list[Match]]:
    """Every selection of the account-region against its resources: the matches of each position
    (in selection order), and one row of :data:`MATCH_COLUMNS` per match appended to ``rows``.
    ``unsupported``: each position's :func:`~auditor.protection.verdicts.unsupported_reason`
    when the caller has it (computed here otherwise)."""
    found: dict[int, list[Match]] = {}
    candidates = _Candidates(cols, positions)
    uns = unsupported_of(cols, positions) if unsupported is None else unsupported
    for sel in facts.selections:
        _match_selection(sel, candidates.of(sel), cols, facts, found, rows, uns)
    return found


def _match_selection(
    sel: CompiledSelection,
    cands: Sequence[int],
    cols: ResourceColumns,
    facts: RegionFacts,
    found: dict[int, list[Match]],
    rows: list[tuple[Any, ...]],
    unsupported: Mapping[int, str | None] | Sequence[str | None],
) -> None:
    """One selection against its candidate positions: the routes decided column-wise
    (:meth:`CompiledSelection.routes`), then a row per match (the hot loop: locals bound up front;
    effectiveness computed once per route and type)."""
    arns, tags_l, parent_tags, types = cols.arns, cols.tags, cols.parent_tags, cols.types
    vias = sel.routes([arns[p] for p in cands], [tags_l[p] for p in cands])
    uses_tags, opt_in, account_id, region = sel.uses_tags, facts.opt_in, facts.account_id, facts.region
    plan_id, plan_name, selection_id, selection_name = (
        sel.plan_id,
        sel.plan_name,
        sel.selection_id,
        sel.selection_name,
    )
    # one Match per outcome (immutable, no position in it): a few per selection, shared by rows
    made: dict[tuple[Via, object], Match] = {}

    def outcome(key: tuple[Via, object]) -> Match:
        via, t = key
        if t is _FSX:
            m = Match(sel, via, False, None, True)
        elif t is _UNSUPPORTED:
            m = Match(sel, via, False, BLOCKED_UNSUPPORTED, False)
        else:
            m = Match(sel, via, *effectiveness(via, str(t), opt_in(str(t)), None), False)
        made[key] = m
        return m

    hits: list[tuple[int, Match]]
    if uses_tags and any(parent_tags[p] for p, v in zip(cands, vias, strict=True) if v is None):
        hits = []  # FSx rows possible: a file system's tags may select a candidate (rare)
        for p, route in zip(cands, vias, strict=True):
            via, t = route, types[p] if unsupported[p] is None else _UNSUPPORTED
            if via is None:
                pt = parent_tags[p]
                if not pt:
                    continue
                via = sel.route(arns[p], {**tags_l[p], **pt})
                if via is None:
                    continue
                t = _FSX
            hits.append((p, made.get((via, t)) or outcome((via, t))))
    else:  # the common case, one comprehension: the outcome depends on route and type only
        hits = [
            (p, made.get(key) or outcome(key))
            for p, v in zip(cands, vias, strict=True)
            if v is not None
            for key in [(v, types[p] if unsupported[p] is None else _UNSUPPORTED)]
        ]
    for p, m in hits:
        held = found.get(p)
        if held is None:
            found[p] = [m]
        else:
            held.append(m)
    rows.extend(
        [
            (
                arns[p],
                account_id,
                region,
                types[p],
                plan_id,
                plan_name,
                selection_id,
                selection_name,
                _VIA_VALUE[m.via],
                m.effective,
                m.blocked_by,
                m.fsx,
                None,
            )
            for p, m in hits
        ]
    )
