"""Discovery: which accounts and regions to audit, and the credentials to read each account.

Pure decisions (which accounts are active, which shard, which regions are enabled, which role
to assume) live here; the calls themselves are made by :mod:`auditor.collect.engine`, which owns
concurrency and error recording.
"""

from auditor.discovery.accounts import (
    AccountInfo,
    accounts_from_listing,
    choose_accounts,
    partition_accounts,
    split_active,
)
from auditor.discovery.credentials import SESSION_NAME, AssumedRole, role_arn
from auditor.discovery.regions import enabled_regions, partition_of, region_in_partition

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
