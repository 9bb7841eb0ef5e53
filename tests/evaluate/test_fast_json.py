"""orjson on the hot paths reads and writes exactly what json did.

``parse_json`` (bundle files) must return the values ``json.loads`` returns, and raise the same
errors; the findings writer's ``_encode_fast`` must write the text of the json encoder it replaces
(or fall back to it). Both are checked on generated values, floats of every magnitude included.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import BundleError
from auditor.evidence import bundle
from auditor.evidence.bundle import parse_json
from auditor.findings_json import _encode, _encode_fast
from auditor.model.results import Finding, Severity
from auditor.rules.base import json_safe

FINITE = st.floats(allow_nan=False, allow_infinity=False)
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | FINITE | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
PATH = Path("accounts/111111111111/us-east-1/backup.ListBackupJobs.json")


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_encode_fast_writes_what_json_writes(value: Any) -> None:
    assert _encode_fast(value) == _encode(value).encode()


@pytest.mark.parametrize(
    "value",
    [
        [1e-05, 5e-324, 1e16, 1.5e300, -2.5e-7, 0.0001, 123456789.125],
        {"age_hours": 3.0000000000000004e-05, "size": 1e22},
        {"arn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1e5", "n": 1},
        ['\x00\x1f\x7f\u2028 é 😀 "quoted" \\ \t\n'],
        {1: "integer key", None: "null key"},
        [2**64],
    ],
)
def test_encode_fast_on_the_forms_orjson_writes_otherwise(value: Any) -> None:
    """Exponents, tiny numbers, keys that are not strings, integers past 64 bits: json's text."""
    assert _encode_fast(value) == _encode(value).encode()


def test_encode_fast_writes_nan_as_null() -> None:
    """The one deliberate difference: json raised ValueError on NaN (details never hold one)."""
    with pytest.raises(ValueError):
        _encode([math.nan])
    assert _encode_fast([math.nan, math.inf]) == b"[null,null]"


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_parse_json_reads_what_json_reads(value: Any) -> None:
    raw = json.dumps(value, ensure_ascii=False).encode()
    assert parse_json(raw, PATH) == json.loads(raw)
    assert repr(parse_json(raw, PATH)) == repr(json.loads(raw))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"[NaN]", "bad number: NaN is not a JSON number"),
        (b"[1e400]", "bad number: number 1e400 is out of range"),
        (b"[123456789012345678901]", "bad number: integer 123456789012345678901 is out of the 64-bit range"),
        (b"[18446744073709551615]", "out of the 64-bit range"),
        (b'{"a": [1, 2}', "malformed JSON"),
        (b"\xff[]", "malformed JSON"),
    ],
)
def test_parse_json_errors_name_the_problem(raw: bytes, problem: str) -> None:
    with pytest.raises(BundleError, match=problem.replace("[", r"\[")):
        parse_json(raw, PATH)


def test_parse_json_reads_what_orjson_refuses() -> None:
    """A lone surrogate escape and a UTF-16 text are JSON json.loads reads; so does parse_json."""
    assert parse_json(b'["\\ud800"]', PATH) == ["\ud800"]
    assert parse_json('["é"]'.encode("utf-16"), PATH) == ["é"]
    assert parse_json(b"[-9223372036854775808]", PATH) == [-(2**63)]


def test_quick_finding_is_the_dataclass_finding() -> None:
    fields: dict[str, Any] = {
        "rule_id": "BKP-002",
        "severity": Severity.HIGH,
        "account_id": "111111111111",
        "region": "us-east-1",
        "resource_arn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        "resource_type": "EBS",
        "title": "t",
        "message": "m",
        "remediation": "r",
        "doc_url": "https://docs.aws.amazon.com/",
        "details": {"a": [1, 2]},
    }
    quick, built = Finding.quick(**fields), Finding(**fields)
    assert quick == built
    assert hash(quick.id) == hash(built.id)
    assert quick.waiver is None
    assert quick.to_json() == built.to_json()
    with pytest.raises(AttributeError):
        quick.message = "changed"  # type: ignore[misc]


def test_json_safe_containers_by_exact_type() -> None:
    assert json_safe({1: (math.nan, "a", [2, None])}) == {"1": [None, "a", [2, None]]}


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"1", b"0", b"9", b",", b"a", b" ", b"1234567890", b"123456789012345678"]),
        max_size=40,
    )
)
def test_long_digit_runs_are_found_across_scan_pieces(parts: list[bytes]) -> None:
    """The scan translates a piece at a time (here 8 bytes); a run across pieces is still seen."""
    raw = b"".join(parts)
    whole = b"0" * 19 in raw.translate(bundle._DIGITS_ONLY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bundle, "_SCAN_BYTES", 8)
        assert bundle.has_long_digit_run(raw) is whole
    assert bundle.has_long_digit_run(raw) is whole


def test_a_long_integer_past_the_first_scan_piece_is_still_refused() -> None:
    raw = b'[{"params": {}, "response": {"pad": "' + b"x" * 200_000 + b'", "n": 92233720368547758070}}]'
    with pytest.raises(BundleError, match="out of the 64-bit range"):
        parse_json(raw, PATH)
