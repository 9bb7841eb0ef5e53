"""AWS Storage Gateway volumes (Volume Gateway, cached and stored volumes; bundle version 3).

AWS Backup protects a Volume Gateway volume as resource type ``Storage Gateway`` (the value
``GetSupportedResourceTypes`` returns, https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetSupportedResourceTypes.html)
with the volume's ARN ``arn:PARTITION:storagegateway:REGION:ACCOUNT:gateway/sgw-ID/volume/vol-ID``
(the ``VolumeARN`` pattern of the Storage Gateway API,
https://docs.aws.amazon.com/storagegateway/latest/APIReference/API_ListVolumes.html).
``ListVolumes`` is called once per Region without ``GatewayARN`` (optional in the API): each
``VolumeInfo`` names its own gateway, so one listing covers every gateway; calling it per gateway
would fail on the File and Tape Gateways it does not support. Tags come from
``ListTagsForResource`` of each volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import NO_FILE, RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import ShapeError, as_obj, list_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "storagegateway",
        "ListGateways",
        page_size=(100, 1),
        since=3,
        required=False,
        doc="the Region's gateways (names and types of the volumes' gateways)",
    ),
    Operation(
        "storagegateway",
        "ListVolumes",
        page_size=(100, 1),
        since=3,
        required=False,
        doc="without `GatewayARN`: the volumes of every gateway of the Region",
    ),
    Operation(
        "storagegateway",
        "ListTagsForResource",
        parent="storagegateway.ListVolumes",
        items="VolumeInfos",
        item_params={"ResourceARN": "{item[VolumeARN]}"},
        paginated=True,
        since=3,
        required=False,
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "Storage Gateway",
        "storagegateway",
        "arn:{partition}:storagegateway:{region}:{account}:gateway/{parent}/volume/{id}",
        listed_by="storagegateway.ListVolumes",
        tags_from="storagegateway.ListTagsForResource",
        notes="Volume Gateway volumes (cached and stored); File and Tape Gateways hold no volumes",
        reading=(
            "a Storage Gateway volume is selected by its volume ARN (gateway/sgw-.../volume/vol-...) "
            "and its own tags (ListTagsForResource of the volume), not its gateway's; ListVolumes "
            "without GatewayARN is read as listing the volumes of every gateway of the Region"
        ),
    ),
)

# -- loader into frames -------------------------------------------------------------------------


@dataclass
class _Volumes:
    """What the listings and the tag calls hand to the rows."""

    gateways: dict[str, str] = field(default_factory=dict)
    """Gateway ARN -> gateway name (``ListGateways``)."""
    volumes: dict[str, str] = field(default_factory=dict)
    """Volume ARN -> gateway ARN."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)


def load(ctx: RegionContext) -> None:
    """Gateways (names), volumes, their tags; a volume without a tag call makes the tags incomplete."""
    state = ctx.state(_Volumes)
    ctx.each("storagegateway.ListGateways", _gateways)
    if not ctx.each("storagegateway.ListVolumes", _volumes):
        return
    ctx.listed("storagegateway.ListVolumes", len(state.volumes))
    ctx.each("storagegateway.ListTagsForResource", _tags)
    missing = sorted(arn for arn in state.volumes if arn not in state.tags)
    if missing and "storagegateway.ListTagsForResource" in ctx.present:
        ctx.incomplete("storagegateway.ListTagsForResource", f"no call for volume {missing[0]}")
    rows: list[ResourceRow] = [
        resource_row(
            arn=arn,
            account_id=ctx.account,
            region=ctx.region,
            resource_type="Storage Gateway",
            service="storagegateway",
            name=_volume_name(arn, state.gateways.get(gateway)),
            tags=state.tags.get(arn, {}),
        )
        for arn, gateway in state.volumes.items()
    ]
    ctx.out.resources.extend(NO_FILE, rows)


def _volume_name(arn: str, gateway_name: str | None) -> str:
    """``vol-ID`` or ``vol-ID (gateway NAME)``."""
    vid = arn.rsplit("/", 1)[-1]
    return f"{vid} (gateway {gateway_name})" if gateway_name else vid


def _gateways(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Volumes)
    for j, g in enumerate(list_of(call.response, "Gateways", "")):
        w = f"Gateways[{j}]."
        g = as_obj(g, w)
        arn = opt_str(g, "GatewayARN", w)
        name = opt_str(g, "GatewayName", w)
        if arn is not None and name:
            state.gateways[arn] = name


def _volumes(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Volumes)
    for j, v in enumerate(list_of(call.response, "VolumeInfos", "")):
        w = f"VolumeInfos[{j}]."
        v = as_obj(v, w)
        arn = str_of(v, "VolumeARN", w)
        gateway = opt_str(v, "GatewayARN", w) or arn.rsplit("/volume/", 1)[0]
        state.volumes[arn] = gateway


def _tags(ctx: RegionContext, src: int, call: Call) -> None:
    arn = call.params.get("ResourceARN")
    if not isinstance(arn, str):
        raise ShapeError("params.ResourceARN: expected a volume ARN")
    ctx.state(_Volumes).tags.setdefault(arn, {}).update(tags_of(call.response, "Tags", ""))


SERVICE = Service(name="storagegateway", operations=OPERATIONS, kinds=KINDS, loader=load, some_regions=True)
