"""The operations table of docs/evidence-bundle.md is generated from the declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.services import ORGANIZATION_OPERATIONS, REGIONAL_OPERATIONS, operation
from auditor.services.doc import END, START, MarkerError, main, operations_table, render_document

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "evidence-bundle.md"


def test_evidence_bundle_operations_table_is_current() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    assert render_document(text) == text, "run: make rules-table"
    assert main(["--check", str(DOCUMENT)]) == 0


def test_table_has_a_row_per_operation_with_its_facts() -> None:
    table = operations_table()
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| service")]
    assert len(rows) == len(REGIONAL_OPERATIONS) + len(ORGANIZATION_OPERATIONS)
    (selection,) = [r for r in rows if "| GetBackupSelection |" in r]
    assert '"SelectionId": "{item[SelectionId]}"' in selection
    assert "for each item of `BackupSelectionsList` (ListBackupSelections)" in selection
    assert selection.endswith("| single |  | required | 1 | `backup:GetBackupSelection` |")
    (rbin,) = [r for r in rows if "| rbin |" in r]
    assert '`{"ResourceType": "EBS_SNAPSHOT"}` and `{"ResourceType": "EC2_IMAGE"}`' in rbin
    (efs,) = [r for r in rows if "| efs |" in r]
    assert efs.endswith("| pages of 100 |  | required | 1 | `elasticfilesystem:DescribeFileSystems` |")
    (policy,) = [r for r in rows if "| DescribeEffectivePolicy |" in r]
    assert "EffectivePolicyNotFoundException" in policy
    assert operation("backup.ListBackupJobs").doc in table


def test_stale_table_is_reported_and_updated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "bundle.md"
    stale.write_text(f"# Bundle\n{START}\n| old | table |\n{END}\nafter\n", encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert "operations table is stale" in capsys.readouterr().err
    assert main(["--update", str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert "| old | table |" not in text and text.endswith(f"{END}\nafter\n")
    assert "| backup | ListBackupPlans |" in text


def test_document_without_markers(tmp_path: Path) -> None:
    with pytest.raises(MarkerError):
        render_document("no markers")
    plain = tmp_path / "plain.md"
    plain.write_text("no markers\n", encoding="utf-8")
    assert main(["--check", str(plain)]) == 2
