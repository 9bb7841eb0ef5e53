"""``selection_refs``: one JSON-ready reference per row of a matches frame, on that row, for frames
filtered from the matches (whose index is not 0..n-1) as the rules give it (mutation-run survivors
of ``auditor.rules._common``)."""

from __future__ import annotations

import pandas as pd

from auditor.rules._common import selection_refs


def test_each_reference_stays_on_its_row_of_a_filtered_frame() -> None:
    matches = pd.DataFrame(
        {
            "plan_id": ["p1", "p2", "p3"],
            "plan_name": ["one", "two", "three"],
            "selection_id": ["s1", "s2", "s3"],
            "selection_name": ["a", "b", "c"],
            "via": ["resources", "tags", "resources"],
            "keep": [False, True, True],
        }
    )
    kept = matches[matches["keep"]]
    with_refs = kept.assign(ref=selection_refs(kept))
    assert with_refs["ref"].tolist() == [
        {"plan_id": "p2", "plan_name": "two", "selection_id": "s2", "selection_name": "b", "via": "tags"},
        {
            "plan_id": "p3",
            "plan_name": "three",
            "selection_id": "s3",
            "selection_name": "c",
            "via": "resources",
        },
    ]
