"""Discovery: which accounts and regions to audit, and the credentials to read each account.

Pure decisions (which accounts are active, which shard, which regions are enabled, which role
to assume) live here; the calls themselves are made by :mod:`auditor.collect.engine`, which owns
concurrency and error recording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.discovery.accounts import (
    AccountInfo,
    accounts_from_listing,
    choose_accounts,
    partition_accounts,
    split_active,
)
from auditor.discovery.regions import enabled_regions, partition_of, region_in_partition

if TYPE_CHECKING:
    from auditor.discovery.credentials import SESSION_NAME, AssumedRole, role_arn

__all__ = [
    "SESSION_NAME",
    "AccountInfo",
    "AssumedRole",
    "accounts_from_listing",
    "choose_accounts",
    "enabled_regions",
    "partition_accounts",
    "partition_of",
    "region_in_partition",
    "role_arn",
    "split_active",
]

_LAZY = frozenset({"SESSION_NAME", "AssumedRole", "role_arn"})


def __getattr__(name: str) -> Any:
    """The credentials names, imported on first use: they pull in aiobotocore (a third of a
    second), which ``evaluate``, ``report`` and the other offline commands never need (they
    import :mod:`auditor.discovery.accounts_file` for the ``--accounts-file`` option)."""
    if name in _LAZY:
        from auditor.discovery import credentials

        return getattr(credentials, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
