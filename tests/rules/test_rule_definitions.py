"""Definition-time checks of rules and the coverage reason line, each branch with its exact text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditor.rules._common import reason_line, tri
from auditor.rules.base import Remediation, RuleDefinitionError
from auditor.rules.registry import RuleRegistry, rules
from tests.rules.test_registry import GOOD_DOC, _meta, _rule_class


def test_a_class_without_metadata_is_refused_by_name() -> None:
    cls = _rule_class(_meta(), "auditor.rules.bkp_901_x")
    del cls.metadata
    with pytest.raises(RuleDefinitionError, match=r"^R: 'metadata' must be a RuleMetadata$"):
        RuleRegistry("auditor.rules").register(cls)


def test_docstring_errors_name_the_rule() -> None:
    with pytest.raises(RuleDefinitionError, match=r"^BKP-901: the rule class needs a docstring"):
        RuleRegistry("auditor.rules").register(_rule_class(_meta(), "auditor.rules.bkp_901_x", None))
    assert GOOD_DOC  # the valid docstring the other cases start from


@pytest.mark.parametrize("console", [(), ("",), ("   ",), ("Open the console", " ")])
def test_remediation_needs_non_blank_console_steps(console: tuple[str, ...]) -> None:
    with pytest.raises(RuleDefinitionError, match=r"^remediation needs at least one non-empty console step$"):
        Remediation(console=console, cli="aws backup list-backup-plans")
    assert Remediation(console=("Open the console",), cli="aws backup list-backup-plans").console


@pytest.mark.parametrize(
    ("code", "message", "line"),
    [
        ("AccessDenied", "backup.ListBackupPlans: denied", "backup.ListBackupPlans: denied"),
        (
            None,
            "sts.AssumeRole: AccessDenied: no",
            "backup.ListBackupPlans: sts.AssumeRole: AccessDenied: no",
        ),
        ("AccessDenied", "not authorized", "backup.ListBackupPlans: AccessDenied: not authorized"),
        ("Throttling", None, "backup.ListBackupPlans: Throttling"),
        ("LimitX", "", "backup.ListBackupPlans: LimitX"),
        (None, "read timeout", "backup.ListBackupPlans: read timeout"),
        (None, None, "backup.ListBackupPlans: not collected"),
    ],
)
def test_reason_line(code: str | None, message: str | None, line: str) -> None:
    assert reason_line("backup.ListBackupPlans", code, message) == line


def test_unknown_rule_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"unknown rule 'BKP-999'; known rules: BKP-001, BKP-002, "):
        rules.get("BKP-999")


@pytest.mark.parametrize(
    ("cell", "value"),
    [(None, None), (pd.NA, None), (float("nan"), None), (np.True_, True), (np.False_, False), (1.0, True)],
)
def test_tri_reads_frame_cells(cell: object, value: bool | None) -> None:
    assert tri(cell) is value
