"""AWS Organizations: the organization, its accounts and its backup policies."""

from __future__ import annotations

import json

from auditor.evidence import Call
from auditor.model.loading import Context
from auditor.model.rows import policy_row
from auditor.model.shapes import ShapeError, obj_of, opt_str
from auditor.services.base import Operation, Scope, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation("organizations", "DescribeOrganization", Scope.ORGANIZATION),
    Operation("organizations", "ListAccounts", Scope.ORGANIZATION, page_size=(20, 1)),
    Operation(
        "organizations",
        "ListPolicies",
        Scope.ORGANIZATION,
        params=({"Filter": "BACKUP_POLICY"},),
        page_size=(20, 1),
    ),
    Operation(
        "organizations",
        "DescribeEffectivePolicy",
        Scope.ORGANIZATION,
        per_account=True,
        item_params={"PolicyType": "BACKUP_POLICY", "TargetId": "{account}"},
        absent_codes=frozenset({"EffectivePolicyNotFoundException"}),
        doc="skipped when the organization could not be described",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


def load(ctx: Context) -> None:
    """Each audited account's effective backup policy (organization-wide files)."""
    ctx.each("organizations.DescribeEffectivePolicy", _effective_policy)


def _effective_policy(ctx: Context, src: int, call: Call) -> None:
    pol = obj_of(call.response, "EffectivePolicy", "")
    target = opt_str(pol, "TargetId", "EffectivePolicy.") or opt_str(call.params, "TargetId", "params.")
    content = opt_str(pol, "PolicyContent", "EffectivePolicy.")
    if target is None or content is None:
        return
    try:
        doc = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ShapeError(f"EffectivePolicy.PolicyContent is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ShapeError("EffectivePolicy.PolicyContent must be a JSON object")
    ctx.out.policies.add(src, policy_row(target, doc))


SERVICE = Service(name="organizations", operations=OPERATIONS, loader=load)
