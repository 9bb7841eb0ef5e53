"""Accounts: active/skipped split of an Organizations listing and deterministic sharding."""

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
