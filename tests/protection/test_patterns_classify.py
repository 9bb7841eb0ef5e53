"""classify: each Resources pattern's route and the literal service it fixes, one row per
sentence of its docstring ("Assign resources with AWS CLI": selection by service name / by
resource type; survivors of patterns mutants run ahead of the mutmut run)."""

from __future__ import annotations

import pytest

from auditor.protection.patterns import Via, classify

A = "111122223333"

CASES = [
    ("*", Via.ALL, None),
    (f"arn:aws:ec2:eu-west-1:{A}:volume/vol-1", Via.ARN, "ec2"),
    ("arn:aws:ec2", Via.ARN, "ec2"),  # no '*': an exact ARN, however short
    ("arn:aws:s3:::bucket", Via.ARN, "s3"),
    (f"arn:aws:ec2:eu-west-1:{A}:instance/*", Via.TYPE, "ec2"),
    (f"arn:aws:rds:*:{A}:db:*", Via.TYPE, "rds"),
    ("arn:aws:dynamodb:*:*:table/prod-*", Via.TYPE, "dynamodb"),
    ("arn:aws:ec2:*", Via.SERVICE, "ec2"),
    ("arn:aws:rds:*:*:*", Via.SERVICE, "rds"),
    ("arn:aws:ec2:*:*:*/vol-1", Via.SERVICE, "ec2"),
    ("arn:aws:*", Via.ALL, None),
    ("arn:*:ec2:*", Via.ALL, None),  # a wildcard before the service: it may span ':'
    ("arn:aws:ec*:*", Via.ALL, None),
    ("arn:aws::*", Via.ALL, None),  # no service
    ("xarn:aws:ec2:*", Via.SERVICE, "ec2"),  # not an ARN: never a type pattern
    (f"xarn:aws:ec2:eu-west-1:{A}:instance/*", Via.SERVICE, "ec2"),
    ("arn:aws:ec2:eu-west-1:" + A + ":instance/i-1:x:*", Via.TYPE, "ec2"),  # ':' kept in RESOURCE
]


@pytest.mark.parametrize(("pattern", "kind", "service"), CASES)
def test_classify(pattern: str, kind: Via, service: str | None) -> None:
    p = classify(pattern)
    assert (p.text, p.kind, p.service) == (pattern, kind, service)
