"""The fast paths of the ARN matchers answer as the documented rules do: ``Resources: ["*"]``
selects every resource, whatever its ARN holds (``*`` elsewhere in a pattern is a run of
non-whitespace characters: ``arn_regex``), and a pattern without ``*`` is an exact ARN. A bundle
is input: an odd ARN with a blank in it can reach the resolver (survivors of patterns mutants run
ahead of the mutmut run)."""

from __future__ import annotations

import pytest

from auditor.protection.patterns import classify, match_arn, pattern_hits

ODD = ["arn:aws:s3:::odd bucket", "arn:aws:ec2:eu-west-1:111122223333:volume/vol-1\tx", ""]


@pytest.mark.parametrize("arn", ODD)
def test_a_lone_star_matches_every_arn(arn: str) -> None:
    assert match_arn("*", arn) is True
    assert classify("*").matches(arn) is True


def test_a_lone_star_hits_every_arn_of_a_column() -> None:
    assert pattern_hits(classify("*"), ODD) == [True, True, True]


def test_a_star_inside_a_pattern_stops_at_whitespace() -> None:
    assert classify("arn:aws:s3:::*").matches("arn:aws:s3:::odd bucket") is False
    assert classify("arn:aws:s3:::*").matches("arn:aws:s3:::bucket") is True
    assert match_arn("arn:aws:s3:::*", "arn:aws:s3:::odd bucket") is False


@pytest.mark.parametrize("arn", ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket2", "arn:aws:s3:::Bucket"])
def test_a_pattern_without_star_is_one_exact_arn(arn: str) -> None:
    expected = arn == "arn:aws:s3:::bucket"
    assert classify("arn:aws:s3:::bucket").matches(arn) is expected
    assert match_arn("arn:aws:s3:::bucket", arn) is expected
    assert pattern_hits(classify("arn:aws:s3:::bucket"), [arn]) == [expected]


def test_a_pattern_with_stars_hits_as_match_arn_does() -> None:
    arns = ["arn:aws:s3:::bucket", "arn:aws:s3:::bin", "arn:aws:s3:::other", "arn:aws:s3:::b x"]
    pattern = "arn:aws:s3:::b*"
    hits = pattern_hits(classify(pattern), arns)
    assert hits == [True, True, False, False]
    assert hits == [match_arn(pattern, a) for a in arns]
    assert pattern_hits(classify("arn:aws:s3:::*t*"), arns) == [True, False, True, False]
