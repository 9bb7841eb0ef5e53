"""A rule's metadata as ``backup-auditor rules --format json`` prints it, and the error that names
the rule when its controls are wrong (mutation-run survivors of ``auditor.rules.base``)."""

from __future__ import annotations

import pytest

from auditor.frameworks import CATALOGUE
from auditor.model.results import Severity
from auditor.rules.base import Remediation, RuleDefinitionError, RuleMetadata
from auditor.rules.registry import rules

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-plans.html"
CONTROL = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"


def _meta(controls: tuple[str, ...] = (CONTROL,)) -> RuleMetadata:
    return RuleMetadata(
        id="BKP-901",
        title="A title",
        severity=Severity.MEDIUM,
        rationale="Why it matters.",
        remediation=Remediation(console=("Open it.", "Fix it."), cli="aws backup get-backup-plan"),
        doc_url=DOC,
        controls=controls,
    )


def test_metadata_json_has_every_public_field() -> None:
    assert _meta().to_json() == {
        "id": "BKP-901",
        "title": "A title",
        "severity": "medium",
        "rationale": "Why it matters.",
        "remediation": {"console": ["Open it.", "Fix it."], "cli": "aws backup get-backup-plan"},
        "doc_url": DOC,
        "controls": [CATALOGUE[CONTROL].to_json()],
    }


def test_a_real_rule_json_lists_its_controls_in_order() -> None:
    meta = rules.get("BKP-031").metadata
    shown = meta.to_json()
    assert shown["id"] == "BKP-031" and shown["severity"] == meta.severity.value
    assert [c["id"] for c in shown["controls"]] == list(meta.controls) and meta.controls


@pytest.mark.parametrize(
    ("controls", "problem"),
    [
        (("NOT_A_CONTROL",), "BKP-901: unknown control(s) NOT_A_CONTROL: add them to auditor/frameworks.py"),
        ((CONTROL, CONTROL), "BKP-901: a control is listed twice"),
    ],
)
def test_wrong_controls_fail_naming_the_rule(controls: tuple[str, ...], problem: str) -> None:
    with pytest.raises(RuleDefinitionError) as caught:
        _meta(controls)
    assert str(caught.value).startswith(problem)
