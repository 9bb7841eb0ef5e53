"""AWS Organizations: the organization, its accounts and its backup policies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import Context
from auditor.model.rows import account_ou_row, policy_row
from auditor.model.shapes import ShapeError, list_of, obj_of, opt_str, str_of
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
    # -- the organization's structure (OU tree), bundle version 3 -----------------------------
    Operation("organizations", "ListRoots", Scope.ORGANIZATION, page_size=(20, 1), since=3, required=False),
    Operation(
        "organizations",
        "ListOrganizationalUnitsForParent",
        Scope.ORGANIZATION,
        parent="organizations.ListRoots",
        items="Roots",
        item_params={"ParentId": "{item[Id]}"},
        recurse_items="OrganizationalUnits",
        page_size=(20, 1),
        since=3,
        required=False,
        doc="per root, then per organizational unit found, down the tree",
    ),
    Operation(
        "organizations",
        "ListAccountsForParent",
        Scope.ORGANIZATION,
        parent="organizations.ListRoots",
        items="Roots",
        item_params={"ParentId": "{item[Id]}"},
        page_size=(20, 1),
        since=3,
        required=False,
        doc="per root and per organizational unit: the accounts directly under it",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


def load(ctx: Context) -> None:
    """Each audited account's effective backup policy and its place in the OU tree
    (organization-wide files)."""
    ctx.each("organizations.DescribeEffectivePolicy", _effective_policy)
    tree = ctx.state(_Tree)
    if ctx.each("organizations.ListRoots", _roots):
        ctx.each("organizations.ListOrganizationalUnitsForParent", _units)
        ctx.each("organizations.ListAccountsForParent", _accounts)
        for account_id, (parent, src) in sorted(tree.accounts.items()):
            ids = tree.chain(parent)
            path = "/".join(tree.names.get(i, i) for i in ids)
            ctx.out.account_ous.add(src, account_ou_row(account_id, parent, path, ids))


@dataclass
class _Tree:
    """The organization's roots and units (id -> name, id -> parent id) and accounts' parents."""

    names: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, tuple[str, int]] = field(default_factory=dict)

    def chain(self, node: str) -> tuple[str, ...]:
        """Ids from the root down to ``node`` (a cycle, which AWS never returns, stops the walk)."""
        out = [node]
        while out[-1] in self.parents and len(out) <= MAX_DEPTH:
            out.append(self.parents[out[-1]])
        return tuple(reversed(out))


MAX_DEPTH = 10
"""AWS Organizations nests organizational units five deep under a root; a longer chain is a loop."""


def _roots(ctx: Context, src: int, call: Call) -> None:
    tree = ctx.state(_Tree)
    for j, root in enumerate(list_of(call.response, "Roots", "")):
        w = f"Roots[{j}]."
        root_id = str_of(root, "Id", w)
        tree.names[root_id] = opt_str(root, "Name", w) or "Root"


def _units(ctx: Context, src: int, call: Call) -> None:
    tree = ctx.state(_Tree)
    parent = str_of(call.params, "ParentId", "params.")
    for j, unit in enumerate(list_of(call.response, "OrganizationalUnits", "")):
        w = f"OrganizationalUnits[{j}]."
        unit_id = str_of(unit, "Id", w)
        tree.names[unit_id] = opt_str(unit, "Name", w) or unit_id
        tree.parents[unit_id] = parent


def _accounts(ctx: Context, src: int, call: Call) -> None:
    tree = ctx.state(_Tree)
    parent = str_of(call.params, "ParentId", "params.")
    for j, account in enumerate(list_of(call.response, "Accounts", "")):
        tree.accounts[str_of(account, "Id", f"Accounts[{j}].")] = (parent, src)


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
