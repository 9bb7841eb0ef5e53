"""Test helpers: boto3 clients against a sandbox that also record raw response bodies."""

from __future__ import annotations

from typing import Any

import boto3
from botocore import xform_name
from botocore.config import Config

from auditor.sandbox.seed import SeededOrg
from auditor.sandbox.shapes import validate_parsed, validate_wire

FAST_FAIL = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


class RecordingClient:
    """A boto3 client whose last raw response body per operation is kept for wire validation."""

    def __init__(
        self, endpoint_url: str, service: str, region: str = "us-east-1", **credentials: str
    ) -> None:
        self.service = service
        self.client: Any = boto3.client(  # type: ignore[call-overload]  # the stubs type client() per literal service name
            service,
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=credentials.get("aws_access_key_id", "testing"),
            aws_secret_access_key=credentials.get("aws_secret_access_key", "testing"),
            aws_session_token=credentials.get("aws_session_token", "testing"),
            config=FAST_FAIL,
        )
        self.raw: dict[str, bytes] = {}
        self.client.meta.events.register("before-parse", self._record)

    def _record(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        self.raw[operation_model.name] = response_dict["body"]

    def check(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` and assert its parsed and raw responses match botocore's output shape."""
        method = getattr(self.client, xform_name(operation))
        response: dict[str, Any] = method(**params)
        problems = validate_parsed(self.service, operation, response)
        problems += validate_wire(self.service, operation, self.raw[operation])
        assert problems == [], f"{self.service}.{operation} does not match botocore's shape: {problems}"
        return response


def client_as(org: SeededOrg, account_id: str, service: str, region: str = "us-east-1") -> RecordingClient:
    """A client acting as ``account_id``: the management account's own, or the assumed audit role."""
    if account_id == org.management_account_id:
        return RecordingClient(org.endpoint_url, service, region)
    sts = RecordingClient(org.endpoint_url, "sts")
    credentials = sts.client.assume_role(RoleArn=org.role_arn(account_id), RoleSessionName="tests")[
        "Credentials"
    ]
    return RecordingClient(
        org.endpoint_url,
        service,
        region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
