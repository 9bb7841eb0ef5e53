"""Each resource record's name and tags (``auditor.evaluate._names_and_tags``): the resources'
own columns when they are the verdicts' rows, else those of the first resource of the ARN."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.evaluate import _names_and_tags


def _resources(arns: list[str], names: list[object], tags: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"arn": arns, "name": names, "tags": pd.Series(tags, dtype=object)})


def _verdicts(arns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"arn": pd.Series(arns, dtype=object), "protected": [True] * len(arns)})


def test_aligned_unique_rows_read_in_place() -> None:
    res = _resources(["a", "b", "c"], ["A", None, np.nan], [{"k": "v"}, None, {}])
    names, tags = _names_and_tags(res, _verdicts(["a", "b", "c"]))
    assert names == ["A", None, None]
    assert tags == [{"k": "v"}, None, {}]
    assert tags[0] is res["tags"].iloc[0]  # the resource's own tags object


def test_repeated_arn_takes_the_first_resource() -> None:
    res = _resources(["a", "b", "a"], ["first", "B", "second"], [{"n": "1"}, {}, {"n": "2"}])
    names, tags = _names_and_tags(res, _verdicts(["a", "b", "a"]))
    assert names == ["first", "B", "first"]
    assert tags == [{"n": "1"}, {}, {"n": "1"}]


def test_other_order_or_missing_resource_is_joined() -> None:
    res = _resources(["a", "b"], ["A", "B"], [{"x": "1"}, {"y": "2"}])
    names, tags = _names_and_tags(res, _verdicts(["b", "a", "z"]))
    assert names == ["B", "A", None]
    assert tags[:2] == [{"y": "2"}, {"x": "1"}]
    assert not isinstance(tags[2], dict)  # no resource: resource_records writes {}


def test_same_length_but_other_arns_is_joined() -> None:
    res = _resources(["a", "b"], ["A", "B"], [{}, {}])
    names, _ = _names_and_tags(res, _verdicts(["b", "b"]))
    assert names == ["B", "B"]
