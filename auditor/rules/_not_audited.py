"""What BKP-090 needs to say *why* something was not collected: the cause of a collection error
(permission, throttling, timeout, endpoint, Region not enabled) and the advice that fits it.

Error codes are those AWS returns in the error body, or the exception class name the collector
records when there was no AWS error (``EndpointConnectionError``, ``ReadTimeoutError`` ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from auditor.services import PARENT_OPERATIONS, REGIONAL_OPERATIONS, SERVICES

# Calls to a Region that is not enabled for the account (or made with global-endpoint session
# tokens there) fail with AuthFailure / InvalidClientTokenId:
# https://repost.aws/knowledge-center/iam-validate-access-credentials
_CODES: Final[Mapping[str, frozenset[str]]] = {
    "permission": frozenset(
        {
            "AccessDenied",
            "AccessDeniedException",
            "AccessDeniedForDependencyException",
            "AuthorizationError",
            "AuthorizationErrorException",
            "Forbidden",
            "UnauthorizedAccess",
            "UnauthorizedException",
            "UnauthorizedOperation",
            "403",
        }
    ),
    "throttling": frozenset(
        {
            "BandwidthLimitExceeded",
            "EC2ThrottledException",
            "LimitExceededException",
            "PriorRequestNotComplete",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "RequestThrottledException",
            "SlowDown",
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "TooManyRequestsException",
            "429",
        }
    ),
    "timeout": frozenset(
        {
            "ConnectTimeoutError",
            "DeadlineExceeded",
            "ReadTimeoutError",
            "RequestTimeout",
            "RequestTimeoutException",
            "ServerTimeoutError",
            "TimeoutError",
            "504",
        }
    ),
    "endpoint": frozenset(
        {
            "ClientConnectorError",
            "ClientOSError",
            "ConnectionClosedError",
            "EndpointConnectionError",
            "EndpointResolutionError",
            "HTTPClientError",
            "InternalError",
            "InternalFailure",
            "InternalServerError",
            "ProxyConnectionError",
            "ResponseParserError",
            "ServerDisconnectedError",
            "ServiceUnavailable",
            "ServiceUnavailableException",
            "SSLError",
            "UnknownEndpoint",
            "500",
            "502",
            "503",
        }
    ),
    "region-not-enabled": frozenset(
        {"AuthFailure", "InvalidClientTokenId", "OptInRequired", "RegionDisabledException"}
    ),
}

CAUSE_LABELS: Final[Mapping[str, str]] = {
    "permission": "permission denied",
    "throttling": "throttling",
    "timeout": "timeout",
    "endpoint": "endpoint unreachable or failing",
    "region-not-enabled": "Region not enabled",
    "error": "error",
    "not-collected": "not collected",
}
"""Every cause, in the order findings list them."""


def cause_of(code: str | None) -> str:
    """The cause of a collection error code; ``not-collected`` when there was no error at all."""
    if code is None:
        return "not-collected"
    for cause, codes in _CODES.items():
        if code in codes:
            return cause
    return "error"


def advice(cause: str, iam_actions: Iterable[str] = (), *, scope: str = "the audit role") -> str:
    """What to do about ``cause`` (one or two sentences)."""
    if cause == "permission":
        actions = ", ".join(sorted(set(iam_actions)))
        grant = f"Grant {scope} {actions}" if actions else f"Let the auditing principal use {scope}"
        return f"{grant} and run again."
    return {
        "throttling": "AWS throttled the calls, no permission is missing: run again later or with a lower "
        "--max-concurrency / --per-region-concurrency.",
        "timeout": "The calls timed out, no permission is missing: run again when the network and the "
        "service respond (or with a larger time budget).",
        "endpoint": "The service endpoint could not be reached or answered with a server error, no "
        "permission is missing: check the network, proxy and --endpoint-url, then run again.",
        "region-not-enabled": "The Region looks not enabled for this account (or the session tokens are "
        "not valid there): enable it for the account, or leave it out of --regions, then run again.",
        "not-collected": "The bundle holds no record of it (the collection stopped before it, or its file "
        "is missing): collect again.",
    }.get(
        cause,
        "Read the error above; if it persists, check the service status and the audit role, then run again.",
    )


PARENT: Final[Mapping[str, str]] = PARENT_OPERATIONS
"""Per-item operation -> the listing whose items it is called for (never called if that failed)."""
IAM_ACTION: Final[Mapping[str, str]] = {op.key: op.iam_action for op in REGIONAL_OPERATIONS}


def iam_action(operation_key: str) -> str:
    service, _, name = operation_key.partition(".")
    prefix = {"efs": "elasticfilesystem"}.get(service, service)
    return IAM_ACTION.get(operation_key, f"{prefix}:{name}")


_SDK_ACTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    service.name: service.extra_iam_actions for service in SERVICES if service.extra_iam_actions
}
"""boto3 client -> IAM actions the SDK calls before its operations (``timestream:DescribeEndpoints``)."""


def iam_actions_of(operation_key: str) -> tuple[str, ...]:
    """The IAM actions a denied call of ``operation_key`` may lack: its own, and those the SDK calls
    first for its service (endpoint discovery: a denied ``DescribeEndpoints`` fails the operation)."""
    return (iam_action(operation_key), *_SDK_ACTIONS.get(operation_key.partition(".")[0], ()))


def root_of(operation: str, failed: Mapping[str, str | None]) -> str:
    """The failed call that kept ``operation`` from being made: itself when it failed with an
    error or has no failed listing above it; else (recursively) its listing's root.

    ``failed`` maps each operation not collected in a scope to its error code (None: no error)."""
    seen = operation
    while failed.get(seen) is None:
        parent = PARENT.get(seen)
        if parent is None or parent not in failed:
            return seen
        seen = parent
    return seen
