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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from auditor.protection.inputs import RegionFacts, ResourceColumns
from auditor.protection.patterns import CompiledSelection
from auditor.protection.verdicts import effectiveness, unsupported_reason
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


@dataclass(frozen=True)
class Match:
    """A selection that selects a resource (or would, with its file system's tags: ``fsx``)."""

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
        self._by_tag_key: dict[str, set[int]] | None = None

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
        index = self._tag_index()
        found: set[int] = set()
        if sel.conditions:
            holders = [index.get(c.tag, set()) for c in sel.conditions]
            found = set.intersection(*holders)
        for c in sel.list_of_tags:
            found |= index.get(c.tag, set())
        return sorted(found)

    def _tag_index(self) -> dict[str, set[int]]:
        """Tag key -> positions whose own or parent tags carry it (built once per region)."""
        if self._by_tag_key is None:
            tags, parent_tags = self._cols.tags, self._cols.parent_tags
            index: dict[str, set[int]] = {}
            for p in self._positions:
                for source in (tags[p], parent_tags[p]):
                    if source:
                        for key in source:
                            held = index.get(key)
                            if held is None:
                                index[key] = {p}
                            else:
                                held.add(p)
            self._by_tag_key = index
        return self._by_tag_key


def match_region(
    cols: ResourceColumns, positions: Sequence[int], facts: RegionFacts, rows: list[tuple[Any, ...]]
) -> dict[int, list[Match]]:
    """Every selection of the account-region against its resources: the matches of each position
    (in selection order), and one row of :data:`MATCH_COLUMNS` per match appended to ``rows``."""
    found: dict[int, list[Match]] = {}
    candidates = _Candidates(cols, positions)
    for sel in facts.selections:
        _match_selection(sel, candidates.of(sel), cols, facts, found, rows)
    return found


def _match_selection(
    sel: CompiledSelection,
    cands: Sequence[int],
    cols: ResourceColumns,
    facts: RegionFacts,
    found: dict[int, list[Match]],
    rows: list[tuple[Any, ...]],
) -> None:
    """One selection against its candidate positions (the hot loop: locals bound up front)."""
    arns, tags_l, parent_tags, types = cols.arns, cols.tags, cols.parent_tags, cols.types
    route, uses_tags, opt_in = sel.route, sel.uses_tags, facts.opt_in
    for p in cands:
        via = route(arns[p], tags_l[p])
        fsx = False
        if via is None:
            pt = parent_tags[p]
            if not (uses_tags and pt):
                continue
            via = route(arns[p], {**tags_l[p], **pt})
            if via is None:
                continue
            fsx = True
        t = types[p]
        blocked_by: str | None
        if fsx:
            eff, blocked_by = False, None
        else:
            uns = unsupported_reason(cols.rds_custom[p], cols.on_outposts[p], t, cols.versioning[p])
            eff, blocked_by = effectiveness(via, t, opt_in(t), uns)
        found.setdefault(p, []).append(Match(sel, via, eff, blocked_by, fsx))
        rows.append(
            (
                arns[p],
                facts.account_id,
                facts.region,
                t,
                sel.plan_id,
                sel.plan_name,
                sel.selection_id,
                sel.selection_name,
                _VIA_VALUE[via],
                eff,
                blocked_by,
                fsx,
                None,
            )
        )
