"""Report test fixtures.

* ``result``: a hand-built ``EvaluationResult`` (``report_fixtures.py``): every severity, cost
  findings, a partial and a not-audited scope, plans, XSS-looking tag values;
* ``report_bundle``: the evidence bundle ``report_bundle.py`` builds, written once per session;
* ``bundle_result``: the evaluator's result on it, the input of the golden files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult
from tests.report.report_bundle import build
from tests.report.report_fixtures import build_result


@pytest.fixture
def result() -> EvaluationResult:
    return build_result()


@pytest.fixture(scope="session")
def report_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("report") / "bundle")


@pytest.fixture(scope="session")
def bundle_result(report_bundle: Path) -> EvaluationResult:
    return evaluate_bundle(read_bundle(report_bundle))
