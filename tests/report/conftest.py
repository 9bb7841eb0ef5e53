"""Report test fixtures: a realistic ``EvaluationResult`` (see ``report_fixtures.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs in importlib mode: make the sibling helper module importable by the test modules.
sys.path.insert(0, str(Path(__file__).parent))

from report_fixtures import build_result

from auditor.model.results import EvaluationResult


@pytest.fixture
def result() -> EvaluationResult:
    return build_result()
