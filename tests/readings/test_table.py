"""The probe table (auditor/readings.py) against docs/semantics-review.md and against the resolver.

Proves: every reading of the semantics review's "Ambiguities" has exactly one row, with the same
id and title; each is probed or says why not; probe ids, selection names and tags are well formed
and unique; and what each probe's row says happens "under our reading" is what the resolver
predicts for the kit as deployed (a bundle of the probes, the kit's plan and the precondition
opt-ins), so the table cannot drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.readings import (
    CONTROLS,
    KIT_PLAN_NAME,
    PROBE_TAG,
    READINGS,
    Outcome,
    ProbeKind,
    all_probes,
    reading_of,
)
from auditor.readings_doc import render_document
from tests.readings.kit import kit_bundle

ROOT = Path(__file__).resolve().parents[2]
REVIEW = ROOT / "docs" / "semantics-review.md"
_ENTRY = re.compile(r"^- \*\*(A\d+)\. (.+?)\*\*", re.M)


def doc_readings() -> list[tuple[str, str]]:
    """(id, title) of each entry of the review's "Ambiguities" section, in document order."""
    text = REVIEW.read_text(encoding="utf-8")
    start = text.index("\n## Ambiguities")
    end = text.index("\n## ", start + 1)
    return [(rid, title.removesuffix(".")) for rid, title in _ENTRY.findall(text[start:end])]


def test_every_reading_of_the_review_has_one_row_with_its_title() -> None:
    doc = doc_readings()
    ids = [rid for rid, _ in doc]
    assert len(ids) == len(set(ids)), f"an id is used twice in the review: {ids}"
    assert "A15" in ids  # the second "A9" (nested stacks) was renumbered
    assert {r.id: r.title for r in READINGS} == dict(doc)
    assert [r.id for r in READINGS] == sorted(ids, key=lambda i: int(i[1:]))


def test_each_reading_is_probed_or_says_why_not() -> None:
    for r in READINGS:
        assert bool(r.probes) != bool(r.not_probed), r.id
        assert r.ours and r.opposite and r.ours != r.opposite, r.id
        if r.probes:  # at least one probe tells the two readings apart
            assert any(p.decisive for p in r.probes), r.id
    probed = {r.id for r in READINGS if r.probes}
    assert probed >= {"A1", "A2", "A3", "A4", "A5", "A6"}


def test_probe_ids_names_and_tags_are_well_formed_and_unique() -> None:
    probes = all_probes()
    ids = [p.id for p in probes]
    assert len(ids) == len(set(ids))
    for p in probes:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p.id), p.id
        assert re.fullmatch(r"[a-zA-Z0-9\-_.]{1,50}", p.selection_name), p.selection_name
        keys = [k for k, _ in p.all_tags]
        assert keys[0] == PROBE_TAG and len(keys) == len(set(keys)), p.id
        s = p.selection
        assert s.resources or s.list_of_tags or s.conditions, p.id
    assert all(reading_of(c.id) is None for c in CONTROLS)
    assert reading_of("a3-not-equals-missing-key") is READINGS[2]


def test_the_brief_s_cases_are_covered() -> None:
    ops = {(c.operator, p.kind) for p in all_probes() for c in p.selection.conditions}
    assert ("StringNotEquals", ProbeKind.DYNAMODB_TABLE) in ops
    assert ("StringNotLike", ProbeKind.DYNAMODB_TABLE) in ops
    likes = {c.value for p in all_probes() for c in p.selection.conditions if c.operator == "StringLike"}
    assert any("?" in v for v in likes) and any("*" in v for v in likes)
    assert any("?" in x for p in all_probes() for x in p.selection.resources)
    both = [p for p in all_probes() if p.selection.conditions and p.selection.list_of_tags]
    assert len(both) == 2 and {p.ours for p in both} == {Outcome.BACKED_UP}
    kinds = {p.kind for p in all_probes()}
    assert kinds == set(ProbeKind)


@pytest.fixture(scope="module")
def kit_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], dict[str, str]]:
    path, arns, _plan = kit_bundle(tmp_path_factory.mktemp("kit") / "bundle")
    result = evaluate_bundle(read_bundle(path))
    by_arn = {str(r["arn"]): r for r in result.resources}
    return {pid: by_arn[arn] for pid, arn in arns.items()}, arns


def test_our_reading_column_is_what_the_resolver_predicts(
    kit_result: tuple[dict[str, object], dict[str, str]],
) -> None:
    rows, _ = kit_result
    for p in all_probes():
        row = rows[p.id]
        assert isinstance(row, dict)
        by_kit = any(s["plan_name"] == KIT_PLAN_NAME for s in row["selections"])
        assert by_kit == (p.ours is Outcome.BACKED_UP), (p.id, row["reason"])
        assert row["tags"][PROBE_TAG] == p.id


def test_each_probe_is_selected_by_its_own_selection_only(
    kit_result: tuple[dict[str, object], dict[str, str]],
) -> None:
    """Probes stay independent: under our reading no selection of the kit selects another probe."""
    rows, _ = kit_result
    for p in all_probes():
        row = rows[p.id]
        assert isinstance(row, dict)
        names = {s["selection_name"] for s in row["selections"]}
        assert names <= {p.selection_name}, (p.id, names)


def test_the_guide_s_probe_table_is_current() -> None:
    """docs/verify-readings.md lists every probe and every reading not probed, from the table."""
    guide = ROOT / "docs" / "verify-readings.md"
    text = guide.read_text(encoding="utf-8")
    assert render_document(text) == text, (
        "run: python -m auditor.readings_doc --update docs/verify-readings.md"
    )
    for p in all_probes():
        assert f"`{p.id}`" in text
    for r in READINGS:
        if r.not_probed:
            assert f"| {r.id} | {r.ours} | {r.not_probed} |" in text
