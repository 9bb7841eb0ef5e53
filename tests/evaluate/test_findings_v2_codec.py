"""Version 2's plan ARN lists (``auditor.findings_v2.ResourceCodec.plan``): an item that is a
resource's ARN becomes its index, anything else stays as it is, unhashable items included."""

from __future__ import annotations

from typing import Any

from auditor.findings_v2 import RESOURCE_COLUMNS, ResourceCodec


def _resource(arn: str) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(RESOURCE_COLUMNS)
    values.update(arn=arn, tags={}, selections=[])
    return values


def _codec() -> ResourceCodec:
    return ResourceCodec([_resource("arn:a"), _resource("arn:b"), _resource("arn:a")])


def test_arns_become_the_index_of_their_first_resource() -> None:
    plan: dict[str, Any] = {
        "plan_id": "p",
        "selections": [{"protected_arns": ["arn:b", "arn:a", "arn:gone"], "blocked_arns": []}],
    }
    out = _codec().plan(plan)
    assert out["selections"] == [{"protected_arns": [1, 0, "arn:gone"], "blocked_arns": []}]
    assert plan["selections"][0]["protected_arns"] == ["arn:b", "arn:a", "arn:gone"]  # input untouched


def test_items_that_are_not_strings_stay_as_they_are() -> None:
    plan = {
        "selections": [{"protected_arns": ["arn:a", 7, None], "blocked_arns": [["arn:a"], "arn:b", {"k": 1}]}]
    }
    out = _codec().plan(plan)
    assert out["selections"] == [{"protected_arns": [0, 7, None], "blocked_arns": [["arn:a"], 1, {"k": 1}]}]


def test_a_selection_without_lists_is_copied_as_it_is() -> None:
    plan = {"selections": [{"protected_arns": "arn:a"}, "odd"]}
    assert _codec().plan(plan) == {"selections": [{"protected_arns": "arn:a"}, "odd"]}
