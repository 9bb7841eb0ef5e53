"""CompiledSelection.resource_route / route: the best route through Resources (exact ARN before
resource type before service before all, whatever order the patterns are listed in), as
``route`` answers for the FSx path, reasons and ``explain`` (survivors of patterns mutants run
ahead of the mutmut run)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from auditor.protection.patterns import CompiledSelection, Via, compile_selection

A, R = "111122223333", "eu-west-1"
VOL = f"arn:aws:ec2:{R}:{A}:volume/vol-1"


def _sel(resources: Sequence[str]) -> CompiledSelection:
    return compile_selection(
        account_id=A,
        region=R,
        plan_id="p",
        plan_name="p",
        selection_id="s",
        selection_name="s",
        resources=resources,
        not_resources=(),
        list_of_tags=(),
        conditions=(),
    )


@pytest.mark.parametrize(
    ("resources", "best"),
    [
        ([VOL], Via.ARN),
        (["arn:aws:ec2:*", VOL], Via.ARN),
        ([VOL, "arn:aws:ec2:*"], Via.ARN),
        (["*", f"arn:aws:ec2:*:{A}:volume/*", "arn:aws:ec2:*"], Via.TYPE),
        (["arn:aws:ec2:*", f"arn:aws:ec2:*:{A}:volume/*", VOL], Via.ARN),
        (["*", "arn:aws:ec2:*"], Via.SERVICE),
        (["*"], Via.ALL),
        ([f"arn:aws:ec2:{R}:{A}:volume/vol-2"], None),
    ],
)
def test_the_best_route_whatever_the_order(resources: list[str], best: Via | None) -> None:
    sel = _sel(resources)
    assert sel.resource_route(VOL) is best
    assert sel.route(VOL, {}) is best
    assert sel.routes([VOL], [{}]) == [best]


def test_a_compiled_selection_keeps_the_account_and_region_of_its_row() -> None:
    sel = _sel([VOL])
    assert (sel.account_id, sel.region) == (A, R)
    # the same plan and selection in another Region of the account is another selection
    other = compile_selection(
        account_id=A,
        region="us-east-1",
        plan_id="p",
        plan_name="p",
        selection_id="s",
        selection_name="s",
        resources=[VOL],
        not_resources=(),
        list_of_tags=(),
        conditions=(),
    )
    assert (other.account_id, other.region) == (A, "us-east-1")
    assert other != sel
