"""Regions: which regions of an account are enabled, within the caller's partition."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

ENABLED_OPT_IN = frozenset({"opt-in-not-required", "opted-in"})
DEFAULT_PARTITION = "aws"


def partition_of(arn: str) -> str:
    """The partition of an ARN (``arn:aws-cn:...`` -> ``aws-cn``); ``aws`` when it is not an ARN."""
    parts = arn.split(":", 2)
    if len(parts) >= 2 and parts[0] == "arn" and parts[1]:
        return parts[1]
    return DEFAULT_PARTITION


@cache
def _region_patterns() -> dict[str, re.Pattern[str]]:
    # botocore imported here, on first use: evaluating a bundle never needs it (about 0.1 s)
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("partitions")
    return {p["id"]: re.compile(p["regionRegex"]) for p in data["partitions"]}


def region_in_partition(region: str, partition: str) -> bool:
    """Whether ``region`` belongs to ``partition`` (botocore's partition region patterns).

    An unknown partition accepts every region rather than silently dropping them all.
    """
    pattern = _region_patterns().get(partition)
    return True if pattern is None else bool(pattern.match(region))


def enabled_regions(
    regions: Iterable[Mapping[str, Any]], partition: str = DEFAULT_PARTITION
) -> tuple[str, ...]:
    """Sorted names of the enabled regions in an ``ec2.DescribeRegions`` response's ``Regions``.

    Enabled = ``OptInStatus`` ``opt-in-not-required`` or ``opted-in`` (a region without the member
    is treated as enabled: older responses omit it for default regions). Regions of another
    partition are dropped: an endpoint that lists them (moto does) cannot serve them to this caller.
    ``AllRegions=False`` is not relied on because not every endpoint honours it.
    """
    names: set[str] = set()
    for region in regions:
        name = region.get("RegionName")
        if not isinstance(name, str):
            continue
        status = region.get("OptInStatus", "opt-in-not-required")
        if status in ENABLED_OPT_IN and region_in_partition(name, partition):
            names.add(name)
    return tuple(sorted(names))
