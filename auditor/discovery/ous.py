"""``--ou``: which accounts an organizational unit holds, and whether an account is under one.

An OU is named by its id (``ou-ab12-cdefgh34``, or a root id ``r-ab12``) or by its path of names
from the root (``Root/Workloads/Production``; the leading ``Root/`` may be left out). An OU holds
the accounts directly under it and under every unit below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.errors import BadInputError

MAX_DEPTH = 10
"""AWS Organizations nests units five deep under a root; a longer parent chain is a loop."""


@dataclass(frozen=True)
class OuPlace:
    """An account's place: the ids and the names from the root down to its parent."""

    ids: tuple[str, ...]
    path: str


def matches(place: OuPlace, selector: str) -> bool:
    """Whether ``place`` is in (or under) the unit ``selector`` names (an id or a path)."""
    wanted = selector.strip().strip("/")
    if wanted in place.ids:
        return True
    paths = (place.path, place.path.split("/", 1)[1] if "/" in place.path else "")
    return any(p == wanted or p.startswith(wanted + "/") for p in paths if p)


def places_from_calls(
    roots: Mapping[str, Any] | None,
    units: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    accounts: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> dict[str, OuPlace]:
    """Account id -> place, from ListRoots' response and the (params, response) pairs of
    ListOrganizationalUnitsForParent and ListAccountsForParent."""
    names: dict[str, str] = {}
    parents: dict[str, str] = {}
    for root in (roots or {}).get("Roots", []):
        names[str(root.get("Id"))] = str(root.get("Name") or "Root")
    for params, response in units:
        for unit in response.get("OrganizationalUnits", []):
            names[str(unit.get("Id"))] = str(unit.get("Name") or unit.get("Id"))
            parents[str(unit.get("Id"))] = str(params.get("ParentId"))
    out: dict[str, OuPlace] = {}
    for params, response in accounts:
        parent = str(params.get("ParentId"))
        chain = [parent]
        while chain[-1] in parents and len(chain) <= MAX_DEPTH:
            chain.append(parents[chain[-1]])
        ids = tuple(reversed(chain))
        for account in response.get("Accounts", []):
            out[str(account.get("Id"))] = OuPlace(ids, "/".join(names.get(i, i) for i in ids))
    return out


def accounts_under(places: Mapping[str, OuPlace], selectors: Iterable[str], flag: str = "--ou") -> set[str]:
    """Accounts under any of ``selectors``; a selector matching no unit is bad input (exit 2)."""
    chosen: set[str] = set()
    for selector in selectors:
        found = {a for a, place in places.items() if matches(place, selector)}
        if not found:
            known = sorted({p.path for p in places.values()})
            raise BadInputError(
                f"{flag}: no organizational unit {selector!r} holds an account "
                f"(units with accounts: {', '.join(known) or 'none'})"
            )
        chosen |= found
    return chosen


__all__ = ["OuPlace", "accounts_under", "matches", "places_from_calls"]
