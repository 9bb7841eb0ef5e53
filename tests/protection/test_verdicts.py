"""verdicts: the unsupported reasons, a match's effectiveness and a resource's own verdict, as the
module's docstring states them (survivors of mutants run on verdicts ahead of the mutmut run)."""

from __future__ import annotations

import pytest

from auditor.protection.inputs import Gap
from auditor.protection.verdicts import (
    BLOCKED_OPT_IN,
    BLOCKED_OPT_IN_UNKNOWN,
    BLOCKED_UNSUPPORTED,
    VerdictColumns,
    effectiveness,
    own_verdict,
    unsupported_reason,
)
from auditor.protection.via import Via

GAP = Gap(operation="backup.DescribeRegionSettings", detail="not collected")


@pytest.mark.parametrize("versioning", ["Disabled", "Suspended"])
def test_s3_bucket_without_versioning_enabled_is_unsupported(versioning: str) -> None:
    assert unsupported_reason(False, False, "S3", versioning) == "s3-versioning"


@pytest.mark.parametrize("versioning", ["Enabled", None])
def test_s3_bucket_with_versioning_enabled_or_unknown_is_supported(versioning: str | None) -> None:
    assert unsupported_reason(False, False, "S3", versioning) is None


@pytest.mark.parametrize("resource_type", ["EBS", "DynamoDB", "EFS"])
def test_versioning_words_on_another_type_say_nothing(resource_type: str) -> None:
    assert unsupported_reason(False, False, resource_type, "Suspended") is None
    assert unsupported_reason(False, False, resource_type, "Disabled") is None


def test_rds_custom_and_outposts() -> None:
    assert unsupported_reason(True, False, "RDS") == "rds-custom"
    assert unsupported_reason(True, True, "RDS") == "rds-custom"
    assert unsupported_reason(False, True, "RDS") == "outposts"
    # Outposts only makes RDS unsupported
    assert unsupported_reason(False, True, "EBS") is None
    assert unsupported_reason(False, False, "RDS") is None


@pytest.mark.parametrize("via", list(Via))
@pytest.mark.parametrize("opt_in", [True, False, None])
def test_unsupported_is_never_effective(via: Via, opt_in: bool | None) -> None:
    assert effectiveness(via, "RDS", opt_in, "rds-custom") == (False, BLOCKED_UNSUPPORTED)


@pytest.mark.parametrize("via", [Via.ARN, Via.TYPE])
@pytest.mark.parametrize("opt_in", [False, None])
def test_arn_or_type_pattern_is_effective_with_opt_in_off(via: Via, opt_in: bool | None) -> None:
    assert effectiveness(via, "EBS", opt_in, None) == (True, None)


@pytest.mark.parametrize("resource_type", ["Aurora", "Neptune", "DocumentDB"])
def test_always_needing_opt_in_types_need_it_even_by_arn(resource_type: str) -> None:
    assert effectiveness(Via.ARN, resource_type, False, None) == (False, BLOCKED_OPT_IN)
    assert effectiveness(Via.TYPE, resource_type, None, None) == (False, BLOCKED_OPT_IN_UNKNOWN)
    assert effectiveness(Via.ARN, resource_type, True, None) == (True, None)


@pytest.mark.parametrize("via", [v for v in Via if v.needs_opt_in])
def test_other_routes_need_the_opt_in(via: Via) -> None:
    assert effectiveness(via, "EBS", True, None) == (True, None)
    assert effectiveness(via, "EBS", False, None) == (False, BLOCKED_OPT_IN)
    assert effectiveness(via, "EBS", None, None) == (False, BLOCKED_OPT_IN_UNKNOWN)


def test_own_verdict() -> None:
    # unsupported: never protected, even with an effective match or gaps
    assert own_verdict("rds-custom", True, [GAP]) is False
    assert own_verdict("outposts", False, [GAP]) is False
    assert own_verdict(None, True, [GAP]) is True
    assert own_verdict(None, True, []) is True
    assert own_verdict(None, False, [GAP]) is None
    assert own_verdict(None, False, []) is False


def test_verdict_columns_start_undecided_and_empty() -> None:
    out = VerdictColumns(3)
    assert out.protected == [None, None, None]
    assert out.reasons == ["", "", ""]
    assert out.unsupported == [None, None, None]
    assert out.opt_in == [None, None, None]
    assert VerdictColumns(0).protected == []
