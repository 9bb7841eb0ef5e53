"""The trust-policy check the sandbox's sts:AssumeRole applies when the role exists."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditor.sandbox.extensions.sts import trust_allows

CALLER = "111111111111"
CALLER_ARN = f"arn:aws:iam::{CALLER}:root"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


@pytest.mark.parametrize(
    ("document", "external_id", "allowed"),
    [
        (_policy(_allow({"AWS": CALLER_ARN})), None, True),
        (_policy(_allow({"AWS": CALLER})), None, True),
        (_policy(_allow({"AWS": ["arn:aws:iam::222222222222:root", CALLER_ARN]})), None, True),
        (_policy(_allow("*")), None, True),
        (_policy(_allow({"AWS": "arn:aws:iam::222222222222:root"})), None, False),
        (_policy(_allow({"Service": "backup.amazonaws.com"})), None, False),
        (_policy(_allow({"AWS": CALLER_ARN}), {**_allow({"AWS": "*"}), "Effect": "Deny"}), None, False),
        (_policy({**_allow({"AWS": CALLER_ARN}), "Action": "sts:TagSession"}), None, False),
        (
            _policy(_allow({"AWS": CALLER_ARN}, Condition={"StringEquals": {"sts:ExternalId": "x1"}})),
            "x1",
            True,
        ),
        (
            _policy(_allow({"AWS": CALLER_ARN}, Condition={"StringEquals": {"sts:ExternalId": "x1"}})),
            "x2",
            False,
        ),
        (
            _policy(_allow({"AWS": CALLER_ARN}, Condition={"StringEquals": {"sts:ExternalId": "x1"}})),
            None,
            False,
        ),
    ],
)
def test_trust_allows(document: str, external_id: str | None, allowed: bool) -> None:
    assert trust_allows(document, CALLER, CALLER_ARN, external_id) is allowed
