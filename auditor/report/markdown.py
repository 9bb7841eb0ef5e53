"""``--format markdown``: a summary for a pull request or a chat message.

Counts by severity, protection, what was not audited, and the top findings. Every value that
comes from AWS (names, ARNs, messages) is escaped so it cannot add Markdown structure or HTML.
"""

from __future__ import annotations

import re

from auditor.model.results import EvaluationResult
from auditor.report.base import ReportFormat
from auditor.report.view import ReportView, build_view

TOP_FINDINGS = 10
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: object) -> str:
    """Escape ``text`` for a Markdown table cell or line: HTML, Markdown punctuation, newlines."""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _SPECIAL.sub(r"\\\1", value)
    return " ".join(value.split())


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def _since(v: ReportView) -> list[str]:
    """What changed since the last run (``audit --previous``), new findings first."""
    sp = v.since_previous
    if sp is None:
        return []
    out = ["", f"### Since the last run: {md(sp.get('headline', ''))}"]
    new = [f for g in v.groups for f in g.findings if f.id in v.new_ids]
    if new:
        out += ["", "| new | rule | subject |", "|---|---|---|"]
        out += [
            f"| {f.severity.value} | {f.rule_id} | {md(f.resource_arn or f.account_id or '')} |"
            for f in new[:TOP_FINDINGS]
        ]
    resolved = v.resolved_since_previous
    if resolved:
        out += ["", f"Resolved: {len(resolved)} findings."]
    return out


def _accepted(v: ReportView) -> list[str]:
    """The accepted risks (waived findings) and stale waivers; nothing without a waivers file."""
    if not v.waivers_used:
        return []
    out = ["", f"### Accepted risks: {len(v.accepted)} waived findings", ""]
    if v.accepted:
        out += ["| rule | subject | owner | days left | reason |", "|---|---|---|---:|---|"]
        for f in v.accepted[:TOP_FINDINGS]:
            w = f.waiver
            if w is not None:
                subject = f.resource_arn or f"{f.account_id or 'organization'} {f.region or ''}".strip()
                out.append(
                    f"| {f.rule_id} | {md(subject)} | {md(w.owner)} | {w.days_left} | {md(w.reason)} |"
                )
        if len(v.accepted) > TOP_FINDINGS:
            out.append(f"\n…and {len(v.accepted) - TOP_FINDINGS} more; see the HTML or JSON report.")
    for stale in v.stale_waivers:
        out.append(
            f"- stale waiver[{stale.get('entry')}] {md(stale.get('rule'))}: matched no finding "
            f"({md(stale.get('owner'))})"
        )
    return out


def _disagreements(v: ReportView) -> list[str]:
    """BKP-091 by the reading that decided the prediction; nothing when there is none."""
    if not v.disagreements:
        return []
    out = ["", "### Where AWS Backup's own record disagrees with our prediction"]
    for g in v.disagreements:
        head = f"{g.reading}: {g.title}" if g.reading else g.title
        out += ["", f"**{md(head)}** ({len(g.findings)})", ""]
        for f in g.findings[:TOP_FINDINGS]:
            d = f.details
            ev = d.get("evidence") or {}
            what = (
                "backed up, not predicted"
                if d.get("disagreement") == "backed-up-not-predicted"
                else ("predicted, not backed up")
            )
            out.append(
                f"- {what}: {md(f.resource_arn or '')}, plan {md(d.get('plan_name', ''))}; "
                f"{md(d.get('reading_text', ''))}; evidence {md(ev.get('id', 'none'))} {md(ev.get('time', ''))}"
            )
        if len(g.findings) > TOP_FINDINGS:
            out.append(f"- …and {len(g.findings) - TOP_FINDINGS} more; see the HTML or JSON report.")
    return out


class MarkdownFormat(ReportFormat):
    suffix = ".md"

    def render(self, result: EvaluationResult) -> str:
        v = build_view(result)
        org = f" of organization `{md(v.organization_id)}`" if v.organization_id else ""
        out = [
            f"## backup-auditor: {v.total_findings} findings{org}",
            "",
            f"{len(v.accounts)} accounts, {len(v.regions)} regions, collected "
            f"{result.collected_at.strftime('%Y-%m-%d %H:%M UTC')}, backup-auditor {md(result.tool_version)}.",
            "",
            "| severity | findings |",
            "|---|---:|",
        ]
        out += [f"| {sev.value} | {n} |" for sev, n in v.severity_counts]
        t = v.totals
        out += [
            "",
            f"**Effective protection: {_pct(v.rate)}**: {t.protected} protected, {t.unprotected} unprotected, "
            f"{t.unknown} unknown (not audited) of {t.total} resources.",
        ]
        if v.monthly_cost_usd:
            out += ["", f"**Estimated monthly cost of cost findings: ${v.monthly_cost_usd:,.2f}**"]
        ar = v.summary.account_regions
        out += ["", f"Coverage: {v.summary.coverage_sentence()}; {v.summary.accounts_sentence()}."]
        if v.summary.not_evaluated:
            out += ["", f"Not evaluated (outside the rate): {md(v.summary.not_evaluated_sentence())}."]
        if v.summary.rules_not_evaluated:
            rules = ", ".join(v.summary.rules_not_evaluated)
            out += ["", f"Rules not evaluated (evidence not collected): {md(rules)}."]
        if v.summary.unavailable:
            out += [
                "",
                "Not available in the Region (nothing to audit; neither an error nor none found):",
                "",
            ]
            out += [f"- {md(u.sentence())}" for u in v.summary.unavailable]
        if v.not_audited:
            out += [
                "",
                f"### :warning: Not audited: {ar.not_audited} of {ar.total} account-regions, {ar.partial} partial",
                "",
            ]
            for n in v.not_audited:
                scope = f"account {n.account_id}" + (f" {md(n.account_name)}" if n.account_name else "")
                scope += f", region {n.region}" if n.region else " (whole account)"
                why = "; ".join(n.reasons) or ", ".join(n.missing)
                out.append(f"- {scope}: {md(why)}")
        out += _since(v)
        out += _accepted(v)
        out += _disagreements(v)
        if v.groups:
            out += [
                "",
                "### Top findings",
                "",
                "| severity | rule | title | affected |",
                "|---|---|---|---:|",
            ]
            for g in v.groups[:TOP_FINDINGS]:
                out.append(f"| {g.severity.value} | {g.rule_id} | {md(g.title)} | {len(g.findings)} |")
            if len(v.groups) > TOP_FINDINGS:
                out.append(f"\n…and {len(v.groups) - TOP_FINDINGS} more rules; see the HTML or JSON report.")
        return "\n".join(out) + "\n"
