"""AWS Organizations: the organization, its accounts and its backup policies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.discovery.ous import places_from_calls
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
        places = places_from_calls(tree.roots, tree.units, tree.accounts)
        for account_id, place in sorted(places.items()):
            row = account_ou_row(account_id, place.ids[-1], place.path, place.ids)
            ctx.out.account_ous.add(tree.account_src[account_id], row)


@dataclass
class _Tree:
    """The OU tree's calls, shape-checked, for :func:`auditor.discovery.ous.places_from_calls`
    (the same reading ``collect --ou`` makes of them)."""

    roots: dict[str, list[object]] = field(default_factory=lambda: {"Roots": []})
    units: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)
    accounts: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)
    account_src: dict[str, int] = field(default_factory=dict)


def _roots(ctx: Context, src: int, call: Call) -> None:
    for j, root in enumerate(list_of(call.response, "Roots", "")):
        str_of(root, "Id", f"Roots[{j}].")
        ctx.state(_Tree).roots["Roots"].append(root)


def _units(ctx: Context, src: int, call: Call) -> None:
    str_of(call.params, "ParentId", "params.")
    for j, unit in enumerate(list_of(call.response, "OrganizationalUnits", "")):
        str_of(unit, "Id", f"OrganizationalUnits[{j}].")
    ctx.state(_Tree).units.append((call.params, call.response))


def _accounts(ctx: Context, src: int, call: Call) -> None:
    tree = ctx.state(_Tree)
    str_of(call.params, "ParentId", "params.")
    for j, account in enumerate(list_of(call.response, "Accounts", "")):
        tree.account_src[str_of(account, "Id", f"Accounts[{j}].")] = src
    tree.accounts.append((call.params, call.response))


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
