"""What changed between two runs: findings by stable id, verdicts by ARN, coverage by scope.

``backup-auditor diff OLD NEW`` and ``audit --previous`` both use :func:`compare`. Findings are the
same finding when their ids are equal (:attr:`auditor.model.results.Finding.id`). A finding of OLD
that NEW lacks is *resolved* only where NEW could judge it: when its account-region (or account) is
partial or not audited in NEW, it is *not re-evaluated* instead, never resolved. Waived findings
(``auditor.waivers``) take part like the others and keep their waiver, so a report can say that a
new finding is already accepted; ``--fail-on-new`` leaves them out.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.model.results import Coverage, EvaluationResult, Finding, Severity
from auditor.summary import SEVERITIES_DESC, summarize


@dataclass(frozen=True)
class VerdictChange:
    """A resource whose verdict differs between the runs (``None`` = unknown or absent)."""

    arn: str
    account_id: str
    region: str
    resource_type: str
    before: bool | None
    after: bool | None
    reason: str
    """Why NEW judged it so (the resolver's reason)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "account_id": self.account_id,
            "region": self.region,
            "resource_type": self.resource_type,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CoverageChange:
    """An account-region whose coverage status differs between the runs."""

    account_id: str
    region: str | None
    before: str
    after: str
    reasons: tuple[str, ...]
    """NEW's reasons (for a loss)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "region": self.region,
            "before": self.before,
            "after": self.after,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class AccountDiff:
    account_id: str
    new: int
    resolved: int
    rate_before: float | None
    rate_after: float | None


@dataclass(frozen=True)
class RunDiff:
    """Everything that changed from ``old`` to ``new``."""

    old_as_of: str
    new_as_of: str
    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    not_reevaluated: tuple[Finding, ...]
    """Findings of OLD whose scope NEW could not read: neither resolved nor still open."""
    unchanged: int
    became_unprotected: tuple[VerdictChange, ...]
    became_protected: tuple[VerdictChange, ...]
    coverage_lost: tuple[CoverageChange, ...]
    coverage_regained: tuple[CoverageChange, ...]
    rate_before: float | None
    rate_after: float | None
    accounts: tuple[AccountDiff, ...]

    def new_at_or_above(self, threshold: Severity) -> list[Finding]:
        """New findings at or above ``threshold`` that no active waiver accepted (``--fail-on-new``)."""
        return [f for f in self.new if f.severity.at_least(threshold) and not f.waived]

    def headline(self) -> str:
        """``2 new (1 high, 1 low), 1 resolved, 40 unchanged; protection 91.0% -> 93.5%``."""
        by_sev = Counter(f.severity for f in self.new)
        detail = ", ".join(f"{by_sev[s]} {s.value}" for s in SEVERITIES_DESC if by_sev[s])
        parts = [
            f"{len(self.new)} new" + (f" ({detail})" if detail else ""),
            f"{len(self.resolved)} resolved",
            f"{self.unchanged} unchanged",
        ]
        if self.not_reevaluated:
            parts.append(f"{len(self.not_reevaluated)} not re-evaluated (scope not audited now)")
        line = ", ".join(parts) + f"; protection {_pct(self.rate_before)} -> {_pct(self.rate_after)}"
        if self.became_unprotected or self.became_protected:
            line += (
                f"; {len(self.became_unprotected)} resources became unprotected, "
                f"{len(self.became_protected)} protected"
            )
        if self.coverage_lost or self.coverage_regained:
            line += (
                f"; coverage lost in {len(self.coverage_lost)} account-regions, "
                f"regained in {len(self.coverage_regained)}"
            )
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "old_as_of": self.old_as_of,
            "new_as_of": self.new_as_of,
            "new": [_finding_ref(f) for f in self.new],
            "resolved": [_finding_ref(f) for f in self.resolved],
            "not_reevaluated": [_finding_ref(f) for f in self.not_reevaluated],
            "unchanged": self.unchanged,
            "became_unprotected": [c.to_json() for c in self.became_unprotected],
            "became_protected": [c.to_json() for c in self.became_protected],
            "coverage_lost": [c.to_json() for c in self.coverage_lost],
            "coverage_regained": [c.to_json() for c in self.coverage_regained],
            "protection_rate": {"before": self.rate_before, "after": self.rate_after},
            "accounts": [
                {
                    "account_id": a.account_id,
                    "new": a.new,
                    "resolved": a.resolved,
                    "protection_rate": {"before": a.rate_before, "after": a.rate_after},
                }
                for a in self.accounts
            ],
        }


def _finding_ref(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "rule_id": f.rule_id,
        "severity": f.severity.value,
        "account_id": f.account_id,
        "region": f.region,
        "resource_arn": f.resource_arn,
        "resource_type": f.resource_type,
        "title": f.title,
        "message": f.message,
        "waived": f.waived,
    }


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


# ------------------------------------------------------------------------------------------------
# Comparing
# ------------------------------------------------------------------------------------------------


def compare(old: EvaluationResult, new: EvaluationResult) -> RunDiff:
    """The changes from ``old`` to ``new``, each list in a stable order."""
    old_ids = {f.id: f for f in old.findings}
    new_ids = {f.id: f for f in new.findings}
    readable = _readable_scopes(new.coverage)
    gone = [f for i, f in old_ids.items() if i not in new_ids]
    resolved = [f for f in gone if _judged(f, readable)]
    not_reevaluated = [f for f in gone if not _judged(f, readable)]
    added = [f for i, f in new_ids.items() if i not in old_ids]
    before = _verdicts(old.resources)
    after = _verdicts(new.resources)
    changes = [_verdict_change(arn, before.get(arn), row) for arn, row in after.items()]
    lost, regained = _coverage_changes(old.coverage, new.coverage)
    return RunDiff(
        old_as_of=old.as_of.isoformat(),
        new_as_of=new.as_of.isoformat(),
        new=tuple(_sorted(added)),
        resolved=tuple(_sorted(resolved)),
        not_reevaluated=tuple(_sorted(not_reevaluated)),
        unchanged=sum(1 for i in new_ids if i in old_ids),
        became_unprotected=tuple(c for c in changes if c is not None and c.after is False),
        became_protected=tuple(c for c in changes if c is not None and c.after is True),
        coverage_lost=tuple(lost),
        coverage_regained=tuple(regained),
        rate_before=summarize(old).protection_rate,
        rate_after=summarize(new).protection_rate,
        accounts=tuple(_accounts(old, new, added, resolved)),
    )


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.account_id or "", f.subject))


def _readable_scopes(coverage: Sequence[Coverage]) -> set[tuple[str, str | None]]:
    """(account, region) scopes NEW read completely, plus (account, None) for fully audited accounts."""
    audited = {(c.account_id, c.region) for c in coverage if c.status == "audited"}
    statuses: dict[str, set[str]] = defaultdict(set)
    for c in coverage:
        statuses[c.account_id].add(c.status)
    audited |= {(a, None) for a, s in statuses.items() if s == {"audited"}}
    return audited


def _judged(f: Finding, readable: set[tuple[str, str | None]]) -> bool:
    if f.account_id is None:
        return True
    return (f.account_id, f.region) in readable


def _verdicts(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(r.get("arn")): r for r in resources}


def _verdict_change(arn: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> VerdictChange | None:
    before = None if old is None else old.get("protected")
    after = new.get("protected")
    if after is None or before == after or (old is None and after is True):
        return None  # unknown now, unchanged, or a new resource that is protected: no change to report
    return VerdictChange(
        arn=arn,
        account_id=str(new.get("account_id") or ""),
        region=str(new.get("region") or ""),
        resource_type=str(new.get("resource_type") or ""),
        before=before if isinstance(before, bool) else None,
        after=bool(after),
        reason=str(new.get("reason") or ""),
    )


def _coverage_changes(
    old: Sequence[Coverage], new: Sequence[Coverage]
) -> tuple[list[CoverageChange], list[CoverageChange]]:
    rank = {"audited": 2, "partial": 1, "not_audited": 0}
    before = {(c.account_id, c.region): c for c in old}
    lost: list[CoverageChange] = []
    regained: list[CoverageChange] = []
    for c in sorted(new, key=lambda c: (c.account_id, c.region or "")):
        prev = before.get((c.account_id, c.region))
        if prev is None or prev.status == c.status:
            continue
        change = CoverageChange(c.account_id, c.region, prev.status, c.status, c.reasons)
        (lost if rank[c.status] < rank[prev.status] else regained).append(change)
    return lost, regained


def _rate_by_account(result: EvaluationResult) -> dict[str, float | None]:
    counts: dict[str, Counter[object]] = defaultdict(Counter)
    for r in result.resources:
        counts[str(r.get("account_id") or "")][r.get("protected")] += 1
    out: dict[str, float | None] = {}
    for account, c in counts.items():
        judged = c[True] + c[False]
        out[account] = None if judged == 0 else c[True] / judged
    return out


def _accounts(
    old: EvaluationResult, new: EvaluationResult, added: Sequence[Finding], resolved: Sequence[Finding]
) -> list[AccountDiff]:
    before, after = _rate_by_account(old), _rate_by_account(new)
    added_by = Counter(f.account_id or "" for f in added)
    resolved_by = Counter(f.account_id or "" for f in resolved)
    accounts = sorted(set(before) | set(after) | set(added_by) | set(resolved_by))
    return [
        AccountDiff(a, added_by[a], resolved_by[a], before.get(a), after.get(a))
        for a in accounts
        if added_by[a] or resolved_by[a] or before.get(a) != after.get(a)
    ]


# ------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------


def _subject(f: Finding) -> str:
    return (
        f.resource_arn
        or " ".join(p for p in (f.account_id, f.region, f.resource_type) if p)
        or "organization"
    )


def to_text(d: RunDiff) -> str:
    lines = [f"backup-auditor diff: {d.old_as_of} -> {d.new_as_of}", f"  {d.headline()}"]
    for title, findings in (
        ("NEW", d.new),
        ("RESOLVED", d.resolved),
        ("NOT RE-EVALUATED", d.not_reevaluated),
    ):
        for f in findings:
            waived = " (waived)" if f.waived else ""
            lines.append(f"  {title:<8} {f.severity.value:<8} {f.rule_id} {_subject(f)}{waived}")
    for c in d.became_unprotected:
        lines.append(f"  UNPROTECTED {c.resource_type} {c.arn}: {c.reason}")
    for c in d.became_protected:
        lines.append(f"  PROTECTED   {c.resource_type} {c.arn}")
    for cov in d.coverage_lost:
        why = "; ".join(cov.reasons)
        lines.append(
            f"  COVERAGE LOST {cov.account_id} {cov.region or 'all Regions'}: {cov.before} -> {cov.after} {why}"
        )
    for cov in d.coverage_regained:
        lines.append(
            f"  COVERAGE REGAINED {cov.account_id} {cov.region or 'all Regions'}: {cov.before} -> {cov.after}"
        )
    for a in d.accounts:
        lines.append(
            f"  account {a.account_id}: {a.new} new, {a.resolved} resolved, "
            f"protection {_pct(a.rate_before)} -> {_pct(a.rate_after)}"
        )
    return "\n".join(lines) + "\n"


def to_markdown(d: RunDiff) -> str:
    from auditor.report.markdown import md  # the report's escaping of AWS-supplied text

    out = [f"## Since the last run ({md(d.old_as_of)})", "", md(d.headline()), ""]
    for title, findings in (("New findings", d.new), ("Resolved findings", d.resolved)):
        if findings:
            out += [f"### {title}", "", "| severity | rule | subject |", "|---|---|---|"]
            out += [
                f"| {f.severity.value} | {f.rule_id} | {md(_subject(f))}{' (waived)' if f.waived else ''} |"
                for f in findings
            ]
            out.append("")
    if d.not_reevaluated:
        out += [
            f"{len(d.not_reevaluated)} earlier findings were not re-evaluated: their scope was not audited now.",
            "",
        ]
    for title, changes in (
        ("Became unprotected", d.became_unprotected),
        ("Became protected", d.became_protected),
    ):
        if changes:
            out += [f"### {title}", ""] + [f"- {c.resource_type} `{md(c.arn)}`" for c in changes] + [""]
    for title, covs in (("Coverage lost", d.coverage_lost), ("Coverage regained", d.coverage_regained)):
        if covs:
            out += [f"### {title}", ""]
            out += [f"- {c.account_id} {c.region or 'all Regions'}: {c.before} -> {c.after}" for c in covs]
            out.append("")
    if d.accounts:
        out += ["| account | new | resolved | protection before | after |", "|---|---:|---:|---:|---:|"]
        out += [
            f"| {a.account_id} | {a.new} | {a.resolved} | {_pct(a.rate_before)} | {_pct(a.rate_after)} |"
            for a in d.accounts
        ]
    return "\n".join(out).rstrip("\n") + "\n"


def to_json_text(d: RunDiff) -> str:
    return json.dumps({"format": "backup-auditor-diff", "version": 1, **d.to_json()}, indent=2) + "\n"


def to_html(d: RunDiff) -> str:
    """A self-contained page (escaped, no script) with the same content as the Markdown."""
    from html import escape

    rows = []
    for title, findings in (
        ("new", d.new),
        ("resolved", d.resolved),
        ("not re-evaluated", d.not_reevaluated),
    ):
        for f in findings:
            rows.append(
                f'<tr data-change="{escape(title)}"><td>{escape(title)}</td><td>{f.severity.value}</td>'
                f"<td>{escape(f.rule_id)}</td><td>{escape(_subject(f))}</td>"
                f"<td>{'waived' if f.waived else ''}</td></tr>"
            )
    verdicts = [
        f"<li>{'unprotected' if c.after is False else 'protected'}: {escape(c.resource_type)} "
        f"<code>{escape(c.arn)}</code></li>"
        for c in (*d.became_unprotected, *d.became_protected)
    ]
    coverage = [
        f"<li>{escape(c.account_id)} {escape(c.region or 'all Regions')}: {c.before} &rarr; {c.after}</li>"
        for c in (*d.coverage_lost, *d.coverage_regained)
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<title>backup-auditor diff</title></head><body>"
        f'<section id="since-last-run"><h2>Since the last run ({escape(d.old_as_of)})</h2>'
        f"<p>{escape(d.headline())}</p>"
        "<table><thead><tr><th>change</th><th>severity</th><th>rule</th><th>subject</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<ul id="verdict-changes">{"".join(verdicts)}</ul><ul id="coverage-changes">{"".join(coverage)}</ul>'
        "</section></body></html>\n"
    )


def summary_member(d: RunDiff, previous: str) -> dict[str, Any]:
    """What ``audit --previous`` puts in the findings JSON's ``summary.since_previous``: the ids of
    new findings (the report badges them), the resolved ones in full, and the counts."""
    return {
        "previous": previous,
        "previous_as_of": d.old_as_of,
        "headline": d.headline(),
        "new_ids": [f.id for f in d.new],
        "resolved": [_finding_ref(f) for f in d.resolved],
        "not_reevaluated": len(d.not_reevaluated),
        "unchanged": d.unchanged,
        "became_unprotected": [c.arn for c in d.became_unprotected],
        "became_protected": [c.arn for c in d.became_protected],
        "coverage_lost": [c.to_json() for c in d.coverage_lost],
        "coverage_regained": [c.to_json() for c in d.coverage_regained],
        "protection_rate": {"before": d.rate_before, "after": d.rate_after},
    }


__all__ = [
    "AccountDiff",
    "CoverageChange",
    "RunDiff",
    "VerdictChange",
    "compare",
    "summary_member",
    "to_html",
    "to_json_text",
    "to_markdown",
    "to_text",
]
