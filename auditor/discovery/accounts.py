"""Accounts: which accounts a run audits, from an Organizations listing, named ids and a shard.

:func:`choose_accounts` is the one decision the collector engine and the Lambda's
``list_accounts`` mode share; the ``ListAccounts`` response is read with :func:`accounts_from_listing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class AccountInfo:
    """One account as discovery knows it."""

    id: str
    name: str
    status: str
    """Organizations status (``ACTIVE``, ``SUSPENDED``, ``PENDING_CLOSURE``), or ``UNKNOWN`` for an
    explicit account the organization listing did not name."""


def accounts_from_listing(accounts: Iterable[Mapping[str, Any]]) -> list[AccountInfo]:
    """``organizations.ListAccounts`` members -> :class:`AccountInfo`, in listing order.

    ``State`` (the newer member) wins over the deprecated ``Status`` when both are present.
    """
    out: list[AccountInfo] = []
    for raw in accounts:
        account_id = raw.get("Id")
        if not isinstance(account_id, str):
            continue
        status = raw.get("State") or raw.get("Status") or "UNKNOWN"
        out.append(AccountInfo(id=account_id, name=str(raw.get("Name") or ""), status=str(status)))
    return out


def split_active(accounts: Iterable[AccountInfo]) -> tuple[list[AccountInfo], list[AccountInfo]]:
    """(ACTIVE accounts, everything else). Suspended or closing accounts cannot be read."""
    active: list[AccountInfo] = []
    skipped: list[AccountInfo] = []
    for account in accounts:
        (active if account.status == ACTIVE else skipped).append(account)
    return active, skipped


def partition_accounts(account_ids: Sequence[str], shard: tuple[int, int] | None) -> list[str]:
    """The sorted, de-duplicated account ids of shard ``(i, n)`` (all of them when ``shard`` is None).

    Shard ``i`` takes every n-th id of the sorted list starting at position ``i``: the shards are
    disjoint, together cover every id, differ in size by at most one, and do not depend on the
    order the ids were listed in.
    """
    ordered = sorted(set(account_ids))
    if shard is None:
        return ordered
    index, count = shard
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"shard must satisfy 0 <= i < n, got {index}/{count}")
    return ordered[index::count]


UNKNOWN = "UNKNOWN"


def choose_accounts(
    listed: Sequence[AccountInfo] | None,
    explicit: Sequence[str] | None,
    shard: tuple[int, int] | None = None,
) -> tuple[list[AccountInfo], list[AccountInfo]]:
    """(accounts to audit, sorted by id; accounts skipped because they are not ACTIVE).

    ``listed`` is the organization's listing (``None`` when it could not be read); ``explicit`` the
    account ids the user named (``None`` = every ACTIVE account of the listing). A named account is
    audited whatever its listed status, with its listed name when the listing has it (status
    ``UNKNOWN`` when it does not). ``shard`` keeps the accounts of shard ``(i, n)`` of both lists.
    """
    known = {a.id: a for a in listed or []}
    skipped: list[AccountInfo] = []
    if explicit is not None:
        candidates = [known.get(i) or AccountInfo(i, "", UNKNOWN) for i in explicit]
    else:
        candidates, skipped = split_active(listed or [])
    by_id = {a.id: a for a in candidates}
    chosen = partition_accounts(list(by_id), shard)
    in_shard = set(partition_accounts([a.id for a in skipped], shard))
    return [by_id[i] for i in chosen], [a for a in skipped if a.id in in_shard]
