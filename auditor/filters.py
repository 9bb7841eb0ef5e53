"""``--account``, ``--ou``, ``--region``, ``--rule`` and ``--severity`` of ``evaluate`` and ``report``.

A filter narrows what a run's outputs show; it never changes a verdict. Accounts and Regions
narrow everything (findings, resources, plans, coverage); a finding or coverage entry about a whole
account (no Region) is kept under a Region filter, since it concerns every Region of that account.
Rules and the minimum severity narrow the findings only. The summary is counted again from what
is left and says which filter made it (``summary.filter``), so a filtered findings JSON never
carries the whole run's numbers. A filter value the run does not have (an account it did not set
out to audit, a Region it has no trace of, an unknown rule) is bad input (exit 2): a typo must not
read as "no findings".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from auditor.config import parse_severity
from auditor.discovery.ous import OuPlace, accounts_under
from auditor.errors import BadInputError
from auditor.evaluate import build_summary
from auditor.model.results import EvaluationResult, Severity


@dataclass(frozen=True)
class ResultFilter:
    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    min_severity: Severity | None = None
    ous: frozenset[str] = frozenset()
    """Organizational units (ids or paths): their accounts, units below included."""

    @property
    def empty(self) -> bool:
        return not (self.accounts or self.regions or self.rules or self.min_severity or self.ous)

    def to_json(self) -> dict[str, Any]:
        return {
            "accounts": sorted(self.accounts),
            "regions": sorted(self.regions),
            "rules": sorted(self.rules),
            "min_severity": None if self.min_severity is None else self.min_severity.value,
            "ous": sorted(self.ous),
        }

    def in_scope(self, account_id: object, region: object) -> bool:
        if self.accounts and account_id not in self.accounts:
            return False
        return not self.regions or region is None or region in self.regions


def _items(raw: str | None) -> frozenset[str]:
    if raw is None:
        return frozenset()
    items = frozenset(p.strip() for p in raw.split(",") if p.strip())
    if not items:
        raise BadInputError("a filter flag needs at least one value")
    return items


def parse_filter(
    account: str | None = None,
    region: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    ou: str | None = None,
) -> ResultFilter:
    """The filter of the command-line values (comma-separated lists; ``severity`` a minimum)."""
    return ResultFilter(
        ous=_items(ou),
        accounts=_items(account),
        regions=_items(region),
        rules=frozenset(r.upper() for r in _items(rule)),
        min_severity=None if severity is None else parse_severity(severity, "--severity"),
    )


def _check_known(flag: str, wanted: Iterable[str], known: Iterable[str]) -> None:
    known_sorted = sorted(set(known))
    for value in sorted(wanted):
        if value not in known_sorted:
            close = difflib.get_close_matches(value, known_sorted, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise BadInputError(f"{flag}: {value!r} is not in this run{hint}")


def _accounts_in_units(result: EvaluationResult, flt: ResultFilter) -> frozenset[str]:
    """The run's accounts under ``flt.ous`` (and among ``flt.accounts`` when both are given)."""
    places = {
        str(a.get("id")): OuPlace(tuple(str(i) for i in a.get("ou_ids") or ()), str(a.get("ou_path")))
        for a in result.accounts
        if a.get("ou_path")
    }
    if not places:
        raise BadInputError(
            "--ou: this run has no organizational units (its bundle lists no OU tree: collected "
            "before version 3, or organizations:ListRoots was denied)"
        )
    chosen = accounts_under(places, sorted(flt.ous))
    return frozenset(chosen & flt.accounts if flt.accounts else chosen)


def apply_filter(result: EvaluationResult, flt: ResultFilter, known_rules: Iterable[str]) -> EvaluationResult:
    """``result`` narrowed to ``flt`` with its summary counted again (unchanged when empty)."""
    if flt.empty:
        return result
    accounts = {str(a.get("id")) for a in result.accounts} | {c.account_id for c in result.coverage}
    regions = {c.region for c in result.coverage if c.region} | {
        str(r.get("region")) for r in result.resources if r.get("region")
    }
    _check_known("--account", flt.accounts, accounts)
    if flt.ous:
        flt = replace(flt, accounts=_accounts_in_units(result, flt))
    _check_known("--region", flt.regions, regions)
    _check_known("--rule", flt.rules, known_rules)
    findings = tuple(
        f
        for f in result.findings
        if flt.in_scope(f.account_id, f.region)
        and (not flt.rules or f.rule_id in flt.rules)
        and (flt.min_severity is None or f.severity.at_least(flt.min_severity))
    )
    resources = tuple(r for r in result.resources if flt.in_scope(r.get("account_id"), r.get("region")))
    coverage = tuple(c for c in result.coverage if flt.in_scope(c.account_id, c.region))
    plans = tuple(p for p in result.plans if flt.in_scope(p.get("account_id"), p.get("region")))
    kept_accounts = tuple(a for a in result.accounts if not flt.accounts or str(a.get("id")) in flt.accounts)
    summary: dict[str, Any] = dict(result.summary) if isinstance(result.summary, Mapping) else {}
    summary.update(build_summary(findings, resources, coverage))
    summary["rule_errors"] = (
        result.summary.get("rule_errors", 0) if isinstance(result.summary, Mapping) else 0
    )
    summary["filter"] = flt.to_json()
    return replace(
        result,
        accounts=kept_accounts,
        coverage=coverage,
        findings=findings,
        resources=resources,
        plans=plans,
        summary=summary,
    )


__all__ = ["ResultFilter", "apply_filter", "parse_filter"]
