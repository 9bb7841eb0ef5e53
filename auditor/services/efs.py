"""Amazon EFS file systems."""

from __future__ import annotations

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import as_obj, list_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (Operation("efs", "DescribeFileSystems", page_size=(100, 1)),)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "EFS",
        "elasticfilesystem",
        "arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{id}",
        listed_by="efs.DescribeFileSystems",
        tags_from="Tags",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


def load(ctx: RegionContext) -> None:
    """EFS file systems."""
    ctx.each("efs.DescribeFileSystems", _file_systems)


def _file_systems(ctx: RegionContext, src: int, call: Call) -> None:
    a, r = ctx.account, ctx.region
    rows: list[ResourceRow] = []
    for j, f in enumerate(list_of(call.response, "FileSystems", "")):
        w = f"FileSystems[{j}]."
        f = as_obj(f, w)
        fid = str_of(f, "FileSystemId", w)
        arn = (
            opt_str(f, "FileSystemArn", w)
            or f"arn:{ctx.partition}:elasticfilesystem:{r}:{a}:file-system/{fid}"
        )
        tags = tags_of(f, "Tags", w)
        row = resource_row(
            arn=arn,
            account_id=a,
            region=r,
            resource_type="EFS",
            service="elasticfilesystem",
            name=opt_str(f, "Name", w) or tags.get("Name"),
            tags=tags,
            created=opt_str(f, "CreationTime", w),
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


SERVICE = Service(name="efs", iam_prefix="elasticfilesystem", operations=OPERATIONS, kinds=KINDS, loader=load)
