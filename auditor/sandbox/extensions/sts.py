"""STS AssumeRole honours the role's trust policy when the role exists (moto ignores it), so a
member account whose audit role does not trust the caller is denied, as in AWS."""

from __future__ import annotations

import fnmatch
import json
import uuid
from typing import Any
from xml.sax.saxutils import escape

from moto.iam.models import iam_backends
from moto.sts.responses import TokenResponse
from werkzeug.exceptions import HTTPException


class AccessDeniedError(HTTPException):
    """``AccessDenied``, HTTP 403, in STS's XML error format (STS's model has no shape for it, so
    moto's serialiser would answer 400)."""

    code = 403

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message
        self.description = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
            "</ErrorResponse>"
        )

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "text/xml"), ("X-Amzn-ErrorType", "AccessDenied")]


_original_assume_role = TokenResponse.assume_role


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, caller_account: str, caller_arn: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for entry in _as_list(principal.get("AWS")):
        text = str(entry)
        if text == "*" or text == caller_account or text == f"arn:aws:iam::{caller_account}:root":
            return True
        if fnmatch.fnmatchcase(caller_arn, text):
            return True
    return False


def _action_matches(action: Any) -> bool:
    return any(fnmatch.fnmatchcase("sts:AssumeRole", str(a)) for a in _as_list(action))


def _conditions_hold(condition: Any, external_id: str | None) -> bool:
    if not condition:
        return True
    for operator, pairs in condition.items():
        for key, expected in pairs.items():
            if key.lower() != "sts:externalid":
                continue  # other condition keys are not modelled: treat as satisfied
            values = [str(v) for v in _as_list(expected)]
            if operator == "StringEquals" and external_id not in values:
                return False
            if operator == "StringLike" and not any(
                external_id is not None and fnmatch.fnmatchcase(external_id, v) for v in values
            ):
                return False
    return True


def trust_allows(document: str, caller_account: str, caller_arn: str, external_id: str | None) -> bool:
    """Whether a role trust policy lets the caller assume the role (explicit Deny wins)."""
    policy = json.loads(document)
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not _action_matches(statement.get("Action")):
            continue
        if not _principal_matches(statement.get("Principal"), caller_account, caller_arn):
            continue
        if not _conditions_hold(statement.get("Condition"), external_id):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def assume_role(self: Any) -> Any:
    role_arn = str(self._get_param("RoleArn") or "")
    parts = role_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        target_account = parts[4]
        role_name = parts[5].rsplit("/", 1)[-1]
        iam = iam_backends[target_account]["global"]
        role = next((r for r in iam.get_roles() if r.name == role_name), None)
        caller_account = self.current_account
        caller_arn = f"arn:aws:iam::{caller_account}:root"
        if role is not None and not trust_allows(
            role.assume_role_policy_document, caller_account, caller_arn, self._get_param("ExternalId")
        ):
            raise AccessDeniedError(
                f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            )
    return _original_assume_role(self)


def install() -> None:
    setattr(TokenResponse, "assume_role", assume_role)  # noqa: B010 - patching moto's class
