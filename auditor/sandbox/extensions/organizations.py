"""Organizations: BACKUP_POLICY policies (moto rejects the type) and DescribeEffectivePolicy."""

from __future__ import annotations

import json
from typing import Any

from moto.organizations import utils as org_utils
from moto.organizations.models import FakePolicy, OrganizationsBackend, organizations_backends
from moto.organizations.responses import OrganizationsResponse

from auditor.sandbox.extensions._common import SandboxError, paginate, utcnow

BACKUP_POLICY_ARN_FORMAT = "arn:{0}:organizations::{1}:policy/{2}/backup_policy/{3}"
EFFECTIVE_POLICY_TYPES = ("BACKUP_POLICY", "TAG_POLICY", "AISERVICES_OPT_OUT_POLICY")

_original_policy_init = FakePolicy.__init__


def _policy_init(self: Any, organization: Any, **kwargs: Any) -> None:
    if kwargs.get("Type") != "BACKUP_POLICY":
        _original_policy_init(self, organization, **kwargs)
        return
    # moto knows the type but has no ARN format for it: build it as a tag policy, then fix it up.
    _original_policy_init(self, organization, **{**kwargs, "Type": "TAG_POLICY"})
    self.type = "BACKUP_POLICY"
    self._arn_format = BACKUP_POLICY_ARN_FORMAT


def merge_policies(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Effective policy of management policies applied root first, account last: child values
    ``@@assign`` (or plain values) replace, ``@@append`` adds to lists, ``@@remove`` drops; operator
    keys are not part of the result (AWS Organizations guide, "Policy syntax and inheritance")."""
    merged: dict[str, Any] = {}
    for document in documents:
        _merge_into(merged, document)
    return merged


def _merge_into(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if key.startswith("@@"):
            continue  # @@operators_allowed_for_child_policies and friends: not part of the result
        if isinstance(value, dict) and any(k in value for k in ("@@assign", "@@append", "@@remove")):
            if "@@assign" in value:
                target[key] = _strip(value["@@assign"])
            if "@@append" in value:
                current = target.get(key)
                appended = _strip(value["@@append"])
                if isinstance(current, list) and isinstance(appended, list):
                    target[key] = current + [item for item in appended if item not in current]
                else:
                    target[key] = appended
            if "@@remove" in value:
                current = target.get(key)
                removed = _strip(value["@@remove"])
                if isinstance(current, list) and isinstance(removed, list):
                    target[key] = [item for item in current if item not in removed]
                else:
                    target.pop(key, None)
        elif isinstance(value, dict):
            child = target.get(key)
            if not isinstance(child, dict):
                child = {}
                target[key] = child
            _merge_into(child, value)
        else:
            target[key] = _strip(value)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        merged: dict[str, Any] = {}
        _merge_into(merged, value)
        return merged
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _management_backend(response: Any) -> OrganizationsBackend:
    backend: OrganizationsBackend = response.organizations_backend
    if backend.org is not None:
        return backend
    master = organizations_backends.master_accounts.get(response.current_account)
    if master is None:
        raise SandboxError(
            "AWSOrganizationsNotInUseException", "Your account is not a member of an organization."
        )
    managed: OrganizationsBackend = organizations_backends[master[0]][master[1]]
    return managed


def describe_effective_policy(self: Any) -> str:
    params = self.request_params
    policy_type = _policy_type(params)
    backend = _management_backend(self)
    target_id = params.get("TargetId") or self.current_account
    account = next((a for a in backend.accounts if a.id == target_id), None)
    if account is None:
        raise SandboxError("TargetNotFoundException", "You specified a target that doesn't exist.")
    merged = _effective(backend, account, policy_type)
    if merged is None:
        raise SandboxError(
            "EffectivePolicyNotFoundException",
            f"We can't find an effective policy of type {policy_type} for target {target_id}.",
        )
    return json.dumps(
        {
            "EffectivePolicy": {
                "PolicyContent": json.dumps(merged),
                "LastUpdatedTimestamp": utcnow().timestamp(),
                "TargetId": target_id,
                "PolicyType": policy_type,
            }
        }
    )


def _policy_type(params: Any) -> str:
    policy_type = params.get("PolicyType")
    if policy_type not in EFFECTIVE_POLICY_TYPES:
        raise SandboxError("InvalidInputException", f"You specified an invalid value: {policy_type}")
    return str(policy_type)


def _effective(backend: OrganizationsBackend, account: Any, policy_type: str) -> dict[str, Any] | None:
    """The merged policy of ``policy_type`` of ``account`` (root first), None when none applies."""
    chain: list[Any] = []
    parent_id: str | None = account.parent_id
    while parent_id:
        parent = next((ou for ou in backend.ou if ou.id == parent_id), None)
        if parent is None:
            break
        chain.insert(0, parent)
        parent_id = parent.parent_id if parent.type != "ROOT" else None
    chain.append(account)
    documents = [
        json.loads(policy.content)
        for holder in chain
        for policy in holder.attached_policies
        if policy.type == policy_type
    ]
    return merge_policies(documents) if documents else None


# -- effective policy validation (ListAccountsWithInvalidEffectivePolicy and its errors) ----------
# moto has neither operation. The sandbox's validation is its own, not AWS's: a BACKUP_POLICY plan
# needs non-empty `regions`, `rules` and `selections`, each rule `schedule_expression` and
# `target_backup_vault_name`, each selection `iam_role_arn`. Its error codes start with SANDBOX_
# so nobody mistakes them for AWS's.


def backup_policy_errors(merged: dict[str, Any]) -> list[dict[str, Any]]:
    """The sandbox's validation errors of an effective backup policy (see above)."""
    errors: list[dict[str, Any]] = []

    def missing(path: str, what: str) -> None:
        errors.append(
            {
                "ErrorCode": "SANDBOX_REQUIRED_ELEMENT_MISSING",
                "ErrorMessage": f"The effective policy has no {what}.",
                "PathToError": path,
                "ContributingPolicies": [],
            }
        )

    plans = merged.get("plans")
    if not isinstance(plans, dict) or not plans:
        missing("plans", "plans")
        return errors
    for name, plan in sorted(plans.items()):
        plan = plan if isinstance(plan, dict) else {}
        for key in ("regions", "rules", "selections"):
            if not plan.get(key):
                missing(f"plans.{name}.{key}", f"{key} in plan {name}")
        rules: dict[str, Any] = plan["rules"] if isinstance(plan.get("rules"), dict) else {}
        for rname, rule in sorted(rules.items()):
            for key in ("schedule_expression", "target_backup_vault_name"):
                if not (isinstance(rule, dict) and rule.get(key)):
                    missing(f"plans.{name}.rules.{rname}.{key}", f"{key} in rule {rname}")
        selections: dict[str, Any] = plan["selections"] if isinstance(plan.get("selections"), dict) else {}
        for kind, group in sorted(selections.items()):
            for sname, sel in sorted(group.items()) if isinstance(group, dict) else ():
                if not (isinstance(sel, dict) and sel.get("iam_role_arn")):
                    missing(
                        f"plans.{name}.selections.{kind}.{sname}.iam_role_arn", f"iam_role_arn in {sname}"
                    )
    return errors


def _contributing(backend: OrganizationsBackend, account: Any, policy_type: str) -> list[str]:
    holders = [account, *(ou for ou in backend.ou if ou.id == account.parent_id)]
    return sorted({p.id for h in holders for p in h.attached_policies if p.type == policy_type})


def list_accounts_with_invalid_effective_policy(self: Any) -> str:
    params = self.request_params
    policy_type = _policy_type(params)
    backend = _management_backend(self)
    invalid = []
    for account in sorted(backend.accounts, key=lambda a: a.id):
        merged = _effective(backend, account, policy_type)
        if merged is not None and policy_type == "BACKUP_POLICY" and backup_policy_errors(merged):
            invalid.append(
                {"Id": account.id, "Arn": account.arn, "Email": account.email, "Name": account.name}
            )
    page, token = paginate(
        invalid,
        params.get("MaxResults"),
        params.get("NextToken"),
        default_page=20,
        error_code="InvalidInputException",
    )
    answer: dict[str, Any] = {"Accounts": page, "PolicyType": policy_type}
    if token is not None:
        answer["NextToken"] = token
    return json.dumps(answer)


def list_effective_policy_validation_errors(self: Any) -> str:
    params = self.request_params
    policy_type = _policy_type(params)
    backend = _management_backend(self)
    account_id = params.get("AccountId")
    account = next((a for a in backend.accounts if a.id == account_id), None)
    if account is None:
        raise SandboxError("AccountNotFoundException", "You specified an account that doesn't exist.")
    merged = _effective(backend, account, policy_type)
    if merged is None:
        raise SandboxError(
            "EffectivePolicyNotFoundException",
            f"We can't find an effective policy of type {policy_type} for account {account_id}.",
        )
    errors = backup_policy_errors(merged) if policy_type == "BACKUP_POLICY" else []
    contributing = _contributing(backend, account, policy_type)
    for error in errors:
        error["ContributingPolicies"] = contributing
    page, token = paginate(
        errors,
        params.get("MaxResults"),
        params.get("NextToken"),
        default_page=20,
        error_code="InvalidInputException",
    )
    answer: dict[str, Any] = {
        "AccountId": account.id,
        "PolicyType": policy_type,
        "Path": f"{backend.org.id}/{account.parent_id}/{account.id}" if backend.org else account.id,
        "EvaluationTimestamp": utcnow().timestamp(),
        "EffectivePolicyValidationErrors": page,
    }
    if token is not None:
        answer["NextToken"] = token
    return json.dumps(answer)


def _without_nulls(original: Any) -> Any:
    """Wrap a moto handler that answers ``"NextToken": null`` on the last page (AWS omits it)."""

    def handler(self: Any) -> str:
        answer = json.loads(original(self))
        return json.dumps({k: v for k, v in answer.items() if v is not None})

    handler.__name__ = original.__name__
    return handler


def install() -> None:
    for name in ("list_policies", "list_accounts"):
        setattr(OrganizationsResponse, name, _without_nulls(getattr(OrganizationsResponse, name)))
    setattr(FakePolicy, "__init__", _policy_init)  # noqa: B010 - patching moto's class
    setattr(OrganizationsResponse, "describe_effective_policy", describe_effective_policy)  # noqa: B010
    for handler in (list_accounts_with_invalid_effective_policy, list_effective_policy_validation_errors):
        setattr(OrganizationsResponse, handler.__name__, handler)
    setattr(org_utils, "BACKUP_POLICY_ARN_FORMAT", BACKUP_POLICY_ARN_FORMAT)  # noqa: B010
