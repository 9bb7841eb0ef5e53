"""EC2 DescribeRegions as AWS answers it: without ``AllRegions=true`` only the regions enabled for
the account (moto lists not-opted-in ones too), with the ``opt-in-status`` / ``region-name`` /
``endpoint`` filters."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses.availability_zones_and_regions import AvailabilityZonesAndRegions

_FILTER_ATTRIBUTES = {"opt-in-status": "opt_in_status", "region-name": "name", "endpoint": "endpoint"}


def describe_regions(self: Any) -> ActionResult:
    self.error_on_dryrun()
    names = self._get_param("RegionNames", [])
    regions = list(self.ec2_backend.describe_regions(names))
    if str(self._get_param("AllRegions", "false")).lower() != "true":
        regions = [r for r in regions if r.opt_in_status != "not-opted-in"]
    for name, values in self._filters_from_querystring().items():
        attribute = _FILTER_ATTRIBUTES.get(name)
        if attribute is not None:
            regions = [r for r in regions if getattr(r, attribute) in values]
    return ActionResult({"Regions": regions})


def install() -> None:
    setattr(AvailabilityZonesAndRegions, "describe_regions", describe_regions)  # noqa: B010
