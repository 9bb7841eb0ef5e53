"""SAP HANA databases on Amazon EC2, registered with AWS Systems Manager for SAP (bundle version 3).

AWS Backup protects them as resource type ``SAP HANA on Amazon EC2`` (``GetSupportedResourceTypes``,
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetSupportedResourceTypes.html). A
database's ARN is ``arn:PARTITION:ssm-sap:REGION:ACCOUNT:HANA/APPLICATION/DB/DATABASE`` as
``ListDatabases`` returns it (Systems Manager for SAP user guide, registering an SAP ABAP
application: https://docs.aws.amazon.com/ssm-sap/latest/userguide/register-sap-abap.html shows
``HANA/SAP_HANA_APPLICATION/DB/SYSTEMDB`` and ``.../DB/HDB``). Applications are listed, their
databases listed per application, and each database read with ``GetDatabase`` (its tags).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import NO_FILE, RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import as_obj, list_of, obj_of, opt_str, str_of, tag_map_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "ssm-sap",
        "ListApplications",
        page_size=(50, 1),
        since=3,
        required=False,
        doc="SAP applications registered with Systems Manager for SAP",
    ),
    Operation(
        "ssm-sap",
        "ListDatabases",
        parent="ssm-sap.ListApplications",
        items="Applications",
        item_params={"ApplicationId": "{item[Id]}"},
        page_size=(50, 1),
        since=3,
        required=False,
    ),
    Operation(
        "ssm-sap",
        "GetDatabase",
        parent="ssm-sap.ListDatabases",
        items="Databases",
        item_params={
            "ApplicationId": "{item[ApplicationId]}",
            "ComponentId": "{item[ComponentId]}",
            "DatabaseId": "{item[DatabaseId]}",
        },
        since=3,
        required=False,
        doc="per database: its name, type and tags",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "SAP HANA on Amazon EC2",
        "ssm-sap",
        "arn:{partition}:ssm-sap:{region}:{account}:HANA/{parent}/DB/{id}",
        listed_by="ssm-sap.ListDatabases",
        tags_from="ssm-sap.GetDatabase",
        notes="system and tenant databases of HANA applications",
        reading=(
            "every database ListDatabases returns (SYSTEM and TENANT alike) is a resource of its own, "
            "selected by its database ARN (HANA/APPLICATION/DB/DATABASE) and the tags GetDatabase "
            "returns for it, not its application's"
        ),
    ),
)

# -- loader into frames -------------------------------------------------------------------------


@dataclass
class _Databases:
    listed: dict[str, str] = field(default_factory=dict)
    """Database ARN -> DatabaseId (``ListDatabases``)."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Database ARN -> tags (``ListDatabases``, then ``GetDatabase``)."""
    names: dict[str, str] = field(default_factory=dict)
    described: set[str] = field(default_factory=set)
    applications: int = 0


def load(ctx: RegionContext) -> None:
    """Databases of every application; one listed but not read by ``GetDatabase`` keeps the tags
    ``ListDatabases`` gave it and makes ``GetDatabase`` incomplete."""
    state = ctx.state(_Databases)
    if not ctx.each("ssm-sap.ListApplications", _applications):
        return
    ctx.listed("ssm-sap.ListApplications", state.applications)
    if not ctx.each("ssm-sap.ListDatabases", _databases):
        return
    ctx.listed("ssm-sap.ListDatabases", len(state.listed))
    ctx.each("ssm-sap.GetDatabase", _database)
    missing = sorted(arn for arn in state.listed if arn not in state.described)
    if missing and "ssm-sap.GetDatabase" in ctx.present:
        ctx.incomplete("ssm-sap.GetDatabase", f"no call for database {missing[0]}")
    rows: list[ResourceRow] = [
        resource_row(
            arn=arn,
            account_id=ctx.account,
            region=ctx.region,
            resource_type="SAP HANA on Amazon EC2",
            service="ssm-sap",
            name=state.names.get(arn, ident),
            tags=state.tags.get(arn, {}),
        )
        for arn, ident in state.listed.items()
    ]
    ctx.out.resources.extend(NO_FILE, rows)


def _applications(ctx: RegionContext, src: int, call: Call) -> None:
    ctx.state(_Databases).applications += len(list_of(call.response, "Applications", ""))


def _databases(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Databases)
    for j, d in enumerate(list_of(call.response, "Databases", "")):
        w = f"Databases[{j}]."
        d = as_obj(d, w)
        arn = str_of(d, "Arn", w)
        state.listed[arn] = str_of(d, "DatabaseId", w)
        state.tags[arn] = tag_map_of(d, "Tags", w)


def _database(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Databases)
    d = obj_of(call.response, "Database", "")
    arn = str_of(d, "Arn", "Database.")
    if arn not in state.listed:
        return
    state.described.add(arn)
    state.tags[arn] = tag_map_of(call.response, "Tags", "")
    name = opt_str(d, "DatabaseName", "Database.")
    if name:
        state.names[arn] = name


SERVICE = Service(name="ssm-sap", operations=OPERATIONS, kinds=KINDS, loader=load, some_regions=True)
