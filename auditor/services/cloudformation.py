"""AWS CloudFormation stacks, and the resources AWS Backup backs up through them.

AWS Backup backs a stack up as a *composite* recovery point holding one *nested* recovery point for
the template and for each resource of the stack that AWS Backup supports (AWS Backup guide,
"AWS CloudFormation stack backups"
<https://docs.aws.amazon.com/aws-backup/latest/devguide/applicationstackbackups.html>). So the
loader records, per stack, the ARNs of its supported resources (``ListStackResources``: a
physical ID per CloudFormation resource type, mapped to the ARN AWS Backup uses by
:data:`STACK_RESOURCE_ARNS`); the resolver protects such a resource through a protected stack
(:data:`auditor.protection.parents.CFN_STACK`). The readings where AWS's guide is silent (nested
stacks, the resource types' own opt-in) are in ``docs/semantics-review.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import ResourceRow, StackMemberRow, resource_row, stack_member_row
from auditor.model.shapes import as_obj, list_of, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "cloudformation",
        "DescribeStacks",
        paginated=True,
        since=2,
        required=False,
        doc="every stack of the region (deleted stacks are not listed)",
    ),
    Operation(
        "cloudformation",
        "ListStackResources",
        parent="cloudformation.DescribeStacks",
        items="Stacks",
        item_params={"StackName": "{item[StackId]}"},
        paginated=True,
        since=2,
        required=False,
        doc="per stack: its resources' physical IDs, for protection through the stack",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "CloudFormation",
        "cloudformation",
        "arn:{partition}:cloudformation:{region}:{account}:stack/{id}",
        listed_by="cloudformation.DescribeStacks",
        tags_from="Tags",
        notes="the stack ARN ends in stack/NAME/UUID",
    ),
)

# -- loader into frames -------------------------------------------------------------------------

#: CloudFormation resource type -> the ARN AWS Backup uses for it, from the resource's physical ID
#: (``{id}``). The types of the resource kinds backup-auditor inventories; a resource of another
#: type is not a resource of the audit, so it is not linked to its stack.
STACK_RESOURCE_ARNS: Final[Mapping[str, str]] = {
    "AWS::DynamoDB::Table": "arn:{partition}:dynamodb:{region}:{account}:table/{id}",
    "AWS::EC2::Instance": "arn:{partition}:ec2:{region}:{account}:instance/{id}",
    "AWS::EC2::Volume": "arn:{partition}:ec2:{region}:{account}:volume/{id}",
    "AWS::EFS::FileSystem": "arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{id}",
    "AWS::FSx::FileSystem": "arn:{partition}:fsx:{region}:{account}:file-system/{id}",
    "AWS::RDS::DBInstance": "arn:{partition}:rds:{region}:{account}:db:{id}",
    "AWS::RDS::DBCluster": "arn:{partition}:rds:{region}:{account}:cluster:{id}",
    "AWS::DocDB::DBCluster": "arn:{partition}:rds:{region}:{account}:cluster:{id}",
    "AWS::Neptune::DBCluster": "arn:{partition}:rds:{region}:{account}:cluster:{id}",
    "AWS::S3::Bucket": "arn:{partition}:s3:::{id}",
}

#: RDS identifiers are stored in lower case, and their ARNs use them so.
_LOWER_CASE_IDS: Final = frozenset(
    {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::DocDB::DBCluster", "AWS::Neptune::DBCluster"}
)

#: Stack and stack-resource statuses of things that no longer exist.
_GONE: Final = frozenset({"DELETE_COMPLETE"})


def load(ctx: RegionContext) -> None:
    """Stacks (resources of type ``CloudFormation``), then the supported resources of each."""
    ctx.each("cloudformation.DescribeStacks", _stacks)
    ctx.each("cloudformation.ListStackResources", _stack_resources)


def _stacks(ctx: RegionContext, src: int, call: Call) -> None:
    rows: list[ResourceRow] = []
    for j, s in enumerate(list_of(call.response, "Stacks", "")):
        w = f"Stacks[{j}]."
        s = as_obj(s, w)
        if opt_str(s, "StackStatus", w) in _GONE:
            continue
        row = resource_row(
            arn=str_of(s, "StackId", w),
            account_id=ctx.account,
            region=ctx.region,
            resource_type="CloudFormation",
            service="cloudformation",
            name=opt_str(s, "StackName", w),
            tags=tags_of(s, "Tags", w),
        )
        rows.append(row)
    ctx.out.resources.extend(src, rows)


def _stack_resources(ctx: RegionContext, src: int, call: Call) -> None:
    stack = str_of(call.params, "StackName", "params.")
    rows: list[StackMemberRow] = []
    for j, r in enumerate(list_of(call.response, "StackResourceSummaries", "")):
        w = f"StackResourceSummaries[{j}]."
        r = as_obj(r, w)
        arn = member_arn(
            ctx,
            str_of(r, "ResourceType", w),
            opt_str(r, "PhysicalResourceId", w),
            opt_str(r, "ResourceStatus", w),
        )
        if arn is not None:
            rows.append(stack_member_row(arn, ctx.account, ctx.region, stack))
    ctx.out.stack_members.extend(src, rows)


def member_arn(ctx: RegionContext, cfn_type: str, physical_id: str | None, status: str | None) -> str | None:
    """The ARN AWS Backup uses for a stack resource, None for a type the audit does not
    inventory, a resource not created (no physical ID) or one deleted."""
    form = STACK_RESOURCE_ARNS.get(cfn_type)
    if form is None or not physical_id or status in _GONE:
        return None
    ident = physical_id.lower() if cfn_type in _LOWER_CASE_IDS else physical_id
    return form.format(partition=ctx.partition, region=ctx.region, account=ctx.account, id=ident)


SERVICE = Service(name="cloudformation", operations=OPERATIONS, kinds=KINDS, loader=load)
