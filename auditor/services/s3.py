"""Amazon S3 general purpose buckets (bundle version 2).

S3 lists buckets per account, not per region: ``ListBuckets`` is *account-wide* (called once, in
the account's first audited region) and each bucket names its Region (``BucketRegion``). AWS
returns ``BucketRegion`` when the request carries at least one parameter
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html); the collector always sends
``MaxBuckets``; for a bucket listed without it, GetBucketLocation (bundle version 3) gives the
Region. A bucket is a resource of its own Region, and only when the run audits that Region.
The ARN AWS Backup uses is ``arn:aws:s3:::NAME`` (no Region, no account).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import NO_FILE, RegionContext
from auditor.model.rows import ResourceRow, resource_row
from auditor.model.shapes import ShapeError, as_obj, list_of, obj_of, opt_num, opt_str, str_of, tags_of
from auditor.services.base import Operation, ResourceKind, Service

# -- declaration: operations and resource kinds -------------------------------------------------

_BUCKET = {"Bucket": "{item[Name]}"}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "s3",
        "ListBuckets",
        # IAM actions: s3:ListAllMyBuckets and s3:GetLifecycleConfiguration (see the Permissions of
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html).
        iam_action="s3:ListAllMyBuckets",
        page_size=(10000, 1),
        account_wide=True,
        since=2,
        required=False,
        doc="`MaxBuckets` is sent, which makes AWS return each bucket's `BucketRegion`",
    ),
    Operation(
        "s3",
        "GetBucketTagging",
        parent="s3.ListBuckets",
        items="Buckets",
        item_params=_BUCKET,
        absent_codes=frozenset({"NoSuchTagSet"}),
        account_wide=True,
        since=2,
        required=False,
        doc="a bucket without tags: no call stored and no error",
    ),
    Operation(
        "s3",
        "GetBucketVersioning",
        parent="s3.ListBuckets",
        items="Buckets",
        item_params=_BUCKET,
        account_wide=True,
        since=2,
        required=False,
    ),
    Operation(
        "s3",
        "GetBucketLifecycleConfiguration",
        iam_action="s3:GetLifecycleConfiguration",
        parent="s3.ListBuckets",
        items="Buckets",
        item_params=_BUCKET,
        absent_codes=frozenset({"NoSuchLifecycleConfiguration"}),
        account_wide=True,
        since=2,
        required=False,
        doc="a bucket without a lifecycle configuration: no call stored and no error",
    ),
    # -- region fallback (bundle version 3): a bucket ListBuckets gives no BucketRegion --
    Operation(
        "s3",
        "GetBucketLocation",
        parent="s3.ListBuckets",
        items="Buckets",
        item_params=_BUCKET,
        only_without="BucketRegion",
        account_wide=True,
        since=3,
        required=False,
        doc="`LocationConstraint`: null or empty is us-east-1, `EU` is eu-west-1",
    ),
)

KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "S3",
        "s3",
        "arn:{partition}:s3:::{id}",
        listed_by="s3.ListBuckets",
        tags_from="s3.GetBucketTagging",
        notes="AWS Backup needs versioning on the bucket (BKP-015)",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


def bucket_region(location: str | None) -> str:
    """A Region from ``BucketRegion`` / ``LocationConstraint``: null or empty is us-east-1 and the
    legacy ``EU`` is eu-west-1 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html)."""
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else location


@dataclass
class _Buckets:
    """The listing's buckets of audited Regions, and what the per-bucket calls say of them."""

    region: dict[str, str] = field(default_factory=dict)
    """Bucket name -> Region (audited Regions only)."""
    listed: dict[str, str | None] = field(default_factory=dict)
    """Bucket name -> ``BucketRegion`` as listed (None: not given)."""
    location: dict[str, str] = field(default_factory=dict)
    """Bucket name -> Region from GetBucketLocation (buckets listed without ``BucketRegion``)."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    versioning: dict[str, str] = field(default_factory=dict)
    expiry: dict[str, float] = field(default_factory=dict)
    """Bucket name -> smallest ``NoncurrentDays`` of an enabled lifecycle rule."""


def load(ctx: RegionContext) -> None:
    """Buckets, in the account's first region only (where the account-wide files are)."""
    if not ctx.account_home:
        return
    if not ctx.each("s3.ListBuckets", _list):
        return
    _regions(ctx, located=ctx.each("s3.GetBucketLocation", _location))
    ctx.each("s3.GetBucketTagging", _tagging)
    ctx.each("s3.GetBucketVersioning", _versioning)
    ctx.each("s3.GetBucketLifecycleConfiguration", _lifecycle)
    _rows(ctx)


def _list(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(_Buckets)
    for j, b in enumerate(list_of(call.response, "Buckets", "")):
        w = f"Buckets[{j}]."
        b = as_obj(b, w)
        state.listed[str_of(b, "Name", w)] = opt_str(b, "BucketRegion", w) or None


def _location(ctx: RegionContext, src: int, call: Call) -> None:
    name = call.params.get("Bucket")
    if not isinstance(name, str):
        raise ShapeError("params.Bucket: expected a bucket name")
    ctx.state(_Buckets).location[name] = bucket_region(opt_str(call.response, "LocationConstraint", ""))


def _regions(ctx: RegionContext, *, located: bool) -> None:
    """Each listed bucket's Region: ``BucketRegion``, else GetBucketLocation's answer. A bundle
    without GetBucketLocation (older than version 3) reads a missing ``BucketRegion`` as
    us-east-1, as its collector did; one with it but no call for such a bucket is incomplete."""
    state = ctx.state(_Buckets)
    audited = set(ctx.regions)
    for name, listed in state.listed.items():
        if listed is not None:
            region = bucket_region(listed)
        elif name in state.location:
            region = state.location[name]
        elif located:
            ctx.incomplete("s3.GetBucketLocation", f"no call for bucket {name} (listed without BucketRegion)")
            continue
        else:
            region = "us-east-1"
        if region in audited:
            state.region[name] = region
    ctx.listed("s3.ListBuckets", len(state.region))


def _bucket(ctx: RegionContext, call: Call) -> str | None:
    name = call.params.get("Bucket")
    if not isinstance(name, str):
        raise ShapeError("params.Bucket: expected a bucket name")
    return name if name in ctx.state(_Buckets).region else None


def _tagging(ctx: RegionContext, src: int, call: Call) -> None:
    name = _bucket(ctx, call)
    if name is not None:
        ctx.state(_Buckets).tags[name] = tags_of(call.response, "TagSet", "")


def _versioning(ctx: RegionContext, src: int, call: Call) -> None:
    name = _bucket(ctx, call)
    if name is not None:
        # No Status: versioning was never enabled on the bucket.
        ctx.state(_Buckets).versioning[name] = opt_str(call.response, "Status", "") or "Disabled"


def _lifecycle(ctx: RegionContext, src: int, call: Call) -> None:
    name = _bucket(ctx, call)
    if name is None:
        return
    days = math.nan
    for j, rule in enumerate(list_of(call.response, "Rules", "")):
        w = f"Rules[{j}]."
        rule = as_obj(rule, w)
        if str_of(rule, "Status", w) != "Enabled" or "NoncurrentVersionExpiration" not in rule:
            continue
        found = opt_num(
            obj_of(rule, "NoncurrentVersionExpiration", w),
            "NoncurrentDays",
            f"{w}NoncurrentVersionExpiration.",
        )
        if found is not None and (math.isnan(days) or found < days):
            days = found
    ctx.state(_Buckets).expiry[name] = days


def _rows(ctx: RegionContext) -> None:
    state = ctx.state(_Buckets)
    missing = sorted(n for n in state.region if n not in state.versioning)
    if missing:
        ctx.incomplete("s3.GetBucketVersioning", f"no call for bucket {missing[0]}")
    rows: list[ResourceRow] = [
        resource_row(
            arn=f"arn:{ctx.partition}:s3:::{name}",
            account_id=ctx.account,
            region=region,
            resource_type="S3",
            service="s3",
            name=name,
            tags=state.tags.get(name, {}),
            versioning=state.versioning.get(name),
            noncurrent_expiration_days=state.expiry.get(name, math.nan),
        )
        for name, region in state.region.items()
    ]
    ctx.out.resources.extend(NO_FILE, rows)


SERVICE = Service(name="s3", operations=OPERATIONS, kinds=KINDS, loader=load)
