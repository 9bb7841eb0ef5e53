"""Evaluating a bundle on disk as a run does: the config's thresholds and waivers, an earlier
run to compare with, phases on stderr. What ``evaluate`` needs of :mod:`auditor.runner`, apart
from it so that ``backup-auditor evaluate`` does not import the report formats (HTML templates,
CSV, SARIF ...) it never writes; :mod:`auditor.runner` re-exports every name.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from auditor.config import AuditConfig
from auditor.diff import compare, summary_member
from auditor.errors import BadInputError, ConfigError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.findings_json import read_findings
from auditor.model.results import EvaluationResult
from auditor.rules.base import RuleSettings
from auditor.rules.registry import rules
from auditor.summary import RunSummary, summarize
from auditor.waivers import apply_waivers, load_waivers


def rule_settings(config: AuditConfig) -> RuleSettings:
    return RuleSettings(
        job_window_days=config.job_window_days,
        aurora_cost_per_gb_month=config.aurora_cost_per_gb_month,
        controls=config.controls,
    )


def summary_for(result: EvaluationResult, config: AuditConfig) -> RunSummary:
    """The run summary with ``config``'s gates (``fail_on``, ``fail_on_not_audited``)."""
    return summarize(
        result,
        fail_on=config.fail_on,
        fail_on_not_audited=config.fail_on_not_audited,
        fail_on_new=config.fail_on_new,
    )


def load_run(source: Path, config: AuditConfig) -> EvaluationResult:
    """An earlier run to compare with: a findings JSON file, an audit output directory (its
    ``findings.json``) or an evidence bundle (evaluated with ``config``, quietly)."""
    if source.is_dir() and (source / "manifest.json").is_file():
        return evaluate_path(source, replace(config, quiet=True, previous=None))
    if source.is_dir() and (source / "findings.json").is_file():
        return read_findings(source / "findings.json")
    if source.is_file():
        return read_findings(source)
    raise BadInputError(
        f"{source}: not a findings JSON, an audit output directory (with findings.json) or an evidence bundle"
    )


def with_previous(result: EvaluationResult, previous: EvaluationResult, source: Path) -> EvaluationResult:
    """``result`` with ``summary.since_previous`` (:func:`auditor.diff.summary_member`)."""
    summary = dict(result.summary)
    summary["since_previous"] = summary_member(compare(previous, result), str(source))
    return replace(result, summary=summary)


def evaluate_path(
    bundle_path: Path, config: AuditConfig, previous: EvaluationResult | None = None
) -> EvaluationResult:
    """Evaluate a bundle on disk with the thresholds of ``config`` and its waivers file (read first,
    so a malformed one fails before the work); phases reported on stderr unless ``config.quiet``."""
    if config.fail_on_new is not None and config.previous is None and previous is None:
        raise ConfigError("--fail-on-new needs --previous (the run to compare with)")
    waivers = None if config.waivers is None else load_waivers(config.waivers, rules.ids())
    if previous is None and config.previous is not None:
        previous = load_run(config.previous, config)
    result = evaluate_bundle(
        read_bundle(bundle_path),
        as_of=config.as_of,
        settings=rule_settings(config),
        progress=None if config.quiet else _to_stderr,
        jobs=config.jobs,
    )
    if waivers is not None:
        result = apply_waivers(result, waivers)
    if previous is not None:
        result = with_previous(result, previous, config.previous or Path("-"))
    return result


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


__all__ = ["evaluate_path", "load_run", "rule_settings", "summary_for", "with_previous"]
