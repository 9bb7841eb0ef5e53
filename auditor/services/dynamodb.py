"""Amazon DynamoDB tables."""

from __future__ import annotations

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


SERVICE = Service(name="dynamodb", operations=OPERATIONS, kinds=KINDS, loader=None)
