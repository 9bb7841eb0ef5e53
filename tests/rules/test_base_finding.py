"""``Rule.finding`` fills in the rule's metadata, and its details are plain JSON (``json_safe``):
mutation-run survivors of ``auditor.rules.base``, and a bug it showed (a missing timestamp, NaT,
was written as the text "NaT", not null)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from auditor.model.results import Finding, Severity
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, json_safe

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-plans.html"


def _rule() -> type[Rule]:
    """A rule class of its own (not registered), with a Remediation object no finding used yet."""

    class Example(Rule):
        metadata = RuleMetadata(
            id="BKP-901",
            title="An example",
            severity=Severity.LOW,
            rationale="Why.",
            remediation=Remediation(console=("Open it.", "Fix it."), cli="aws backup get-backup-plan"),
            doc_url=DOC,
        )

        def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
            return iter(())

    return Example


def test_a_finding_carries_the_rules_metadata() -> None:
    found = _rule().finding(
        account_id="111111111111",
        region="eu-west-1",
        message="Something.",
        resource_arn="arn:aws:backup:eu-west-1:111111111111:backup-plan:p",
        resource_type="BackupPlan",
        details={"n": 1},
    )
    assert (found.rule_id, found.severity, found.title, found.doc_url) == (
        "BKP-901",
        Severity.LOW,
        "An example",
        DOC,
    )
    assert found.resource_type == "BackupPlan"
    assert found.remediation == "Console: 1. Open it. 2. Fix it. CLI: aws backup get-backup-plan"
    assert found.details == {"n": 1}


def test_details_are_plain_json() -> None:
    when = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    # a rule may build keys from frame cells, not only str ones (mypy sees Mapping[str, Any])
    given: dict[Any, Any] = {
        7: np.int64(3),
        "pair": (1, "a"),
        "nan": float("nan"),
        "when": pd.Timestamp(when),
        "na": pd.NA,
        "nat": pd.NaT,
        "set": frozenset({"only"}),
        "view": MappingProxyType({2: np.float64(1.5)}),
        "nested": [np.bool_(True), (np.int64(1), None)],
        "other": Decimal("2.50"),
    }
    details = _rule().finding(account_id=None, region=None, message="m", details=given).details
    assert details == {
        "7": 3,
        "pair": [1, "a"],
        "nan": None,
        "when": "2026-12-05T14:00:00+00:00",
        "na": None,
        "nat": None,
        "set": ["only"],
        "view": {"2": 1.5},
        "nested": [True, [1, None]],
        "other": "2.50",
    }
    json.dumps(details, allow_nan=False)


def test_json_safe_of_single_values() -> None:
    assert json_safe(pd.NaT) is None
    assert json_safe(np.datetime64("NaT")) is None
    assert json_safe(float("nan")) is None
    assert json_safe(np.float64(2.5)) == 2.5
    assert json_safe(Decimal("1")) == "1"


def test_a_finding_without_details_has_empty_details() -> None:
    found = _rule().finding(account_id="111111111111", region=None, message="m")
    assert found.details == {}
