"""Report test fixtures.

* ``result``: a hand-built ``EvaluationResult`` (``report_fixtures.py``): every severity, cost
  findings, a partial and a not-audited scope, plans, XSS-looking tag values;
* ``bundle_result``: the evaluator's result on ``fixtures/report/bundle`` (``report_bundle.py``),
  the input of the golden files.
"""

from __future__ import annotations

import pytest

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult
from tests.report.report_bundle import BUNDLE
from tests.report.report_fixtures import build_result


@pytest.fixture
def result() -> EvaluationResult:
    return build_result()


@pytest.fixture(scope="session")
def bundle_result() -> EvaluationResult:
    return evaluate_bundle(read_bundle(BUNDLE))
