"""Coordinates of the trend chart (inline SVG in the HTML report; no script, no network).

Two series over the runs of the history index: the effective protection rate (a line, 0-100%)
and the findings by severity (stacked bars, scaled to the largest run). Everything here is plain
numbers; the template draws them, and a table beside the chart carries the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.history import RunRecord

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 10, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    severity: str
    count: int


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    rate_points: str
    """``x,y x,y ...`` of the protection-rate polyline (runs without a rate are skipped)."""
    bars: tuple[Bar, ...]
    labels: tuple[tuple[float, str], ...]
    """(x, date) under every run."""
    max_findings: int
    plot_top: float
    plot_bottom: float


def trend_chart(records: Sequence[RunRecord], width: int, height: int) -> TrendChart:
    n = len(records)
    plot_w = width - PAD_LEFT - PAD_RIGHT
    top, bottom = float(PAD_TOP), float(height - PAD_BOTTOM)
    step = plot_w / n
    max_findings = max((r.total_findings for r in records), default=0) or 1
    points: list[str] = []
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, r in enumerate(records):
        cx = PAD_LEFT + step * (i + 0.5)
        labels.append((round(cx, 1), r.as_of[:10]))
        if r.protection_rate is not None:
            points.append(f"{cx:.1f},{bottom - (bottom - top) * r.protection_rate:.1f}")
        y = bottom
        for severity, count in reversed(r.findings):  # lowest severity at the bottom
            if count == 0:
                continue
            h = (bottom - top) * count / max_findings
            y -= h
            bars.append(
                Bar(
                    round(cx - step * 0.3, 1), round(y, 1), round(step * 0.6, 1), round(h, 1), severity, count
                )
            )
    return TrendChart(width, height, " ".join(points), tuple(bars), tuple(labels), max_findings, top, bottom)
