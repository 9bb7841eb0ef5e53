"""Recycle Bin retention rules (they keep deleted EBS snapshots and AMIs, AWS Backup's included)."""

from __future__ import annotations

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.rows import rbin_rule_row
from auditor.model.shapes import NAN, as_obj, list_of, num_of, obj_of, opt_str, str_of
from auditor.services.base import Operation, Service

# -- declaration: operations and resource kinds -------------------------------------------------

RESOURCE_TYPES = ("EBS_SNAPSHOT", "EC2_IMAGE")

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "rbin", "ListRules", params=tuple({"ResourceType": t} for t in RESOURCE_TYPES), page_size=(100, 1)
    ),
)

# -- loader into frames -------------------------------------------------------------------------


def load(ctx: RegionContext) -> None:
    """Retention rules of both resource types (retention in days; other units are NaN)."""
    ctx.each("rbin.ListRules", _rules)


def _rules(ctx: RegionContext, src: int, call: Call) -> None:
    rtype = opt_str(call.params, "ResourceType", "params.")
    for j, rule in enumerate(list_of(call.response, "Rules", "")):
        w = f"Rules[{j}]."
        rule = as_obj(rule, w)
        period = obj_of(rule, "RetentionPeriod", w)
        value = num_of(period, "RetentionPeriodValue", w + "RetentionPeriod.")
        unit = opt_str(period, "RetentionPeriodUnit", w + "RetentionPeriod.")
        row = rbin_rule_row(
            account_id=ctx.account,
            region=ctx.region,
            identifier=str_of(rule, "Identifier", w),
            resource_type=opt_str(rule, "ResourceType", w) or rtype,
            retention_days=value if unit in (None, "DAYS") else NAN,
            status=opt_str(rule, "Status", w),
            lock_state=opt_str(rule, "LockState", w),
        )
        ctx.out.rbin_rules.add(src, row)


SERVICE = Service(name="rbin", operations=OPERATIONS, loader=load)
