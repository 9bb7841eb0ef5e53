"""VMware virtual machines that AWS Backup gateway discovered (bundle version 3).

AWS Backup protects such a virtual machine as resource type ``VirtualMachine``
(``GetSupportedResourceTypes``, https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetSupportedResourceTypes.html)
with the ARN ``arn:PARTITION:backup-gateway:REGION:ACCOUNT:vm/vm-ID`` that ``ListVirtualMachines``
returns as ``ResourceArn``
(https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BGW_VirtualMachineDetails.html).
Tags come from ``ListTagsForResource`` of each virtual machine.
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
        "backup-gateway",
        "ListVirtualMachines",
        paginated=True,
        since=3,
        required=False,
        doc="every virtual machine of the Region's hypervisors",
    ),
    Operation(
        "backup-gateway",
        "ListTagsForResource",
        parent="backup-gateway.ListVirtualMachines",
        items="VirtualMachines",
        item_params={"ResourceArn": "{item[ResourceArn]}"},
        since=3,
        required=False,
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "VirtualMachine",
        "backup-gateway",
        "arn:{partition}:backup-gateway:{region}:{account}:vm/{id}",
        listed_by="backup-gateway.ListVirtualMachines",
        tags_from="backup-gateway.ListTagsForResource",
        notes="VMware virtual machines of hypervisors added to AWS Backup gateway",
        reading=(
            "a virtual machine is selected by its AWS tags (ListTagsForResource); VMware tags count "
            "only once AWS Backup has mapped them to AWS tags (they then appear there)"
        ),
    ),
)

# -- loader into frames -------------------------------------------------------------------------


@dataclass
class _Machines:
    names: dict[str, str | None] = field(default_factory=dict)
    """VM ARN -> name."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)


def load(ctx: RegionContext) -> None:
    """Virtual machines and their tags; a machine without a tag call makes the tags incomplete."""
    state = ctx.state(_Machines)
    if not ctx.each("backup-gateway.ListVirtualMachines", _machines):
        return
    ctx.listed("backup-gateway.ListVirtualMachines", len(state.names))
    ctx.each("backup-gateway.ListTagsForResource", _tags)
    missing = sorted(arn for arn in state.names if arn not in state.tags)
    if missing and "backup-gateway.ListTagsForResource" in ctx.present:
        ctx.incomplete("backup-gateway.ListTagsForResource", f"no call for virtual machine {missing[0]}")
    rows: list[ResourceRow] = [
        resource_row(
            arn=arn,
            account_id=ctx.account,
            region=ctx.region,
            resource_type="VirtualMachine",
            service="backup-gateway",
            name=name,
            tags=state.tags.get(arn, {}),
        )
        for arn, name in state.names.items()
    ]
    ctx.out.resources.extend(NO_FILE, rows)


def _machines(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Machines)
    for j, vm in enumerate(list_of(call.response, "VirtualMachines", "")):
        w = f"VirtualMachines[{j}]."
        vm = as_obj(vm, w)
        state.names[str_of(vm, "ResourceArn", w)] = opt_str(vm, "Name", w)


def _tags(ctx: RegionContext, src: int, call: Call) -> None:
    arn = call.params.get("ResourceArn")
    if not isinstance(arn, str):
        raise ShapeError("params.ResourceArn: expected a virtual machine ARN")
    ctx.state(_Machines).tags.setdefault(arn, {}).update(tags_of(call.response, "Tags", ""))


SERVICE = Service(name="backup-gateway", operations=OPERATIONS, kinds=KINDS, loader=load, some_regions=True)
