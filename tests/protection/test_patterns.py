"""Property-based tests of the selection pattern matcher against reference implementations."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.protection.patterns import (
    TagCondition,
    Via,
    classify,
    match_arn,
    string_like,
    tag_key,
)

# Characters that occur in ARNs, in both cases, plus the ones special to regexes and fnmatch.
ALPHABET = "abAB:/-_.*?[]()+^$|\\{}"
text = st.text(alphabet=ALPHABET, max_size=24)
arn_text = st.text(alphabet="abAB:/-_.?[]()+^$|\\{}", max_size=24)  # no '*': a resource ARN


def reference_arn(pattern: str, arn: str) -> bool:
    """fnmatch with '?' and '[' made literal: only '*' is a wildcard in Resources patterns."""
    escaped = "".join({"?": "[?]", "[": "[[]"}.get(ch, ch) for ch in pattern)
    return fnmatch.fnmatchcase(arn, escaped)


def reference_like(pattern: str, value: str) -> bool:
    """fnmatch with '[' made literal: '*' and '?' are the StringLike wildcards."""
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def reference_dp(pattern: str, s: str) -> bool:
    """Independent dynamic-programming matcher for '*' only."""
    m, n = len(pattern), len(s)
    dp = [[False] * (n + 1) for _ in range(m + 1)]
    dp[0][0] = True
    for i in range(1, m + 1):
        dp[i][0] = dp[i - 1][0] and pattern[i - 1] == "*"
        for j in range(1, n + 1):
            if pattern[i - 1] == "*":
                dp[i][j] = dp[i - 1][j] or dp[i][j - 1]
            else:
                dp[i][j] = dp[i - 1][j - 1] and pattern[i - 1] == s[j - 1]
    return dp[m][n]


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(text, arn_text)
def test_match_arn_equals_fnmatch_reference(pattern: str, arn: str) -> None:
    assert match_arn(pattern, arn) == reference_arn(pattern, arn)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(text, arn_text)
def test_match_arn_equals_dynamic_programming_reference(pattern: str, arn: str) -> None:
    assert match_arn(pattern, arn) == reference_dp(pattern, arn)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(arn_text, arn_text)
def test_literal_pattern_matches_only_itself(pattern: str, arn: str) -> None:
    assert match_arn(pattern, arn) == (pattern == arn)
    assert match_arn(pattern, pattern)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(arn_text)
def test_star_alone_matches_everything(arn: str) -> None:
    assert match_arn("*", arn)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(arn_text, st.data())
def test_replacing_any_slice_with_star_still_matches(arn: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(arn)))
    j = data.draw(st.integers(i, len(arn)))
    assert match_arn(arn[:i] + "*" + arn[j:], arn)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(text, arn_text)
def test_string_like_equals_fnmatch_reference(pattern: str, value: str) -> None:
    assert string_like(pattern, value) == reference_like(pattern, value)


@st.composite
def case_pair(draw: st.DrawFn) -> tuple[str, str, int]:
    """A value with at least one letter, the same value with that letter's case swapped, and the
    letter's index: the two differ only in case."""
    before = draw(st.text(alphabet="abAB:/-_.", max_size=12))
    letter = draw(st.sampled_from("abAB"))
    after = draw(st.text(alphabet="abAB:/-_.", max_size=12))
    value = before + letter + after
    return value, before + letter.swapcase() + after, len(before)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(case_pair())
def test_matching_is_case_sensitive_on_both_sides(pair: tuple[str, str, int]) -> None:
    """AWS Backup compares ARN patterns and tag values case-sensitively: a pattern that differs from
    the value only in case matches neither way, with and without wildcards, while the value in its
    own case matches (so the assertion is never vacuous)."""
    value, swapped, at = pair
    for pattern, subject in ((swapped, value), (value, swapped)):
        assert match_arn(subject, subject) and string_like(subject, subject)
        assert not match_arn(pattern, subject)
        assert not string_like(pattern, subject)
        assert not classify(pattern).matches(subject)
        assert not TagCondition("StringEquals", "aws:ResourceTag/k", pattern).holds({"k": subject})
        assert not TagCondition("StringLike", "aws:ResourceTag/k", pattern).holds({"k": subject})
        # With wildcards around the letter whose case differs, still no match...
        wild = "*" + pattern[at] + "*"
        assert match_arn(wild, subject) == (pattern[at] in subject)
        assert string_like(wild, subject) == (pattern[at] in subject)
        # ...and a prefix pattern ending at that letter never matches; in the subject's case it does.
        assert not match_arn(pattern[: at + 1] + "*", subject)
        assert not string_like(pattern[: at + 1] + "*", subject)
        assert match_arn(subject[: at + 1] + "*", subject) and string_like(
            subject[: at + 1] + "?*", subject + "x"
        )


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]), text, text)
def test_negated_operators_are_complements_when_key_present(op: str, expected: str, actual: str) -> None:
    cond = TagCondition(op, "aws:ResourceTag/k", expected)
    negated = {
        "StringEquals": "StringNotEquals",
        "StringNotEquals": "StringEquals",
        "StringLike": "StringNotLike",
        "StringNotLike": "StringLike",
    }[op]
    tags = {"k": actual}
    assert cond.holds(tags) != TagCondition(negated, "aws:ResourceTag/k", expected).holds(tags)


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]), text)
def test_no_operator_holds_on_a_missing_key(op: str, expected: str) -> None:
    assert not TagCondition(op, "aws:ResourceTag/k", expected).holds({"other": expected})


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(st.text(min_size=1, max_size=10))
def test_tag_key_strips_only_the_resource_tag_prefix(key: str) -> None:
    assert tag_key(f"aws:ResourceTag/{key}") == key
    if not key.startswith("aws:ResourceTag/"):
        assert tag_key(key) == key


def test_classify_examples() -> None:
    assert classify("*").kind is Via.ALL
    assert classify("arn:aws:ec2:eu-west-1:111111111111:instance/i-1").kind is Via.ARN
    assert classify("arn:aws:ec2:*:*:instance/*").kind is Via.TYPE
    assert classify("arn:aws:rds:*:*:cluster:*").kind is Via.TYPE
    assert classify("arn:aws:rds:eu-west-1:111111111111:db:prod-*").kind is Via.TYPE
    assert classify("arn:aws:dynamodb:*:*:table/*").kind is Via.TYPE
    assert classify("arn:aws:ec2:*").kind is Via.SERVICE
    assert classify("arn:aws:rds:*:*:*").kind is Via.SERVICE
    assert classify("arn:aws:*").kind is Via.ALL
    assert classify("arn:aws:ec2:*").service == "ec2"
    # A wildcard before the service may span ':' so the service is not fixed.
    assert classify("arn:*:ec2:*").service is None
    assert classify("arn:*:ec2:*").kind is Via.ALL


@settings(deadline=None)  # a loaded CI machine must not fail a correct matcher
@given(arn_text)
def test_classify_without_star_is_exact_arn(pattern: str) -> None:
    assert classify(pattern).kind is (Via.ALL if pattern == "*" else Via.ARN)


def test_string_equals_and_not_equals_take_wildcards_literally() -> None:
    """Only StringLike / StringNotLike read `*` and `?` (API_Conditions); the equals operators compare."""
    tags = {"backup": "daily"}
    assert TagCondition("StringNotEquals", "aws:ResourceTag/backup", "d*").holds(tags)
    assert not TagCondition("StringNotLike", "aws:ResourceTag/backup", "d*").holds(tags)
    assert not TagCondition("StringEquals", "aws:ResourceTag/backup", "d*").holds(tags)
    assert TagCondition("StringLike", "aws:ResourceTag/backup", "d*").holds(tags)


def test_unknown_condition_operator_is_named() -> None:
    with pytest.raises(ValueError, match=r"^unknown condition operator 'StringEqualsIgnoreCase'$"):
        TagCondition("StringEqualsIgnoreCase", "aws:ResourceTag/backup", "daily")
