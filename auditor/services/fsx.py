"""Amazon FSx file systems, and FSx for ONTAP volumes (backed up instead of their file system)."""

from __future__ import annotations

import math

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import as_obj, list_of, num_of, obj_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation("fsx", "DescribeFileSystems", page_size=(1000, 1)),
    Operation("fsx", "DescribeVolumes", page_size=(1000, 1)),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "FSx",
        "fsx",
        "arn:{partition}:fsx:{region}:{account}:file-system/{id}",
        listed_by="fsx.DescribeFileSystems",
        tags_from="Tags",
        notes="Windows, Lustre and OpenZFS file systems; ONTAP file systems are not resources",
    ),
    ResourceKind(
        "FSx",
        "fsx",
        "arn:{partition}:fsx:{region}:{account}:volume/{parent}/{id}",
        listed_by="fsx.DescribeVolumes",
        tags_from="Tags (selections match the file system's tags)",
        notes="ONTAP volumes only; OpenZFS volumes are backed up with their file system",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


class _FileSystems(dict[str, tuple[str, dict[str, str], float]]):
    """File system id -> (ARN, tags, automatic backup retention days), from ``DescribeFileSystems``
    to the ONTAP volumes."""


#: The member of a file system holding its type's configuration (``AutomaticBackupRetentionDays``:
#: FSx's own automatic daily backups, made outside AWS Backup; 0 turns them off).
_CONFIGURATION = {
    "WINDOWS": "WindowsConfiguration",
    "LUSTRE": "LustreConfiguration",
    "ONTAP": "OntapConfiguration",
    "OPENZFS": "OpenZFSConfiguration",
}


def load(ctx: RegionContext) -> None:
    """File systems other than ONTAP, then ONTAP volumes (with their file system as parent)."""
    ctx.each("fsx.DescribeFileSystems", _file_systems)
    ctx.each("fsx.DescribeVolumes", _volumes)


def _file_systems(ctx: RegionContext, src: int, call: Call) -> None:
    a, r = ctx.account, ctx.region
    seen = ctx.state(_FileSystems)
    rows: list[ResourceRow] = []
    for j, f in enumerate(list_of(call.response, "FileSystems", "")):
        w = f"FileSystems[{j}]."
        f = as_obj(f, w)
        fid = str_of(f, "FileSystemId", w)
        arn = opt_str(f, "ResourceARN", w) or f"arn:{ctx.partition}:fsx:{r}:{a}:file-system/{fid}"
        kind = opt_str(f, "FileSystemType", w)
        tags = tags_of(f, "Tags", w)
        config = _CONFIGURATION.get(kind or "")
        retention = (
            num_of(obj_of(f, config, w), "AutomaticBackupRetentionDays", f"{w}{config}.")
            if config
            else math.nan
        )
        seen[fid] = (arn, tags, retention)
        if kind == "ONTAP":
            continue  # AWS Backup backs up an ONTAP file system's volumes, not the file system
        row = resource_row(
            arn=arn,
            account_id=a,
            region=r,
            resource_type="FSx",
            service="fsx",
            name=tags.get("Name"),
            tags=tags,
            fsx_kind=kind,
            backup_retention_days=retention,
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


def _volumes(ctx: RegionContext, src: int, call: Call) -> None:
    a, r, part = ctx.account, ctx.region, ctx.partition
    file_systems = ctx.state(_FileSystems)
    rows: list[ResourceRow] = []
    for j, v in enumerate(list_of(call.response, "Volumes", "")):
        w = f"Volumes[{j}]."
        v = as_obj(v, w)
        if opt_str(v, "VolumeType", w) != "ONTAP":
            continue  # OpenZFS volumes are backed up with their file system
        vid = str_of(v, "VolumeId", w)
        fid = str_of(v, "FileSystemId", w)
        arn = opt_str(v, "ResourceARN", w) or f"arn:{part}:fsx:{r}:{a}:volume/{fid}/{vid}"
        parent_arn, parent_tags, retention = file_systems.get(
            fid, (f"arn:{part}:fsx:{r}:{a}:file-system/{fid}", {}, math.nan)
        )
        row = resource_row(
            arn=arn,
            account_id=a,
            region=r,
            resource_type="FSx",
            service="fsx",
            name=opt_str(v, "Name", w),
            tags=tags_of(v, "Tags", w),
            parent_arn=parent_arn,
            parent_tags=parent_tags,
            fsx_kind="ONTAP",
            backup_retention_days=retention,
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


SERVICE = Service(name="fsx", operations=OPERATIONS, kinds=KINDS, loader=load)
