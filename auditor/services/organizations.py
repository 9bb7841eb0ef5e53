"""AWS Organizations: the organization, its accounts and its backup policies."""

from __future__ import annotations

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


SERVICE = Service(name="organizations", operations=OPERATIONS, loader=None)
