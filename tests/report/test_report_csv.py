"""CSV: one row per finding, the inventory with --resources-csv, no spreadsheet formula injection."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pandas as pd

from auditor.model.results import EvaluationResult
from auditor.report import ResourcesCsv, fingerprint
from auditor.report.csv_format import FINDING_COLUMNS, RESOURCE_COLUMNS, CsvFormat
from tests.report.report_fixtures import FORMULA, XSS_TAG


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_one_row_per_finding_in_order_with_its_values(result: EvaluationResult) -> None:
    frame = _read(CsvFormat().render(result))
    assert list(frame.columns) == list(FINDING_COLUMNS)
    assert len(frame) == len(result.findings)
    for (_, row), f in zip(frame.iterrows(), result.findings, strict=True):
        assert row["rule_id"] == f.rule_id
        assert row["severity"] == f.severity.value
        assert row["resource_arn"] == (f.resource_arn or "")
        assert row["fingerprint"] == fingerprint(f)
        assert json.loads(row["details"]) == dict(f.details)


def test_cost_column_is_numeric_where_a_finding_has_a_cost(result: EvaluationResult) -> None:
    frame = pd.read_csv(io.StringIO(CsvFormat().render(result)))
    expected = sum(f.details.get("estimated_monthly_cost_usd", 0) for f in result.findings)
    assert frame["estimated_monthly_cost_usd"].sum() == expected
    assert frame["estimated_monthly_cost_usd"].notna().sum() == 3


def test_resources_csv_has_every_resource_and_its_status(result: EvaluationResult) -> None:
    frame = _read(ResourcesCsv().render(result))
    assert list(frame.columns) == list(RESOURCE_COLUMNS)
    assert list(frame["arn"]) == [r["arn"] for r in result.resources]
    expected = [
        "protected" if r["protected"] else "unknown" if r["protected"] is None else "unprotected"
        for r in result.resources
    ]
    assert list(frame["status"]) == expected
    protected_by = dict(zip(frame["arn"], frame["protected_by"], strict=True))
    assert protected_by["arn:aws:rds:eu-west-1:111111111111:db:payments-db"] == "daily-35d/tagged-backup-true"


def test_tag_values_are_kept_and_formulas_are_neutralised(result: EvaluationResult) -> None:
    text = ResourcesCsv().render(result)
    frame = _read(text)
    tags = {
        arn: json.loads(cell) if cell else {} for arn, cell in zip(frame["arn"], frame["tags"], strict=True)
    }
    assert (
        tags["arn:aws:rds:eu-west-1:111111111111:db:payments-db"]["owner"] == XSS_TAG
    )  # data, kept verbatim
    assert tags["arn:aws:elasticfilesystem:eu-west-1:111111111111:file-system/fs-0123456789abcdef0"] == {
        "team": FORMULA
    }
    assert not any(cell.startswith(("=", "+", "@")) for col in frame.columns for cell in frame[col])


def test_a_finding_message_that_is_a_formula_is_not_evaluated(result: EvaluationResult) -> None:
    bad = replace(result.findings[0], message=FORMULA)
    frame = _read(CsvFormat().render(replace(result, findings=(bad,))))
    assert frame.loc[0, "message"] == "'" + FORMULA


def test_a_cell_starting_with_a_formula_character_is_prefixed() -> None:
    from auditor.report.csv_format import neutralise

    assert neutralise(FORMULA) == "'" + FORMULA
    assert neutralise("-1+2") == "'-1+2"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("safe=value") == "safe=value"
    assert neutralise(3.5) == 3.5
