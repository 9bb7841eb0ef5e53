"""Amazon Redshift Serverless namespaces (bundle version 3).

A namespace (its databases, users and data) is what Redshift Serverless snapshots; its ARN is
``arn:PARTITION:redshift-serverless:REGION:ACCOUNT:namespace/NAMESPACE_ID`` (a UUID; Service
Authorization Reference, "Resource types defined by Amazon Redshift Serverless",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftserverless.html;
``ListNamespaces`` returns it as ``namespaceArn``). Tags come from ``ListTagsForResource``
(``tags[].key`` / ``value``, lower case in this API).

The AWS Backup resource type and opt-in key ``Redshift Serverless`` is a reading, not a documented
fact: ``GetSupportedResourceTypes`` names ``Redshift`` only
(https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetSupportedResourceTypes.html);
``docs/semantics-review.md`` (A14) and ``explain`` state it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.evidence import Call
from auditor.model.loading import NO_FILE, RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import ShapeError, as_obj, list_of, opt_str, str_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "redshift-serverless",
        "ListNamespaces",
        page_size=(100, 1),
        since=3,
        required=False,
    ),
    Operation(
        "redshift-serverless",
        "ListTagsForResource",
        parent="redshift-serverless.ListNamespaces",
        items="namespaces",
        item_params={"resourceArn": "{item[namespaceArn]}"},
        since=3,
        required=False,
    ),
)

SERVERLESS_READING = (
    "the AWS Backup resource type and opt-in key `Redshift Serverless` of a Redshift Serverless "
    "namespace is read, not documented: GetSupportedResourceTypes names `Redshift` only; where "
    "DescribeRegionSettings does not list `Redshift Serverless`, the opt-in reads as off"
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "Redshift Serverless",
        "redshift-serverless",
        "arn:{partition}:redshift-serverless:{region}:{account}:namespace/{id}",
        listed_by="redshift-serverless.ListNamespaces",
        tags_from="redshift-serverless.ListTagsForResource",
        notes="namespaces (not workgroups); namespaces being deleted are not resources",
        reading=SERVERLESS_READING,
    ),
)

# -- loader into frames -------------------------------------------------------------------------

#: Namespace status of a namespace that no longer exists.
_GONE = frozenset({"DELETING"})


@dataclass
class _Namespaces:
    """What the namespace listing and the tag calls pass on to the rows."""

    namespaces: list[tuple[str, str]] = field(default_factory=list)
    """(ARN, name) of every listed namespace that is not being deleted."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Namespace ARN -> tags (``ListTagsForResource``)."""


def load(ctx: RegionContext) -> None:
    """Namespaces, with their tags."""
    state = ctx.state(_Namespaces)
    if not ctx.each("redshift-serverless.ListNamespaces", _namespaces):
        return
    ctx.listed("redshift-serverless.ListNamespaces", len(state.namespaces))
    ctx.each("redshift-serverless.ListTagsForResource", _tags)
    rows: list[ResourceRow] = [
        resource_row(
            arn=arn,
            account_id=ctx.account,
            region=ctx.region,
            resource_type="Redshift Serverless",
            service="redshift-serverless",
            name=name,
            tags=state.tags.get(arn, {}),
        )
        for arn, name in state.namespaces
    ]
    ctx.out.resources.extend(NO_FILE, rows)


def _namespaces(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Namespaces)
    for j, n in enumerate(list_of(call.response, "namespaces", "")):
        w = f"namespaces[{j}]."
        n = as_obj(n, w)
        if opt_str(n, "status", w) in _GONE:
            continue
        state.namespaces.append((str_of(n, "namespaceArn", w), str_of(n, "namespaceName", w)))


def _tags(ctx: RegionContext, src: int, call: Call) -> None:
    arn = str_of(call.params, "resourceArn", "params.")
    ctx.state(_Namespaces).tags.setdefault(arn, {}).update(lower_tags(call.response, "tags", ""))


def lower_tags(d: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    """A ``[{"key": k, "value": v}]`` tag list (Redshift Serverless spells them in lower case)."""
    out: dict[str, str] = {}
    for j, t in enumerate(list_of(d, key, where)):
        t = as_obj(t, f"{where}{key}[{j}].")
        k, v = t.get("key"), t.get("value", "")
        if not isinstance(k, str) or not isinstance(v, str):
            raise ShapeError(f"member '{where}{key}[{j}]' has a key/value that is not a string: {t!r:.80}")
        out[k] = v
    return out


SERVICE = Service(name="redshift-serverless", operations=OPERATIONS, kinds=KINDS, loader=load)
