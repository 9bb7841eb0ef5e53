"""AWS Organizations: the organization, its accounts and its backup policies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import Context
from auditor.model.rows import PolicyValidationRow, account_ou_row, policy_row, policy_validation_row
from auditor.model.shapes import ShapeError, as_obj, list_of, obj_of, opt_str, str_of, strs_of
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
    # -- organization backup policy validation (BKP-043), bundle version 3
    Operation(
        "organizations",
        "ListAccountsWithInvalidEffectivePolicy",
        Scope.ORGANIZATION,
        params=({"PolicyType": "BACKUP_POLICY"},),
        page_size=(20, 1),
        absent_codes=frozenset({"EffectivePolicyNotFoundException"}),
        since=3,
        required=False,
        doc="accounts whose effective backup policy AWS reports as invalid",
    ),
    Operation(
        "organizations",
        "ListEffectivePolicyValidationErrors",
        Scope.ORGANIZATION,
        per_account=True,
        item_params={"AccountId": "{account}", "PolicyType": "BACKUP_POLICY"},
        page_size=(20, 1),
        absent_codes=frozenset({"EffectivePolicyNotFoundException"}),
        since=3,
        required=False,
        doc="skipped when the organization could not be described; an account without an effective backup policy: no call stored and no error",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


def load(ctx: Context) -> None:
    """Each audited account's effective backup policy, the accounts whose effective backup
    policy AWS reports as invalid with its validation errors, and each account's place in the OU
    tree (organization-wide files)."""
    ctx.each("organizations.DescribeEffectivePolicy", _effective_policy)
    ctx.each("organizations.ListAccountsWithInvalidEffectivePolicy", _invalid_accounts)
    ctx.each("organizations.ListEffectivePolicyValidationErrors", _validation_errors)
    _add_invalid(ctx)
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


@dataclass
class _Invalid:
    """Accounts ListAccountsWithInvalidEffectivePolicy listed (``src``, name), and the validation
    errors read for each."""

    listed: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    errors: dict[str, list[tuple[int, PolicyValidationRow]]] = field(default_factory=dict)


def _invalid_accounts(ctx: Context, src: int, call: Call) -> None:
    invalid = ctx.state(_Invalid)
    for j, item in enumerate(list_of(call.response, "Accounts", "")):
        w = f"Accounts[{j}]."
        item = as_obj(item, w)
        invalid.listed.setdefault(str_of(item, "Id", w), (src, opt_str(item, "Name", w)))


def _validation_errors(ctx: Context, src: int, call: Call) -> None:
    account = opt_str(call.response, "AccountId", "") or opt_str(call.params, "AccountId", "params.")
    if account is None:
        raise ShapeError("no AccountId in params or response")
    rows = ctx.state(_Invalid).errors.setdefault(account, [])
    for j, item in enumerate(list_of(call.response, "EffectivePolicyValidationErrors", "")):
        w = f"EffectivePolicyValidationErrors[{j}]."
        item = as_obj(item, w)
        row = policy_validation_row(
            account_id=account,
            error_code=opt_str(item, "ErrorCode", w),
            error_message=opt_str(item, "ErrorMessage", w),
            path_to_error=opt_str(item, "PathToError", w),
            contributing_policies=strs_of(item, "ContributingPolicies", w),
            listed_invalid=False,
        )
        rows.append((src, row))


def _add_invalid(ctx: Context) -> None:
    """One row per validation error of an account AWS lists as invalid, or one row without an
    error for a listed account whose errors were not read; errors of accounts it does not list
    are kept too (``listed_invalid`` False)."""
    invalid = ctx.state(_Invalid)
    for account in sorted(invalid.listed.keys() | invalid.errors.keys()):
        listed = invalid.listed.get(account)
        errors = invalid.errors.get(account, [])
        for src, row in errors:
            ctx.out.policy_validation.add(
                src,
                row._replace(listed_invalid=listed is not None, account_name=listed[1] if listed else None),
            )
        if listed is not None and not errors:
            ctx.out.policy_validation.add(
                listed[0],
                policy_validation_row(account_id=account, account_name=listed[1], listed_invalid=True),
            )


SERVICE = Service(name="organizations", operations=OPERATIONS, loader=load)
