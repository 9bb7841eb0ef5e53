"""Discovery decisions and page merging, without a server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditor.collect.engine import merge_pages
from auditor.discovery import (
    AccountInfo,
    AssumedRole,
    enabled_regions,
    partition_accounts,
    role_arn,
    split_active,
)
from auditor.discovery.accounts import accounts_from_listing

IDS = [f"{n:012d}" for n in (907, 5, 300, 12, 41, 77, 1000, 2)]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 11])
def test_shards_are_disjoint_cover_everything_and_balanced(count: int) -> None:
    shards = [partition_accounts(IDS, (i, count)) for i in range(count)]
    flat = [a for s in shards for a in s]
    assert sorted(flat) == sorted(IDS) and len(flat) == len(set(flat))
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


def test_shards_do_not_depend_on_listing_order_or_duplicates() -> None:
    assert partition_accounts(IDS, (1, 3)) == partition_accounts(list(reversed(IDS)) + IDS[:2], (1, 3))
    assert partition_accounts(IDS, None) == sorted(IDS)


@pytest.mark.parametrize("shard", [(2, 2), (-1, 2), (0, 0)])
def test_bad_shard_rejected(shard: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="shard"):
        partition_accounts(IDS, shard)


def test_only_active_accounts_are_audited() -> None:
    listed = accounts_from_listing(
        [
            {"Id": "111111111111", "Name": "a", "Status": "ACTIVE"},
            {"Id": "222222222222", "Name": "b", "Status": "SUSPENDED"},
            {"Id": "333333333333", "Name": "c", "Status": "ACTIVE", "State": "PENDING_CLOSURE"},
        ]
    )
    active, skipped = split_active(listed)
    assert active == [AccountInfo("111111111111", "a", "ACTIVE")]
    assert [(a.id, a.status) for a in skipped] == [
        ("222222222222", "SUSPENDED"),
        ("333333333333", "PENDING_CLOSURE"),
    ]


def test_enabled_regions_filters_opt_in_and_partition() -> None:
    regions = [
        {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
        {"RegionName": "af-south-1", "OptInStatus": "opted-in"},
        {"RegionName": "ap-east-1", "OptInStatus": "not-opted-in"},
        {"RegionName": "eu-west-1"},
        {"RegionName": "us-gov-west-1", "OptInStatus": "opt-in-not-required"},
        {"RegionName": "cn-north-1", "OptInStatus": "opt-in-not-required"},
    ]
    assert enabled_regions(regions, "aws") == ("af-south-1", "eu-west-1", "us-east-1")
    assert enabled_regions(regions, "aws-us-gov") == ("us-gov-west-1",)
    assert enabled_regions(regions, "aws-cn") == ("cn-north-1",)


def test_role_arn() -> None:
    assert role_arn("aws", "111111111111", "Audit") == "arn:aws:iam::111111111111:role/Audit"
    assert role_arn("aws-cn", "111111111111", "/path/Audit") == "arn:aws-cn:iam::111111111111:role/path/Audit"


def test_merge_pages_concatenates_lists_in_order() -> None:
    pages: list[dict[str, Any]] = [
        {"Items": [1, 2], "Owner": "x", "NextToken": "t1", "ResponseMetadata": {"RequestId": "a"}},
        {"Items": [3], "Owner": "y", "NextToken": "t2"},
        {"Items": [], "Extra": [9]},
    ]
    merged = merge_pages(pages)
    assert merged["Items"] == [1, 2, 3]
    assert merged["Owner"] == "x"
    assert merged["Extra"] == [9]
    assert "ResponseMetadata" not in merged
    assert pages[0]["Items"] == [1, 2], "pages are not modified"


class _FakeSts:
    """Counts AssumeRole calls; each returns keys valid for ``lifetime``."""

    def __init__(self, lifetime: timedelta) -> None:
        self.lifetime = lifetime
        self.calls = 0

    async def __call__(self) -> Mapping[str, Any]:
        self.calls += 1
        return {
            "AccessKeyId": f"AKIA{self.calls}",
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": datetime.now(UTC) + self.lifetime,
        }


async def test_role_assumed_once_while_credentials_are_fresh() -> None:
    sts = _FakeSts(timedelta(hours=1))
    role = await AssumedRole.assume("111111111111", "arn:aws:iam::111111111111:role/A", sts)
    keys = {(await role.frozen()).access_key for _ in range(50)}
    assert sts.calls == 1 and keys == {"AKIA1"}


async def test_role_reassumed_before_expiry() -> None:
    sts = _FakeSts(timedelta(minutes=5))  # inside the 10-minute mandatory refresh window
    role = await AssumedRole.assume("111111111111", "arn:aws:iam::111111111111:role/A", sts)
    first = await role.frozen()
    assert sts.calls == 2 and first.access_key == "AKIA2"


async def test_client_classes_shared_only_within_an_opted_in_session(monkeypatch: pytest.MonkeyPatch) -> None:
    import aioboto3

    from auditor.collect.clients import share_client_classes

    for key, value in {
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    shared, plain = aioboto3.Session(), aioboto3.Session()
    assert share_client_classes(shared)
    classes: dict[str, list[type]] = {"shared": [], "plain": []}
    for name, session in (("shared", shared), ("plain", plain)):
        for region in ("eu-west-1", "us-east-1"):
            async with session.client("backup", region_name=region) as client:
                classes[name].append(type(client))
                assert client.meta.region_name == region
    assert classes["shared"][0] is classes["shared"][1]
    assert classes["plain"][0] is not classes["plain"][1]
    assert classes["shared"][0] is not classes["plain"][0]
