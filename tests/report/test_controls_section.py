"""The Controls section: each mapped control's compliant / non-compliant / unknown subjects."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.compliance import ControlStatus, control_statuses
from auditor.model.results import Coverage, EvaluationResult
from auditor.report.html import HtmlFormat

PROTECTION_RULES = ("BKP-001", "BKP-002", "BKP-007", "BKP-008")


def _by_id(result: EvaluationResult) -> dict[str, ControlStatus]:
    return {s.control.id: s for s in control_statuses(result)}


def test_protection_control_splits_every_resource_once(bundle_result: EvaluationResult) -> None:
    status = _by_id(bundle_result)["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"]
    flagged = {f.resource_arn for f in bundle_result.findings if f.rule_id in PROTECTION_RULES}
    assert {s.key for s in status.non_compliant} == flagged and flagged
    unknown = [r for r in bundle_result.resources if r["protected"] is None]
    assert status.unknown == len(unknown) > 0
    assert status.compliant == len(bundle_result.resources) - len(flagged) - len(unknown)


def test_a_type_specific_control_counts_only_its_type(bundle_result: EvaluationResult) -> None:
    status = _by_id(bundle_result)["DynamoDB.4"]
    tables = [r for r in bundle_result.resources if r["resource_type"] == "DynamoDB"]
    assert all(s.resource_type == "DynamoDB" for s in status.non_compliant)
    assert status.compliant is not None
    assert status.compliant + status.unknown + len(status.non_compliant) == len(tables)


def test_vault_controls_count_only_what_is_flagged(bundle_result: EvaluationResult) -> None:
    status = _by_id(bundle_result)["BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"]
    assert status.compliant is None and status.evaluated is None
    assert len(status.non_compliant) == sum(1 for f in bundle_result.findings if f.rule_id == "BKP-033")


def test_an_account_region_missing_a_required_operation_is_unknown_not_compliant(
    bundle_result: EvaluationResult,
) -> None:
    before = _by_id(bundle_result)["BACKUP_LAST_RECOVERY_POINT_CREATED"]
    flagged = {s.key for s in before.non_compliant}
    passing = [r for r in bundle_result.resources if r["protected"] is True and r["arn"] not in flagged]
    account, region = passing[0]["account_id"], passing[0]["region"]
    there = {
        r["arn"]
        for r in bundle_result.resources
        if (r["account_id"], r["region"]) == (account, region) and r["protected"] is True
    }
    gap = Coverage(account, region, "partial", missing=("backup.ListRecoveryPointsByBackupVault",))
    coverage = tuple(c for c in bundle_result.coverage if (c.account_id, c.region) != (account, region))
    after = _by_id(replace(bundle_result, coverage=(*coverage, gap)))["BACKUP_LAST_RECOVERY_POINT_CREATED"]
    moved = len(there - flagged)
    assert moved > 0
    assert after.unknown == before.unknown + moved
    assert after.compliant == (before.compliant or 0) - moved
    # A control whose rules do not need that operation is not affected.
    assert (
        _by_id(replace(bundle_result, coverage=(*coverage, gap)))["EC2.28"] == _by_id(bundle_result)["EC2.28"]
    )


def test_html_controls_section_links_to_rendered_findings(bundle_result: EvaluationResult) -> None:
    html = HtmlFormat().render(bundle_result)
    section = html.split('<section class="block" id="controls"', 1)[1].split("</section>", 1)[0]
    assert '<a href="#controls">Controls</a>' in html
    for fw in ("audit-manager", "config", "security-hub"):
        assert f'data-framework="{fw}"' in section
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    targets = re.findall(r'href="#([^"]+)"', section)
    assert targets and all(t in ids for t in targets)
    assert any(re.fullmatch(r"rule-bkp-\d{3}-\d+", t) for t in targets)  # a finding's own row
    row = section.split('data-control="EC2.28"', 1)[1].split("</tr>", 1)[0]
    assert "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-28" in row
