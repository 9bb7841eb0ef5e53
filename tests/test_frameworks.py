"""The framework catalogue and the controls rules name in their metadata."""

from __future__ import annotations

import pytest

from auditor.compliance import evidence_map, mapped_controls, requirements_of
from auditor.frameworks import (
    CATALOGUE,
    PROTECTED_BY_PLAN,
    Framework,
    FrameworkControl,
    FrameworkError,
    check_controls,
)
from auditor.model.results import Severity
from auditor.rules.base import Remediation, RuleDefinitionError, RuleMetadata
from auditor.rules.registry import rules

_REMEDIATION = Remediation(console=("Do it.",), cli="aws backup list-backup-plans")


def _meta(controls: object) -> RuleMetadata:
    return RuleMetadata(
        id="BKP-999",
        title="t",
        severity=Severity.LOW,
        rationale="r",
        remediation=_REMEDIATION,
        doc_url="https://docs.aws.amazon.com/aws-backup/latest/devguide/whatisbackup.html",
        controls=controls,  # type: ignore[arg-type]  # the check is what is under test
    )


def test_every_control_cites_an_aws_documentation_page() -> None:
    for control in CATALOGUE.values():
        assert control.url.startswith("https://docs.aws.amazon.com/"), control.id
        if control.framework is Framework.CONFIG:
            assert control.url.endswith(f"/{control.id}.html")  # one page per managed rule
        if control.framework is Framework.SECURITY_HUB:
            assert control.url.endswith("#" + control.id.lower().replace(".", "-"))


def test_a_rule_naming_an_unknown_control_is_refused_at_definition() -> None:
    assert _meta(("Backup.1",)).controls == ("Backup.1",)
    with pytest.raises(RuleDefinitionError, match=r"BKP-999: unknown control\(s\) Backup\.99"):
        _meta(("Backup.1", "Backup.99"))
    with pytest.raises(RuleDefinitionError, match="tuple of control ids"):
        _meta(["Backup.1"])
    with pytest.raises(RuleDefinitionError, match="listed twice"):
        _meta(("Backup.1", "Backup.1"))


def test_a_control_without_an_aws_source_cannot_be_defined() -> None:
    with pytest.raises(FrameworkError, match="AWS documentation page"):
        FrameworkControl(Framework.CONFIG, "x-rule", "X", "https://example.com/x")
    assert check_controls("BKP-000", ()) == ()


def test_the_controls_asked_for_in_issue_10_are_mapped_to_the_rules_giving_evidence() -> None:
    mapped = evidence_map()
    assert mapped["BACKUP_RECOVERY_POINT_ENCRYPTED"] == ("BKP-031",)
    assert mapped["backup-recovery-point-encrypted"] == ("BKP-031",)
    assert mapped["Backup.1"] == ("BKP-031",)
    assert mapped["BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"] == ("BKP-030",)
    for control_id in PROTECTED_BY_PLAN:
        assert "BKP-002" in mapped[control_id]
    assert {c.id for c, _ in mapped_controls(Framework.SECURITY_HUB)} == {
        "Backup.1",
        "DynamoDB.4",
        "EC2.28",
        "EFS.2",
        "RDS.26",
    }
    assert all(rid in rules for rids in mapped.values() for rid in rids)


def test_requirements_follow_the_resource_type_of_the_finding() -> None:
    ebs = requirements_of("BKP-002", "EBS")
    assert "AWS Security Hub EC2.28" in ebs and "AWS Config ebs-in-backup-plan" in ebs
    assert not any("DynamoDB" in r or "efs-" in r for r in ebs)
    assert requirements_of("BKP-014", "EBS") == ()
    assert requirements_of("BKP-777", None) == ()  # a rule this version does not know
