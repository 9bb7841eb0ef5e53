"""The README rule table is generated from the registry and must be current."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.rules.doc import END, START, main, replace_section, rule_table
from auditor.rules.registry import rules
from auditor.services.doc import MarkerError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_rule_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert replace_section(text, rule_table()) == text, "run: make rules-table"
    assert main(["--check", str(README)]) == 0


def test_table_has_one_row_per_rule_with_its_doc_url() -> None:
    rows = rule_table().splitlines()[2:]
    assert [r.split("|")[1].strip() for r in rows] == rules.ids()
    for row, cls in zip(rows, rules, strict=True):
        assert f"({cls.metadata.doc_url})" in row and f"| {cls.metadata.severity.value} |" in row


def test_update_rewrites_only_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "README.md"
    doc.write_text(f"# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n")
    assert main(["--check", str(doc)]) == 1
    assert main(["--update", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith("# Title\n\nbefore\n") and text.endswith(f"{END}\nafter\n")
    assert "old table" not in text and rule_table() in text
    assert main(["--check", str(doc)]) == 0


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(MarkerError):
        replace_section("no markers here", rule_table())
    doc = tmp_path / "x.md"
    doc.write_text("nothing")
    assert main(["--update", str(doc)]) == 2


def test_readme_iam_section_is_current_and_lists_every_collector_action() -> None:
    from auditor.rules.doc import IAM_END, IAM_START, iam_section, render_document
    from auditor.services import iam_actions

    text = README.read_text(encoding="utf-8")
    assert IAM_START in text and IAM_END in text
    assert render_document(text) == text, "run: make rules-table"
    section = iam_section()
    for action in iam_actions():
        if action != "sts:AssumeRole":
            assert f"\n{action}\n" in section, action
