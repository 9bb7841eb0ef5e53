"""AWS Storage Gateway (moto 5.2.5 lacks the service): ListGateways, ListVolumes (per gateway or,
without ``GatewayARN``, every volume of the Region) and ListTagsForResource, paginated with
``Marker`` / ``Limit``. Gateways and volumes are created through the control endpoint
(``storagegateway/volumes``: no AWS API creates a volume without a running gateway appliance) and
live on moto's EC2 backend of the account and Region, so ``/moto-api/reset`` clears them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.ec2.models import ec2_backends

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate
from auditor.sandbox.extensions._standalone import install_route, make_app

NAME = "storagegateway"
_ERROR = "InvalidGatewayRequestException"


@dataclass
class _State:
    gateways: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Gateway ARN -> ``GatewayInfo``."""
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Volume ARN -> ``VolumeInfo``."""
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def state_of(account_id: str, region: str) -> _State:
    return backend_state(ec2_backends[account_id][region], "storagegateway", _State)


def add_volume(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Control action: a cached volume on gateway ``gateway_id`` (created on first use, named
    ``gateway_name``) with ``volume_id`` and ``tags`` (``{key: value}``)."""
    state = state_of(account_id, region)
    gateway_id = str(spec["gateway_id"])
    volume_id = str(spec["volume_id"])
    gateway_arn = f"arn:aws:storagegateway:{region}:{account_id}:gateway/{gateway_id}"
    state.gateways.setdefault(
        gateway_arn,
        {
            "GatewayId": gateway_id,
            "GatewayARN": gateway_arn,
            "GatewayType": "CACHED",
            "GatewayOperationalState": "ACTIVE",
            "GatewayName": str(spec.get("gateway_name") or gateway_id),
            "HostEnvironment": "VMWARE",
        },
    )
    arn = f"{gateway_arn}/volume/{volume_id}"
    if arn in state.volumes:
        raise SandboxError(_ERROR, f"The specified volume already exists: {arn}")
    state.volumes[arn] = {
        "VolumeARN": arn,
        "VolumeId": volume_id,
        "GatewayARN": gateway_arn,
        "GatewayId": gateway_id,
        "VolumeType": "CACHED iSCSI",
        "VolumeSizeInBytes": int(spec.get("size_bytes") or 107374182400),
        "VolumeAttachmentStatus": "ATTACHED",
    }
    tags = spec.get("tags") or {}
    state.tags[arn] = [{"Key": str(k), "Value": str(v)} for k, v in dict(tags).items()]
    return {"VolumeARN": arn, "GatewayARN": gateway_arn}


class StorageGatewayResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name=NAME)
        self.automated_parameter_parsing = True

    @property
    def state(self) -> _State:
        return state_of(self.current_account, self.region)

    def _page(self, items: list[Any]) -> tuple[list[Any], str | None]:
        params: dict[str, Any] = self.params
        limit = params.get("Limit")
        return paginate(
            items, int(limit) if limit else None, params.get("Marker"), default_page=100, error_code=_ERROR
        )

    def list_gateways(self) -> ActionResult:
        page, marker = self._page(sorted(self.state.gateways.values(), key=lambda g: g["GatewayARN"]))
        result: dict[str, Any] = {"Gateways": page}
        if marker:
            result["Marker"] = marker
        return ActionResult(result)

    def list_volumes(self) -> ActionResult:
        gateway = self.params.get("GatewayARN")
        if gateway is not None and gateway not in self.state.gateways:
            raise SandboxError(_ERROR, f"The specified gateway was not found: {gateway}")
        volumes = sorted(
            (v for v in self.state.volumes.values() if gateway is None or v["GatewayARN"] == gateway),
            key=lambda v: v["VolumeARN"],
        )
        page, marker = self._page(volumes)
        result: dict[str, Any] = {"VolumeInfos": page}
        if gateway is not None:
            result["GatewayARN"] = gateway
        if marker:
            result["Marker"] = marker
        return ActionResult(result)

    def list_tags_for_resource(self) -> ActionResult:
        arn = str(self.params.get("ResourceARN") or "")
        if arn not in self.state.tags:
            raise SandboxError(_ERROR, f"The specified resource was not found: {arn}")
        page, marker = self._page(self.state.tags[arn])
        result: dict[str, Any] = {"ResourceARN": arn, "Tags": page}
        if marker:
            result["Marker"] = marker
        return ActionResult(result)


def install() -> None:
    install_route(NAME)


def register_app(dispatcher: Any) -> None:
    dispatcher.app_instances[NAME] = make_app(NAME, StorageGatewayResponse)
