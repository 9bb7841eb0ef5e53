"""Amazon DynamoDB tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import NO_FILE, RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import as_obj, list_of, obj_of, opt_num, opt_str, str_of, strs_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation("dynamodb", "ListTables", page_size=(100, 1)),
    Operation(
        "dynamodb",
        "DescribeTable",
        parent="dynamodb.ListTables",
        items="TableNames",
        item_params={"TableName": "{item}"},
    ),
    # The table ARN is built rather than read from DescribeTable, so both per-table calls run
    # side by side (a shorter chain of dependent calls).
    Operation(
        "dynamodb",
        "ListTagsOfResource",
        parent="dynamodb.ListTables",
        items="TableNames",
        item_params={"ResourceArn": "arn:{partition}:dynamodb:{region}:{account}:table/{item}"},
        paginated=True,
    ),
    # -- backups made outside AWS Backup (BKP-017), bundle version 3 --
    Operation(
        "dynamodb",
        "DescribeContinuousBackups",
        parent="dynamodb.ListTables",
        items="TableNames",
        item_params={"TableName": "{item}"},
        since=3,
        required=False,
        doc="point-in-time recovery status of one table",
    ),
    Operation(
        "dynamodb",
        "ListBackups",
        params=({"BackupType": "USER"},),
        page_size=(100, 1),
        since=3,
        required=False,
        doc="`BackupType=USER`: the on-demand backups made with DynamoDB itself (not AWS Backup's)",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "DynamoDB",
        "dynamodb",
        "arn:{partition}:dynamodb:{region}:{account}:table/{id}",
        listed_by="dynamodb.ListTables",
        tags_from="dynamodb.ListTagsOfResource",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


@dataclass
class _Tables:
    """What the table listing and the tag calls pass on to ``DescribeTable``."""

    names: list[str] = field(default_factory=list)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Table ARN -> tags (``ListTagsOfResource``)."""
    described: set[str] = field(default_factory=set)
    pitr: dict[str, str] = field(default_factory=dict)
    """Table name -> its point-in-time recovery, when enabled (a backup made outside AWS Backup)."""
    user_backups: dict[str, int] = field(default_factory=dict)
    """Table name -> number of its on-demand backups (made with DynamoDB, outside AWS Backup)."""

    def own_backup(self, name: str) -> str | None:
        said = [self.pitr[name]] if name in self.pitr else []
        if self.user_backups.get(name):
            said.append(f"{self.user_backups[name]} DynamoDB on-demand backup(s)")
        return "; ".join(said) or None


def load(ctx: RegionContext) -> None:
    """Tables: listed, tagged, described; a listed table missing from DescribeTable still counts."""
    tables = ctx.state(_Tables)
    if ctx.each("dynamodb.ListTables", _list_tables):
        ctx.listed("dynamodb.ListTables", len(tables.names))
    ctx.each("dynamodb.ListTagsOfResource", _table_tags)
    ctx.each("dynamodb.DescribeContinuousBackups", _continuous_backups)
    ctx.each("dynamodb.ListBackups", _user_backups)
    ctx.each("dynamodb.DescribeTable", _describe_table)
    for name in tables.names:
        if name not in tables.described:
            arn = _table_arn(ctx, name)
            ctx.out.resources.add(NO_FILE, _table_row(ctx, arn, name, tables.tags.get(arn, {})))


def _table_arn(ctx: RegionContext, name: str) -> str:
    return f"arn:{ctx.partition}:dynamodb:{ctx.region}:{ctx.account}:table/{name}"


def _table_row(ctx: RegionContext, arn: str, name: str, tags: dict[str, str]) -> ResourceRow:
    return resource_row(
        arn=arn,
        account_id=ctx.account,
        region=ctx.region,
        resource_type="DynamoDB",
        service="dynamodb",
        name=name,
        tags=tags,
        own_backup=ctx.state(_Tables).own_backup(name),
    )


def _list_tables(ctx: RegionContext, src: int, call: Call) -> None:
    ctx.state(_Tables).names.extend(strs_of(call.response, "TableNames", ""))


def _table_tags(ctx: RegionContext, src: int, call: Call) -> None:
    arn = str_of(call.params, "ResourceArn", "params.")
    ctx.state(_Tables).tags.setdefault(arn, {}).update(tags_of(call.response, "Tags", ""))


def _continuous_backups(ctx: RegionContext, src: int, call: Call) -> None:
    """Point-in-time recovery ``ENABLED`` (API reference, ContinuousBackupsDescription:
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ContinuousBackupsDescription.html)."""
    d = obj_of(call.response, "ContinuousBackupsDescription", "")
    w = "ContinuousBackupsDescription."
    pitr = obj_of(d, "PointInTimeRecoveryDescription", w)
    if opt_str(pitr, "PointInTimeRecoveryStatus", w + "PointInTimeRecoveryDescription.") == "ENABLED":
        days = opt_num(pitr, "RecoveryPeriodInDays", w + "PointInTimeRecoveryDescription.")
        kept = f", {days:g} days" if days is not None else ""
        name = str_of(call.params, "TableName", "params.")
        ctx.state(_Tables).pitr[name] = f"DynamoDB point-in-time recovery enabled{kept}"


def _user_backups(ctx: RegionContext, src: int, call: Call) -> None:
    """On-demand backups (``BackupType`` ``USER``, not ``DELETED``), counted per table."""
    counts = ctx.state(_Tables).user_backups
    for j, b in enumerate(list_of(call.response, "BackupSummaries", "")):
        w = f"BackupSummaries[{j}]."
        b = as_obj(b, w)
        if opt_str(b, "BackupType", w) in (None, "USER") and opt_str(b, "BackupStatus", w) != "DELETED":
            name = str_of(b, "TableName", w)
            counts[name] = counts.get(name, 0) + 1


def _describe_table(ctx: RegionContext, src: int, call: Call) -> None:
    tables = ctx.state(_Tables)
    t = obj_of(call.response, "Table", "")
    name = opt_str(t, "TableName", "Table.") or str_of(call.params, "TableName", "params.")
    arn = opt_str(t, "TableArn", "Table.") or _table_arn(ctx, name)
    tables.described.add(name)
    ctx.out.resources.add(src, _table_row(ctx, arn, name, tables.tags.get(arn, {})))


SERVICE = Service(name="dynamodb", operations=OPERATIONS, kinds=KINDS, loader=load)
