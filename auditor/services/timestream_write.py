"""Amazon Timestream for LiveAnalytics tables (bundle version 3).

AWS Backup backs up Timestream for LiveAnalytics tables, not Timestream for InfluxDB (AWS Backup
guide, "Amazon Timestream backups",
https://docs.aws.amazon.com/aws-backup/latest/devguide/timestream-backup.html); its resource type
and opt-in key is ``Timestream`` (``GetSupportedResourceTypes``,
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetSupportedResourceTypes.html). A table's
ARN is ``arn:PARTITION:timestream:REGION:ACCOUNT:database/DB/table/T`` (``Tables[].Arn``).

Three things set the service apart from the others:

* it exists in some Regions only: the collector calls it where botocore's endpoint data lists the
  Region (:attr:`Service.some_regions`) and records the others as "not available in this region";
* its API requires endpoint discovery: botocore first calls ``DescribeEndpoints`` (IAM action
  ``timestream:DescribeEndpoints``) and caches the answer; with an explicit endpoint URL (the
  sandbox) botocore skips discovery;
* botocore ships no paginator for it: the listings are followed by ``NextToken``
  (``token_paged``), ``MaxResults`` at most 20.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import NO_FILE, RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import ShapeError, as_obj, list_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

_TABLE_ARN = (
    "arn:{partition}:timestream:{region}:{account}:database/{params[DatabaseName]}/table/{item[TableName]}"
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "timestream-write",
        "ListDatabases",
        page_size=(20, 1),
        token_paged=True,
        since=3,
        required=False,
        doc="Regions without Timestream are not called (manifest `unavailable`)",
    ),
    Operation(
        "timestream-write",
        "ListTables",
        parent="timestream-write.ListDatabases",
        items="Databases",
        item_params={"DatabaseName": "{item[DatabaseName]}"},
        page_size=(20, 1),
        token_paged=True,
        since=3,
        required=False,
    ),
    Operation(
        "timestream-write",
        "ListTagsForResource",
        parent="timestream-write.ListTables",
        items="Tables",
        item_params={"ResourceARN": _TABLE_ARN},
        since=3,
        required=False,
        doc="the table ARN is built from the database and table names",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "Timestream",
        "timestream",
        "arn:{partition}:timestream:{region}:{account}:database/{parent}/table/{id}",
        listed_by="timestream-write.ListTables",
        tags_from="timestream-write.ListTagsForResource",
        notes="Timestream for LiveAnalytics tables; tables being deleted are not resources",
    ),
)

# -- loader into frames -------------------------------------------------------------------------

#: Table status of a table that no longer exists.
_GONE = frozenset({"DELETING"})


@dataclass
class _Tables:
    """What the table listings and the tag calls pass on to the rows."""

    databases: int = 0
    tables: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(ARN, ARN the tag call was made for, database, table) of every listed table that is not
    being deleted."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """ARN of a ``ListTagsForResource`` call -> tags."""


def load(ctx: RegionContext) -> None:
    """Tables of every database, with their tags."""
    state = ctx.state(_Tables)
    if not ctx.each("timestream-write.ListDatabases", _databases):
        return
    ctx.listed("timestream-write.ListDatabases", state.databases)
    if ctx.each("timestream-write.ListTables", _tables):
        ctx.listed("timestream-write.ListTables", len(state.tables))
    ctx.each("timestream-write.ListTagsForResource", _tags)
    rows: list[ResourceRow] = [
        resource_row(
            arn=arn,
            account_id=ctx.account,
            region=ctx.region,
            resource_type="Timestream",
            service="timestream",
            name=f"{database}/{table}",
            tags=state.tags.get(built, {}),
        )
        for arn, built, database, table in state.tables
    ]
    ctx.out.resources.extend(NO_FILE, rows)


def _databases(ctx: RegionContext, src: int, call: Call) -> None:
    ctx.state(_Tables).databases += len(list_of(call.response, "Databases", ""))


def _tables(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Tables)
    asked = call.params.get("DatabaseName")
    for j, t in enumerate(list_of(call.response, "Tables", "")):
        w = f"Tables[{j}]."
        t = as_obj(t, w)
        if opt_str(t, "TableStatus", w) in _GONE:
            continue
        name = str_of(t, "TableName", w)
        database = opt_str(t, "DatabaseName", w) or asked
        if not isinstance(database, str):
            raise ShapeError(f"{w}DatabaseName: no database name in the table or the call")
        built = f"arn:{ctx.partition}:timestream:{ctx.region}:{ctx.account}:database/{database}/table/{name}"
        state.tables.append((opt_str(t, "Arn", w) or built, built, database, name))


def _tags(ctx: RegionContext, src: int, call: Call) -> None:
    arn = str_of(call.params, "ResourceARN", "params.")
    ctx.state(_Tables).tags.setdefault(arn, {}).update(tags_of(call.response, "Tags", ""))


SERVICE = Service(
    name="timestream-write",
    iam_prefix="timestream",
    operations=OPERATIONS,
    kinds=KINDS,
    loader=load,
    some_regions=True,
    extra_iam_actions=("timestream:DescribeEndpoints",),
)
