"""AWS Backup gateway (``backup-gateway``; moto 5.2.5 lacks it): ListVirtualMachines (``MaxResults``
/ ``NextToken``, optional ``HypervisorArn``) and ListTagsForResource. Virtual machines are what a
hypervisor's discovery finds, so they are created through the control endpoint
(``backup-gateway/virtual-machines``); they live on moto's EC2 backend of the account and Region,
so ``/moto-api/reset`` clears them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.ec2.models import ec2_backends

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate
from auditor.sandbox.extensions._standalone import install_route, make_app

NAME = "backup-gateway"


@dataclass
class _State:
    machines: dict[str, dict[str, Any]] = field(default_factory=dict)
    """VM ARN -> ``VirtualMachine``."""
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def state_of(account_id: str, region: str) -> _State:
    return backend_state(ec2_backends[account_id][region], "backup_gateway", _State)


def add_virtual_machine(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Control action: a virtual machine ``vm_id`` named ``name`` with ``tags`` (``{key: value}``),
    of hypervisor ``hypervisor_id``."""
    state = state_of(account_id, region)
    vm_id = str(spec["vm_id"])
    name = str(spec.get("name") or vm_id)
    hypervisor = str(spec.get("hypervisor_id") or "hype-0123456789ABCDEF")
    arn = f"arn:aws:backup-gateway:{region}:{account_id}:vm/{vm_id}"
    if arn in state.machines:
        raise SandboxError("ConflictException", f"Virtual machine {arn} already exists")
    state.machines[arn] = {
        "HostName": f"{name}.corp.example.com",
        "HypervisorId": hypervisor,
        "Name": name,
        "Path": f"/datacenter/vm/{name}",
        "ResourceArn": arn,
    }
    state.tags[arn] = [{"Key": str(k), "Value": str(v)} for k, v in dict(spec.get("tags") or {}).items()]
    return {"ResourceArn": arn}


class BackupGatewayResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name=NAME)
        self.automated_parameter_parsing = True

    @property
    def state(self) -> _State:
        return state_of(self.current_account, self.region)

    def list_virtual_machines(self) -> ActionResult:
        params: dict[str, Any] = self.params
        hypervisor = params.get("HypervisorArn")
        machines = sorted(
            (
                m
                for m in self.state.machines.values()
                if hypervisor is None or str(hypervisor).endswith(f"/{m['HypervisorId']}")
            ),
            key=lambda m: m["ResourceArn"],
        )
        size = params.get("MaxResults")
        page, token = paginate(
            machines, int(size) if size else None, params.get("NextToken"), error_code="ValidationException"
        )
        result: dict[str, Any] = {"VirtualMachines": page}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def list_tags_for_resource(self) -> ActionResult:
        arn = str(self.params.get("ResourceArn") or "")
        if arn not in self.state.tags:
            raise SandboxError("ResourceNotFoundException", f"Resource {arn} not found")
        return ActionResult({"ResourceArn": arn, "Tags": self.state.tags[arn]})


def install() -> None:
    install_route(NAME)


def register_app(dispatcher: Any) -> None:
    dispatcher.app_instances[NAME] = make_app(NAME, BackupGatewayResponse)
