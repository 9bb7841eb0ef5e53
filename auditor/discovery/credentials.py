"""Per-account credentials: the audit role, assumed once per account and refreshed before expiry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiobotocore.credentials import AioRefreshableCredentials
from botocore.credentials import ReadOnlyCredentials

from auditor.config import SESSION_NAME

AssumeRoleCall = Callable[[], Awaitable[Mapping[str, Any]]]
"""Calls sts:AssumeRole and returns the response's ``Credentials`` member."""

# aiobotocore refreshes when fewer than this many seconds of validity remain (its defaults:
# advisory 15 min, mandatory 10 min). A client built from frozen credentials therefore always
# starts with at least ADVISORY_REFRESH_S of validity.
ADVISORY_REFRESH_S = 15 * 60
MANDATORY_REFRESH_S = 10 * 60


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    """``arn:<partition>:iam::<account>:role/<role_name>`` (``role_name`` may carry a path)."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name.strip('/')}"


def _metadata(credentials: Mapping[str, Any]) -> dict[str, Any]:
    expiration = credentials["Expiration"]
    if isinstance(expiration, datetime):
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        expiry = expiration.astimezone(UTC).isoformat()
    else:
        expiry = str(expiration)
    return {
        "access_key": credentials["AccessKeyId"],
        "secret_key": credentials["SecretAccessKey"],
        "token": credentials["SessionToken"],
        "expiry_time": expiry,
    }


class AssumedRole:
    """The audit role's credentials in one account.

    Assumed once (:meth:`assume`); :meth:`frozen` returns credentials valid for at least
    :data:`ADVISORY_REFRESH_S` more seconds, re-assuming the role (once, under aiobotocore's
    refresh lock) when the current ones are about to expire.
    """

    def __init__(self, account_id: str, arn: str, credentials: AioRefreshableCredentials) -> None:
        self.account_id = account_id
        self.arn = arn
        self._credentials = credentials

    @classmethod
    async def assume(cls, account_id: str, arn: str, call: AssumeRoleCall) -> AssumedRole:
        """Assume the role now (errors propagate: the caller records them)."""
        first = _metadata(await call())

        async def refresh() -> dict[str, Any]:
            return _metadata(await call())

        credentials = AioRefreshableCredentials.create_from_metadata(
            metadata=first,
            refresh_using=refresh,
            method="assume-role",
            advisory_timeout=ADVISORY_REFRESH_S,
            mandatory_timeout=MANDATORY_REFRESH_S,
        )
        return cls(account_id, arn, credentials)

    async def frozen(self) -> ReadOnlyCredentials:
        """Current credentials, refreshed first if they are within the refresh window."""
        return await self._credentials.get_frozen_credentials()


__all__ = ["SESSION_NAME", "AssumeRoleCall", "AssumedRole", "role_arn"]
