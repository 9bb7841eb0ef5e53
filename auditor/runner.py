"""``run_audit``: the one entry point the CLI and the Lambda handler share.

collect (to ``OUT/evidence/``) -> evaluate -> findings JSON (``OUT/findings.json``) -> reports.
Everything collected is written even when parts of the organization could not be read; those
parts are reported as not audited. Evaluating a bundle on disk (:func:`evaluate_path` and its
helpers) lives in :mod:`auditor.run_evaluation`, re-exported here: ``evaluate`` imports it alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from auditor.config import AuditConfig, OutputPaths
from auditor.errors import OutputError
from auditor.history import HISTORY_FILE_NAME, RunRecord, append_history, read_history, trend
from auditor.model.results import EvaluationResult
from auditor.outputs import check_audit_dir, record_output, remove_stale_outputs
from auditor.report import OutputFormat, write_report
from auditor.run_evaluation import evaluate_path, load_run, rule_settings, summary_for, with_previous
from auditor.summary import RunSummary

DEFAULT_FORMATS: tuple[OutputFormat, ...] = (OutputFormat.JSON, OutputFormat.HTML)
AUDIT_OUTPUT_NAMES: frozenset[str] = frozenset(
    {
        "evidence",
        "findings.json",
        *(f"report.{f.extension}" for f in OutputFormat if f is not OutputFormat.JSON),
    }
)
"""What ``run_audit`` writes in its output directory (``--force`` replaces only these)."""


@dataclass(frozen=True)
class Outputs:
    """An evaluated bundle and the files written from it."""

    result: EvaluationResult
    summary: RunSummary
    """The counts and the gates (:func:`auditor.summary.summarize` with the run's config)."""
    findings_path: Path
    report_paths: Mapping[str, Path]
    """Format name -> file, ``json`` (the findings JSON) first."""
    record: RunRecord | None = None
    """This run's line for the history index (when the caller keeps one; it appends it)."""

    @property
    def exit_code(self) -> int:
        return self.summary.gate.exit_code


@dataclass(frozen=True)
class AuditOutcome:
    """What one audit produced and the exit code it maps to."""

    bundle_path: Path
    findings_path: Path
    report_paths: Mapping[str, Path]
    result: EvaluationResult
    exit_code: int
    seconds: float
    summary: RunSummary
    record: RunRecord | None = None
    """The line this run appended to the history index."""


def evaluate_and_write(
    bundle_path: Path,
    config: AuditConfig,
    out_dir: Path,
    formats: Sequence[OutputFormat | str] = DEFAULT_FORMATS,
    previous: EvaluationResult | None = None,
    history: Sequence[RunRecord] | None = None,
    run_label: str = "",
) -> Outputs:
    """Evaluate the bundle at ``bundle_path`` and write ``out_dir/findings.json`` plus
    ``out_dir/report.<ext>`` per other format: what ``audit`` and the Lambda write.

    With ``history`` (the index's earlier runs), ``summary.history`` holds the trend the report
    draws, this run (``run_label``) last, and :attr:`Outputs.record` is the line to append."""
    result = evaluate_path(bundle_path, config, previous)
    record = None
    if history is not None:
        record = RunRecord.of(result, summary_for(result, config), run_label)
        result = replace(result, summary={**result.summary, "history": trend(history, record)})
    paths = OutputPaths(out_dir)
    wanted = [OutputFormat(f) for f in formats]
    if OutputFormat.JSON not in wanted:
        wanted.insert(0, OutputFormat.JSON)
    out_dir.mkdir(parents=True, exist_ok=True)
    report_paths: dict[str, Path] = {}
    for fmt in wanted:
        target = paths.findings if fmt is OutputFormat.JSON else out_dir / f"report.{fmt.extension}"
        try:
            write_report(result, fmt, target)
        except OSError as exc:  # the bundle is kept; an unwritable report is bad input (exit 2)
            raise OutputError(target, f"the {fmt.value} report", exc) from exc
        record_output(target)
        report_paths[fmt.value] = target
    return Outputs(result, summary_for(result, config), paths.findings, report_paths, record)


def run_audit(
    config: AuditConfig,
    out_dir: Path,
    *,
    force: bool = False,
    formats: Sequence[OutputFormat | str] = DEFAULT_FORMATS,
    run_label: str | None = None,
) -> AuditOutcome:
    """Collect, evaluate and report into ``out_dir``; return where everything went.

    ``out_dir/evidence`` is the bundle (replaced only with ``force``), ``out_dir/findings.json``
    the findings, ``out_dir/report.<ext>`` each other format.
    """
    started = time.monotonic()
    paths = OutputPaths(out_dir)
    check_audit_dir(out_dir, AUDIT_OUTPUT_NAMES, force=force)
    # read before anything is written: --previous may be this very directory's last findings.json,
    # and a malformed history index fails the run before the work, not after
    previous = None if config.previous is None else load_run(config.previous, config)
    history_path = config.history or out_dir.resolve().parent / HISTORY_FILE_NAME
    history = read_history(history_path)
    # The bundle writer creates out_dir; a run that fails before collecting leaves nothing behind.
    from auditor.collect.engine import collect_to_bundle  # aiobotocore: collecting only

    bundle_path, _manifest = collect_to_bundle(config, paths.evidence, force=force, progress=not config.quiet)
    remove_stale_outputs(out_dir, AUDIT_OUTPUT_NAMES, keep={paths.evidence.name})
    label = str(out_dir) if run_label is None else run_label
    outputs = evaluate_and_write(bundle_path, config, out_dir, formats, previous, history, label)
    if outputs.record is not None:
        append_history(history_path, outputs.record)
    return AuditOutcome(
        bundle_path=bundle_path,
        findings_path=outputs.findings_path,
        report_paths=outputs.report_paths,
        result=outputs.result,
        exit_code=outputs.exit_code,
        seconds=time.monotonic() - started,
        summary=outputs.summary,
        record=outputs.record,
    )


def print_summary(outcome: AuditOutcome, stream: TextIO | None = None) -> None:
    """A short human summary on stderr: coverage, findings by severity, the gates, where the outputs are."""
    out = stream if stream is not None else sys.stderr
    lines = [f"audit finished in {outcome.seconds:.1f}s", *outcome.summary.lines()]
    lines.append(f"  evidence:  {outcome.bundle_path}")
    lines += [f"  {name + ':':<10} {path}" for name, path in outcome.report_paths.items()]
    print("\n".join(lines), file=out)


__all__ = [
    "AUDIT_OUTPUT_NAMES",
    "DEFAULT_FORMATS",
    "AuditOutcome",
    "Outputs",
    "evaluate_and_write",
    "evaluate_path",
    "load_run",
    "print_summary",
    "rule_settings",
    "run_audit",
    "summary_for",
    "with_previous",
]
