"""Golden files: every format rendered from the bundle ``report_bundle.py`` builds (``conftest.py``).

The bundle goes through the real evaluator, so a change in rules, resolver or formats that alters
any report shows up here as a diff. Regenerate after an intended change with::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/report/test_report_golden.py

and review the diff of ``tests/report/golden/`` before committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from auditor.model.results import EvaluationResult
from auditor.report import OutputFormat, ResourcesCsv, render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    assert path.is_file(), f"{path} missing: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), str(path), "actual", n=2
            )
        )
        pytest.fail(f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}")


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_format_matches_golden_file(bundle_result: EvaluationResult, fmt: OutputFormat) -> None:
    out = render(bundle_result, fmt)
    assert isinstance(out, str)
    _check(f"report.{fmt.extension}", out)


def test_resources_csv_matches_golden_file(bundle_result: EvaluationResult) -> None:
    _check("resources.csv", ResourcesCsv().render(bundle_result))


def test_rendering_is_deterministic(bundle_result: EvaluationResult) -> None:
    for fmt in OutputFormat:
        assert render(bundle_result, fmt) == render(bundle_result, fmt)
