"""Amazon EC2 instances and EBS volumes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import ShapeError, as_obj, list_of, obj_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Scope, Service
from auditor.services.dlm import SnapshotPolicies

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    # EC2 describes are always paginated: unpaginated EC2 describes draw from a smaller throttling bucket.
    Operation("ec2", "DescribeInstances", page_size=(1000, 5)),
    Operation("ec2", "DescribeVolumes", page_size=(500, 5)),
    Operation("ec2", "DescribeRegions", Scope.DISCOVERY),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "EC2",
        "ec2",
        "arn:{partition}:ec2:{region}:{account}:instance/{id}",
        listed_by="ec2.DescribeInstances",
        tags_from="Tags",
        notes="terminated instances are not resources",
    ),
    ResourceKind(
        "EBS",
        "ec2",
        "arn:{partition}:ec2:{region}:{account}:volume/{id}",
        listed_by="ec2.DescribeVolumes",
        tags_from="Tags",
        protected_through="EC2",
    ),
)

# -- loader into frames -------------------------------------------------------------------------

#: ``Attachments[].State`` values for which a volume counts as attached to the instance (a volume
#: being detached, or detached, is no longer part of the instance's backups).
ATTACHED_STATES: Final = frozenset({"attached", "attaching"})


class _InstanceTags(dict[str, dict[str, str]]):
    """Instance ARN -> tags, from ``DescribeInstances`` to the volumes (Data Lifecycle Manager
    instance policies target an instance's volumes by the instance's tags)."""


def load(ctx: RegionContext) -> None:
    """Instances (not terminated ones), then EBS volumes with the instances they are attached to
    and the Data Lifecycle Manager policy that snapshots them, if any (:mod:`auditor.services.dlm`
    is loaded first)."""
    ctx.each("ec2.DescribeInstances", _instances)
    ctx.each("ec2.DescribeVolumes", _volumes)


def _instances(ctx: RegionContext, src: int, call: Call) -> None:
    rows = _instances_fast(ctx, call.response)
    if rows is None:  # something unusual: read member by member (its error names the member)
        rows = _instances_checked(ctx, call.response)
    ctx.out.resources.extend(src, rows)


def _instances_fast(ctx: RegionContext, response: Any) -> list[ResourceRow] | None:
    """:func:`_instances_checked`'s rows in one pass without a member path per item, or ``None``
    where any member is not what that reading accepts without a question (it then reads the call
    again, from the start, and raises its error or gives the rows: both readings give equal rows,
    and the instance tags they record are the same)."""
    a, r, part = ctx.account, ctx.region, ctx.partition
    own_prefix = f"arn:{part}:ec2:{r}:{a}:instance/"
    instance_tags = ctx.state(_InstanceTags)
    reservations = response.get("Reservations")
    if reservations is None:
        return []
    if type(reservations) is not list:
        return None
    rows: list[ResourceRow] = []
    for resv in reservations:
        if type(resv) is not dict:
            return None
        owner = resv.get("OwnerId")
        if owner is not None and type(owner) is not str:
            return None
        prefix = f"arn:{part}:ec2:{r}:{owner}:instance/" if owner else own_prefix
        instances = resv.get("Instances")
        if instances is None:
            continue
        if type(instances) is not list:
            return None
        for inst in instances:
            if type(inst) is not dict:
                return None
            iid = inst.get("InstanceId")
            state = inst.get("State")
            if type(iid) is not str or (state is not None and type(state) is not dict):
                return None
            name = None if state is None else state.get("Name")
            if name is not None and type(name) is not str:
                return None
            if name == "terminated":
                continue
            mappings = inst.get("BlockDeviceMappings")
            try:  # a ShapeError: the checked reading raises it with the member's path
                tags = tags_of(inst, "Tags", "")
                created = None if mappings is None or mappings == [] else _launched(inst, "")
            except ShapeError:
                return None
            instance_tags[own_prefix + iid] = tags
            rows.append(
                resource_row(prefix + iid, a, r, "EC2", "ec2", tags.get("Name"), tags, created=created)
            )
    return rows


def _instances_checked(ctx: RegionContext, response: Any) -> list[ResourceRow]:
    a, r, part = ctx.account, ctx.region, ctx.partition
    rows: list[ResourceRow] = []
    for j, resv in enumerate(list_of(response, "Reservations", "")):
        rw = f"Reservations[{j}]."
        resv = as_obj(resv, rw)
        owner = opt_str(resv, "OwnerId", rw) or a
        for k, inst in enumerate(list_of(resv, "Instances", rw)):
            w = f"{rw}Instances[{k}]."
            inst = as_obj(inst, w)
            iid = str_of(inst, "InstanceId", w)
            state = opt_str(obj_of(inst, "State", w), "Name", w + "State.")
            if state == "terminated":
                continue
            tags = tags_of(inst, "Tags", w)
            ctx.state(_InstanceTags)[f"arn:{part}:ec2:{r}:{a}:instance/{iid}"] = tags
            row = resource_row(
                arn=f"arn:{part}:ec2:{r}:{owner}:instance/{iid}",
                account_id=a,
                region=r,
                resource_type="EC2",
                service="ec2",
                name=tags.get("Name"),
                tags=tags,
                created=_launched(inst, w),
            )
            rows.append(row)
    return rows


def _launched(inst: Any, w: str) -> str | None:
    """When the instance was created, as far as the listing says: the earliest ``AttachTime`` of
    its block device mappings (its root volume is attached at launch; ``LaunchTime`` changes at
    every start, so it is not used). None when it has no EBS mapping."""
    times: list[tuple[datetime, str]] = []
    for k, m in enumerate(list_of(inst, "BlockDeviceMappings", w)):
        mw = f"{w}BlockDeviceMappings[{k}]."
        t = opt_str(obj_of(as_obj(m, mw), "Ebs", mw), "AttachTime", mw + "Ebs.")
        if t is not None:
            try:
                at = datetime.fromisoformat(t.replace("Z", "+00:00"))
            except ValueError:
                raise ShapeError(
                    f"member '{mw}Ebs.AttachTime' is not an ISO 8601 timestamp: {t!r:.40}"
                ) from None
            times.append((at if at.tzinfo else at.replace(tzinfo=UTC), t))
    return min(times)[1] if times else None


def _volumes(ctx: RegionContext, src: int, call: Call) -> None:
    a, r, part = ctx.account, ctx.region, ctx.partition
    instance_prefix = f"arn:{part}:ec2:{r}:{a}:instance/"
    policies = ctx.state(SnapshotPolicies)
    instance_tags = ctx.state(_InstanceTags)
    rows: list[ResourceRow] = []
    for j, v in enumerate(list_of(call.response, "Volumes", "")):
        w = f"Volumes[{j}]."
        v = as_obj(v, w)
        vid = str_of(v, "VolumeId", w)
        tags = tags_of(v, "Tags", w)
        attached = _attached_instances(instance_prefix, v, w)
        own = (
            policies.target(tags, opt_str(v, "VolumeType", w), [instance_tags.get(i, {}) for i in attached])
            if policies.policies
            else None
        )
        row = resource_row(
            arn=f"arn:{part}:ec2:{r}:{a}:volume/{vid}",
            account_id=a,
            region=r,
            resource_type="EBS",
            service="ec2",
            name=tags.get("Name"),
            tags=tags,
            attached_instances=attached,
            own_backup=own,
            created=opt_str(v, "CreateTime", w),
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


def _attached_instances(instance_prefix: str, volume: Any, w: str) -> tuple[str, ...]:
    """ARNs of the instances the volume is attached to (``instance_prefix`` + instance id)."""
    instances: list[str] = []
    for k, att in enumerate(list_of(volume, "Attachments", w)):
        aw = f"{w}Attachments[{k}]."
        att = as_obj(att, aw)
        iid = opt_str(att, "InstanceId", aw)
        if iid is not None and opt_str(att, "State", aw) in ATTACHED_STATES:
            instance_arn = instance_prefix + iid
            if instance_arn not in instances:
                instances.append(instance_arn)
    return tuple(instances) if instances else ()


SERVICE = Service(name="ec2", operations=OPERATIONS, kinds=KINDS, loader=load)
