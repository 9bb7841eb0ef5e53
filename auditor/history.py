"""Trends: an index of run summaries, one JSON line per run, and what the report draws from it.

The index (``history.jsonl``) lives at the output location: for ``audit --out DIR`` the parent of
DIR (so ``reports/2026-11-25`` and ``reports/2026-11-26`` share ``reports/history.jsonl``), or
``--history FILE``; for the Lambda ``PREFIX/history.jsonl`` in its bucket. Each line::

    {"as_of": ISO, "collected_at": ISO, "run": "reports/2026-11-26", "accounts": 5,
     "accounts_fully_audited": 4, "account_regions": 10, "account_regions_audited": 8,
     "protection_rate": 0.9132, "findings": {"critical": 0, "high": 3, ...}, "waived": 1}

Appending holds an exclusive lock on the file (``fcntl.flock``) so two runs that end together
both land; the Lambda uses S3 conditional writes (``If-Match`` / ``If-None-Match``) for the same.
A line that is not such an object is bad input (exit 2) naming the file and line: the index is
evidence too, and is never silently rewritten.
"""

from __future__ import annotations

import fcntl
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import BadInputError
from auditor.model.results import EvaluationResult
from auditor.summary import SEVERITIES_DESC, RunSummary

HISTORY_FILE_NAME = "history.jsonl"
TREND_RUNS = 30
"""How many runs the report draws (this one included)."""


class HistoryError(BadInputError):
    """The index cannot be read or holds a line that is not a run summary (exit 2)."""


@dataclass(frozen=True)
class RunRecord:
    """One line of the index."""

    as_of: str
    collected_at: str
    run: str
    accounts: int
    accounts_fully_audited: int
    account_regions: int
    account_regions_audited: int
    protection_rate: float | None
    findings: tuple[tuple[str, int], ...]
    """(severity, count), highest severity first; waived findings left out."""
    waived: int

    @classmethod
    def of(cls, result: EvaluationResult, counts: RunSummary, run: str) -> RunRecord:
        return cls(
            as_of=result.as_of.isoformat(),
            collected_at=result.collected_at.isoformat(),
            run=run,
            accounts=counts.accounts.total,
            accounts_fully_audited=counts.accounts.fully_audited,
            account_regions=counts.account_regions.total,
            account_regions_audited=counts.account_regions.audited,
            protection_rate=None if counts.protection_rate is None else round(counts.protection_rate, 6),
            findings=tuple((s.value, n) for s, n in counts.findings_by_severity),
            waived=counts.accepted,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "collected_at": self.collected_at,
            "run": self.run,
            "accounts": self.accounts,
            "accounts_fully_audited": self.accounts_fully_audited,
            "account_regions": self.account_regions,
            "account_regions_audited": self.account_regions_audited,
            "protection_rate": self.protection_rate,
            "findings": dict(self.findings),
            "waived": self.waived,
        }

    def line(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"), allow_nan=False) + "\n"

    @property
    def total_findings(self) -> int:
        return sum(n for _, n in self.findings)


_INTS = ("accounts", "accounts_fully_audited", "account_regions", "account_regions_audited", "waived")


def parse_record(raw: object, where: str) -> RunRecord:
    """A :class:`RunRecord` from one decoded line; :class:`HistoryError` naming ``where`` otherwise."""
    if not isinstance(raw, Mapping):
        raise HistoryError(f"{where}: expected a JSON object (one run summary per line)")
    for key in ("as_of", "collected_at", "run"):
        if not isinstance(raw.get(key), str):
            raise HistoryError(f"{where}: member '{key}' must be a string")
    for key in _INTS:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise HistoryError(f"{where}: member '{key}' must be a whole number >= 0")
    rate = raw.get("protection_rate")
    if rate is not None and (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not math.isfinite(rate)
        or not 0 <= rate <= 1
    ):
        raise HistoryError(f"{where}: member 'protection_rate' must be null or a number from 0 to 1")
    findings = raw.get("findings")
    known = [s.value for s in SEVERITIES_DESC]
    if not isinstance(findings, Mapping) or any(
        k not in known or isinstance(v, bool) or not isinstance(v, int) or v < 0 for k, v in findings.items()
    ):
        raise HistoryError(f"{where}: member 'findings' must map severities ({', '.join(known)}) to counts")
    return RunRecord(
        as_of=str(raw["as_of"]),
        collected_at=str(raw["collected_at"]),
        run=str(raw["run"]),
        accounts=int(raw["accounts"]),
        accounts_fully_audited=int(raw["accounts_fully_audited"]),
        account_regions=int(raw["account_regions"]),
        account_regions_audited=int(raw["account_regions_audited"]),
        protection_rate=None if rate is None else float(rate),
        findings=tuple((s, int(findings.get(s, 0))) for s in known),
        waived=int(raw["waived"]),
    )


def parse_lines(text: str, source: str) -> list[RunRecord]:
    """Every record of an index's text, in file order; blank lines are skipped."""
    out: list[RunRecord] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}: line {n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HistoryError(f"{where}: not JSON: {exc.msg}") from None
        out.append(parse_record(raw, where))
    return out


def read_history(path: Path) -> list[RunRecord]:
    """The records of ``path`` (none when it does not exist yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot read: {exc}") from exc
    return parse_lines(text, str(path))


def append_history(path: Path, record: RunRecord) -> None:
    """Append ``record`` under an exclusive lock (concurrent runs each add their line)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(record.line())
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot append the run summary: {exc}") from exc


def trend(previous: Iterable[RunRecord], current: RunRecord, runs: int = TREND_RUNS) -> list[dict[str, Any]]:
    """The last ``runs`` records, this run last, as ``summary.history`` of the findings JSON."""
    records = [*list(previous), current][-runs:]
    return [r.to_json() for r in records]


def records_of(summary: Mapping[str, Any]) -> list[RunRecord]:
    """``summary.history`` of a findings JSON, checked (a findings JSON is input)."""
    raw = summary.get("history")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadInputError("member 'summary.history' must be a list")
    return [parse_record(r, f"member 'summary.history[{i}]'") for i, r in enumerate(raw)]


__all__ = [
    "HISTORY_FILE_NAME",
    "TREND_RUNS",
    "HistoryError",
    "RunRecord",
    "append_history",
    "parse_lines",
    "read_history",
    "records_of",
    "trend",
]
