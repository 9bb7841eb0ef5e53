"""BKP-006's words: every selection that leaves the ONTAP volume out named (``; ``), and whether
another selection still protects it (mutation survivors of its ``evaluate``)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def _finding(b: BundleBuilder, tmp_path: Path) -> Finding:
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-006")
    return finding


def test_every_selection_that_misses_the_volume_is_named_and_none_protects_it(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-0ontap", kind="ONTAP", tags={"backup": "daily", "tier": "gold"})
    vol = b.fsx_volume("fs-0ontap", "fsvol-0data", tags=None)
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    b.selection(b.plan("weekly"), "gold", list_of_tags=[("tier", "gold")])
    finding = _finding(b, tmp_path)
    assert finding.resource_arn == vol
    assert "is left out of plan `daily` / selection `tagged` (" in finding.message
    assert "); plan `weekly` / selection `gold` (" in finding.message
    assert (
        " but AWS Backup reads ONTAP volume tags. No other selection protects it. Copy the" in finding.message
    )


def test_a_volume_another_selection_protects_says_so(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-0ontap", kind="ONTAP", tags={"backup": "daily"})
    vol = b.fsx_volume("fs-0ontap", "fsvol-0data", tags=None)
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    b.selection(b.plan("weekly"), "by-arn", resources=[vol])
    finding = _finding(b, tmp_path)
    assert " but AWS Backup reads ONTAP volume tags. Another selection still protects it. Copy the" in (
        finding.message
    )
