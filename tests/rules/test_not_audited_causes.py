"""What BKP-090 says about a collection error (``auditor/rules/_not_audited.py``): the cause of each
error code, the advice for each cause, the IAM actions a denied call lacks, and which failed call
kept an operation from being made. Unit tests: fast, so ``make mutation`` runs them first."""

from __future__ import annotations

import pytest

from auditor.rules._not_audited import advice, cause_of, iam_action, iam_actions_of, root_of


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        # AWS error codes (the error body's Code) and HTTP statuses
        ("AccessDeniedException", "permission"),
        ("UnauthorizedOperation", "permission"),
        ("403", "permission"),
        ("ThrottlingException", "throttling"),
        ("RequestLimitExceeded", "throttling"),
        ("429", "throttling"),
        ("RequestTimeout", "timeout"),
        ("504", "timeout"),
        ("ServiceUnavailable", "endpoint"),
        ("503", "endpoint"),
        # https://repost.aws/knowledge-center/iam-validate-access-credentials
        ("AuthFailure", "region-not-enabled"),
        ("InvalidClientTokenId", "region-not-enabled"),
        # exception classes the collector records when AWS returned no error
        ("EndpointConnectionError", "endpoint"),
        ("ReadTimeoutError", "timeout"),
        # anything else
        ("ValidationException", "error"),
        ("accessdeniedexception", "error"),  # codes are case-sensitive
    ],
)
def test_each_error_code_has_its_cause(code: str, cause: str) -> None:
    assert cause_of(code) == cause


def test_no_error_code_means_not_collected() -> None:
    assert cause_of(None) == "not-collected"


def test_permission_advice_names_each_missing_action_once_in_order() -> None:
    actions = ["ec2:DescribeVolumes", "backup:ListBackupPlans", "ec2:DescribeVolumes"]
    assert advice("permission", actions) == (
        "Grant the audit role backup:ListBackupPlans, ec2:DescribeVolumes and run again."
    )
    assert advice("permission", iter(["sts:AssumeRole"]), scope="the management account role") == (
        "Grant the management account role sts:AssumeRole and run again."
    )


def test_permission_advice_without_actions_asks_for_the_role_itself() -> None:
    assert advice("permission") == "Let the auditing principal use the audit role and run again."
    assert advice("permission", [], scope="OrganizationAccountAccessRole") == (
        "Let the auditing principal use OrganizationAccountAccessRole and run again."
    )


ADVICE = {
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
    "error": "Read the error above; if it persists, check the service status and the audit role, then "
    "run again.",
}


@pytest.mark.parametrize("cause", sorted(ADVICE))
def test_other_causes_advise_without_asking_for_a_permission(cause: str) -> None:
    """The advice is a finding's last sentences, word for word (the flags are the CLI's own)."""
    assert advice(cause, ["backup:ListBackupPlans"]) == ADVICE[cause]


def test_an_unknown_cause_gets_the_generic_advice() -> None:
    assert advice("something-new") == ADVICE["error"]


def test_iam_action_of_a_declared_operation_and_of_others() -> None:
    assert iam_action("backup.ListBackupPlans") == "backup:ListBackupPlans"
    # EFS's IAM prefix is elasticfilesystem, not the client name:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticfilesystem.html
    assert iam_action("efs.DescribeFileSystems") == "elasticfilesystem:DescribeFileSystems"
    assert iam_action("efs.DescribeTags") == "elasticfilesystem:DescribeTags"
    # not a regional operation of a service declaration: service prefix and operation name
    assert iam_action("organizations.ListAccounts") == "organizations:ListAccounts"


def test_a_denied_call_may_lack_the_actions_the_sdk_calls_first() -> None:
    """Timestream's SDK discovers its endpoint first (DescribeEndpoints): denied, the call fails.
    https://docs.aws.amazon.com/timestream/latest/developerguide/Using.API.html#Using-API.endpoint-discovery"""
    timestream = iam_actions_of("timestream-write.ListDatabases")
    assert timestream[0] == "timestream:ListDatabases"
    assert "timestream:DescribeEndpoints" in timestream[1:]
    assert iam_actions_of("backup.ListBackupPlans") == ("backup:ListBackupPlans",)


SELECTIONS = "backup.GetBackupSelection"
SELECTION_LIST = "backup.ListBackupSelections"
PLAN_LIST = "backup.ListBackupPlans"


def test_root_is_the_failed_listing_above_calls_never_made() -> None:
    failed = {SELECTIONS: None, SELECTION_LIST: None, PLAN_LIST: "AccessDeniedException"}
    assert root_of(SELECTIONS, failed) == PLAN_LIST
    assert root_of(SELECTION_LIST, failed) == PLAN_LIST
    assert root_of(PLAN_LIST, failed) == PLAN_LIST


def test_a_call_that_failed_itself_is_its_own_root() -> None:
    failed = {SELECTIONS: "ThrottlingException", SELECTION_LIST: None, PLAN_LIST: "AccessDeniedException"}
    assert root_of(SELECTIONS, failed) == SELECTIONS


def test_the_root_stops_below_a_listing_that_did_not_fail() -> None:
    assert root_of(SELECTIONS, {SELECTIONS: None}) == SELECTIONS
    assert root_of(SELECTIONS, {SELECTIONS: None, SELECTION_LIST: None}) == SELECTION_LIST
    assert root_of(PLAN_LIST, {PLAN_LIST: None}) == PLAN_LIST, "a listing has no listing above it"
