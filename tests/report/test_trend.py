"""The history index: appended by ``audit`` beside its output, read strictly, drawn in the report."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from auditor.history import HistoryError, RunRecord, append_history, parse_lines, read_history, trend
from auditor.model.results import EvaluationResult
from auditor.report.html import HtmlFormat
from auditor.summary import summarize


def _record(result: EvaluationResult, run: str, rate: float | None = 0.5) -> RunRecord:
    record = RunRecord.of(result, summarize(result), run)
    return RunRecord(**{**record.__dict__, "protection_rate": rate})


def test_concurrent_appends_all_land_as_whole_lines(bundle_result: EvaluationResult, tmp_path: Path) -> None:
    index = tmp_path / "history.jsonl"
    threads = [
        threading.Thread(target=append_history, args=(index, _record(bundle_result, f"run-{i}")))
        for i in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = sorted(r.run for r in read_history(index))
    assert runs == sorted(f"run-{i}" for i in range(16))


def test_a_record_round_trips_and_counts_like_the_summary(bundle_result: EvaluationResult) -> None:
    counts = summarize(bundle_result)
    record = RunRecord.of(bundle_result, counts, "r")
    assert parse_lines(record.line(), "x") == [record]
    assert record.total_findings == counts.findings and record.waived == counts.accepted
    assert record.accounts == counts.accounts.total


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", r"history.jsonl: line 2: not JSON"),
        ("[]", r"line 2: expected a JSON object"),
        ('{"as_of": "x"}', r"line 2: member 'collected_at' must be a string"),
    ],
)
def test_a_bad_line_names_file_and_line(
    bundle_result: EvaluationResult, tmp_path: Path, line: str, message: str
) -> None:
    index = tmp_path / "history.jsonl"
    index.write_text(_record(bundle_result, "ok").line() + line + "\n")
    with pytest.raises(HistoryError, match=message):
        read_history(index)


def test_bad_values_are_refused(bundle_result: EvaluationResult) -> None:
    good = json.loads(_record(bundle_result, "r").line())
    for key, value in (
        ("protection_rate", 1.5),
        ("accounts", -1),
        ("findings", {"severe": 1}),
        ("waived", True),
    ):
        with pytest.raises(HistoryError, match=key):
            parse_lines(json.dumps({**good, key: value}), "f")


def test_the_report_draws_the_last_runs_and_tabulates_them(
    bundle_result: EvaluationResult, tmp_path: Path
) -> None:
    earlier = [_record(bundle_result, f"reports/2026-11-{d:02d}", rate=d / 40) for d in range(1, 36)]
    current = _record(bundle_result, "reports/now", rate=0.9)
    history = trend(earlier, current)
    assert len(history) == 30 and history[-1]["run"] == "reports/now"
    result = EvaluationResult(
        **{**bundle_result.__dict__, "summary": {**bundle_result.summary, "history": history}}
    )
    page = HtmlFormat().render(result)
    table = page[page.index('id="trend-table"') : page.index("</table>", page.index('id="trend-table"'))]
    assert table.count("<tr>") == 31  # the header and 30 runs
    assert "reports/2026-11-07" in table and "reports/2026-11-06" not in table  # 29 earlier + this one
    start = page.index('<svg id="trend-chart"')
    svg = page[start : page.index("</svg>", start)]
    assert svg.count("<rect") == sum(1 for r in history for n in r["findings"].values() if n)
    points = svg.split('points="')[1].split('"')[0].split()
    assert len(points) == 30
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[-1] < ys[0]  # 90% is drawn higher than 15%


def test_one_run_draws_no_chart(bundle_result: EvaluationResult) -> None:
    history = trend([], _record(bundle_result, "only"))
    result = EvaluationResult(
        **{**bundle_result.__dict__, "summary": {**bundle_result.summary, "history": history}}
    )
    assert 'id="trend"' not in HtmlFormat().render(result)
