"""BKP-033's reading of a vault access policy on shapes the existing tests do not reach: a single
statement object, statements in any order, conditions that do more than exempt the listed
principals, malformed documents (read, never a crash), and the message naming every action not
denied (mutation-run survivors of bkp_033)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.evidence import read_bundle
from auditor.rules.bkp_033_vault_allows_manual_deletion import PROTECTED_ACTIONS, denied_actions
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

ALL = frozenset(PROTECTED_ACTIONS)
ADMIN = "arn:aws:iam::111111111111:role/BackupAdmin"
OTHER = "arn:aws:iam::111111111111:role/Someone"
DENY: dict[str, Any] = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": list(PROTECTED_ACTIONS),
    "Resource": "*",
}


def _doc(statements: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def test_a_single_statement_object_is_read() -> None:
    """IAM's grammar allows ``Statement`` to be one statement object instead of a list."""
    assert denied_actions(_doc(DENY), ()) == ALL


def test_every_statement_is_read_whatever_comes_before() -> None:
    allow = {**DENY, "Effect": "Allow"}
    conditional = {**DENY, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert denied_actions(_doc([allow, DENY]), ()) == ALL
    assert denied_actions(_doc([conditional, DENY]), ()) == ALL


@pytest.mark.parametrize(
    "condition",
    [
        # two operators: more than leaving principals out
        {"ArnNotEquals": {"aws:PrincipalArn": [ADMIN]}, "Bool": {"aws:SecureTransport": "false"}},
        # two keys under one operator
        {"ArnNotEquals": {"aws:PrincipalArn": [ADMIN], "aws:SourceVpc": "vpc-1"}},
        # an operator that narrows the deny to the exempt principal instead of leaving it out
        {"ArnEquals": {"aws:PrincipalArn": [ADMIN]}},
        # another key than the principal ARN
        {"StringNotEquals": {"aws:PrincipalTag/team": "backup"}},
        # a principal that is not among the exempt ones
        {"ArnNotEquals": {"aws:PrincipalArn": [ADMIN, OTHER]}},
        # a condition block that is not an object
        [{"ArnNotEquals": {"aws:PrincipalArn": [ADMIN]}}],
    ],
)
def test_a_deny_whose_condition_does_more_than_exempt_the_listed_principals_does_not_count(
    condition: object,
) -> None:
    assert denied_actions(_doc([{**DENY, "Condition": condition}]), (ADMIN,)) == frozenset()


@pytest.mark.parametrize(
    "policy", ["[]", '"text"', _doc(5), _doc("x"), json.dumps({"Version": "2012-10-17"})]
)
def test_a_malformed_policy_denies_nothing(policy: str) -> None:
    assert denied_actions(policy, ()) == frozenset()


def test_the_message_names_every_action_not_denied(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.vault("kept", policy={"Version": "2012-10-17", "Statement": [{**DENY, "Effect": "Allow"}]})
    b.recovery_point(b.efs("fs-0a"), "EFS", vault="kept")
    (found,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-033")
    assert found.message == (
        f"Backup vault kept (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}) holds 1 recovery point(s) and has "
        f"an access policy that does not deny {', '.join(PROTECTED_ACTIONS)} to every principal."
    )
