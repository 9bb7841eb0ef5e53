"""Organizations: BACKUP_POLICY policies (moto rejects the type) and DescribeEffectivePolicy."""

from __future__ import annotations

import json
from typing import Any

from moto.organizations import utils as org_utils
from moto.organizations.models import FakePolicy, OrganizationsBackend, organizations_backends
from moto.organizations.responses import OrganizationsResponse

from auditor.sandbox.extensions._common import SandboxError, utcnow

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
    policy_type = params.get("PolicyType")
    if policy_type not in EFFECTIVE_POLICY_TYPES:
        raise SandboxError("InvalidInputException", f"You specified an invalid value: {policy_type}")
    backend = _management_backend(self)
    target_id = params.get("TargetId") or self.current_account
    account = next((a for a in backend.accounts if a.id == target_id), None)
    if account is None:
        raise SandboxError("TargetNotFoundException", "You specified a target that doesn't exist.")
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
    if not documents:
        raise SandboxError(
            "EffectivePolicyNotFoundException",
            f"We can't find an effective policy of type {policy_type} for target {target_id}.",
        )
    return json.dumps(
        {
            "EffectivePolicy": {
                "PolicyContent": json.dumps(merge_policies(documents)),
                "LastUpdatedTimestamp": utcnow().timestamp(),
                "TargetId": target_id,
                "PolicyType": policy_type,
            }
        }
    )


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
    setattr(org_utils, "BACKUP_POLICY_ARN_FORMAT", BACKUP_POLICY_ARN_FORMAT)  # noqa: B010
