"""Amazon Redshift provisioned clusters.

AWS Backup protects a provisioned cluster as resource type ``Redshift`` with the ARN
``arn:PARTITION:redshift:REGION:ACCOUNT:cluster:NAME`` (AWS Backup guide, "Amazon Redshift
backups" <https://docs.aws.amazon.com/aws-backup/latest/devguide/redshift-backups.html>; the ARN
form of the Redshift API reference). ``DescribeClusters`` returns each cluster's tags.
"""

from __future__ import annotations

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import as_obj, list_of, num_of, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "redshift",
        "DescribeClusters",
        page_size=(100, 20),
        since=2,
        required=False,
        doc="provisioned clusters with their tags",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "Redshift",
        "redshift",
        "arn:{partition}:redshift:{region}:{account}:cluster:{id}",
        listed_by="redshift.DescribeClusters",
        tags_from="Tags",
    ),
)

# -- loader into frames -------------------------------------------------------------------------

#: Cluster states of a cluster that no longer exists.
_GONE = frozenset({"deleting", "final-snapshot"})


def load(ctx: RegionContext) -> None:
    """Provisioned clusters (not those being deleted)."""
    ctx.each("redshift.DescribeClusters", _clusters)


def _clusters(ctx: RegionContext, src: int, call: Call) -> None:
    a, r = ctx.account, ctx.region
    rows: list[ResourceRow] = []
    for j, c in enumerate(list_of(call.response, "Clusters", "")):
        w = f"Clusters[{j}]."
        c = as_obj(c, w)
        if c.get("ClusterStatus") in _GONE:
            continue
        ident = str_of(c, "ClusterIdentifier", w)
        row = resource_row(
            arn=f"arn:{ctx.partition}:redshift:{r}:{a}:cluster:{ident}",
            account_id=a,
            region=r,
            resource_type="Redshift",
            service="redshift",
            name=ident,
            tags=tags_of(c, "Tags", w),
            backup_retention_days=num_of(c, "AutomatedSnapshotRetentionPeriod", w),
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


SERVICE = Service(name="redshift", operations=OPERATIONS, kinds=KINDS, loader=load)
