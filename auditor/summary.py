"""The one run summary: the counts every human-facing output states, and the exit gates.

The CLI summary lines (``evaluate``, ``audit``, ``report``), the HTML report (banner, header,
executive summary), the Markdown report and the Lambda's summary / SNS message all read these
numbers from :func:`summarize`, so they cannot disagree.

What each number counts:

* **account-regions** (the coverage unit): one per (account, Region) the run set out to audit,
  from ``result.coverage``; an account whose Regions could not even be listed is one
  (account, all Regions) entry. Each is *audited* (every operation collected), *partial* (some)
  or *not audited* (none).
* **accounts**: every account the run set out to audit (``audit.accounts`` plus any account that
  appears only in the coverage). *fully audited*: all its account-regions audited; *not audited*:
  none of its account-regions could be read (or it has none); *partly audited*: the rest.
* **resources**: protected / unprotected / unknown verdicts (unknown = in a scope that could not be
  read); the protection rate leaves unknown out.
* **findings** by severity, highest first, leaving out findings an active waiver accepted
  (``auditor.waivers``): those are counted apart as **accepted**, never in the headline or a gate;
  ``stale_waivers`` counts waivers that matched nothing, ``expired_waivers`` findings whose
  waiver has expired (they count as findings again).
* **not evaluated**: resource types outside the rate (``auditor.not_evaluated``): evidence not
  collected (an older bundle) or not inventoried by this version (listed by the region settings).
* **not available**: services AWS does not offer in a Region (the manifest's ``unavailable``,
  per account-region in ``coverage[].unavailable``): nothing to audit there, said in words so
  that it reads neither as "collected, none found" nor as "not audited".

The gates decide the exit code: ``--fail-on SEVERITY`` fails on a finding at or above it,
``--fail-on-not-audited`` fails when any account-region is partial or not audited.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.errors import EXIT_CLEAN, EXIT_FINDINGS
from auditor.model.results import Coverage, EvaluationResult, Severity
from auditor.not_evaluated import NotEvaluated, from_summary
from auditor.services import service_label

COST_KEY = "estimated_monthly_cost_usd"
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 account``, ``2 accounts`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class ScopeCounts:
    """Account-regions by coverage status."""

    audited: int
    partial: int
    not_audited: int

    @property
    def total(self) -> int:
        return self.audited + self.partial + self.not_audited

    @property
    def incomplete(self) -> int:
        """Partial or not audited: what ``--fail-on-not-audited`` fails on."""
        return self.partial + self.not_audited


@dataclass(frozen=True)
class AccountCounts:
    """Accounts the run set out to audit, by how much of them could be read."""

    fully_audited: int
    partly_audited: int
    not_audited: int

    @property
    def total(self) -> int:
        return self.fully_audited + self.partly_audited + self.not_audited


@dataclass(frozen=True)
class Gate:
    """The exit gates of a run and whether each failed."""

    fail_on: Severity | None
    """``--fail-on``; ``None`` = off."""
    findings_at_or_above: int
    """Findings at or above ``fail_on`` (0 when it is off)."""
    fail_on_not_audited: bool
    """``--fail-on-not-audited``."""
    incomplete_scopes: int
    """Account-regions partial or not audited."""
    fail_on_new: Severity | None = None
    """``--fail-on-new``; ``None`` = off."""
    new_at_or_above: int = 0
    """Findings new against the previous run at or above ``fail_on_new``, not waived."""

    @property
    def new_failed(self) -> bool:
        return self.fail_on_new is not None and self.new_at_or_above > 0

    @property
    def findings_failed(self) -> bool:
        return self.fail_on is not None and self.findings_at_or_above > 0

    @property
    def coverage_failed(self) -> bool:
        return self.fail_on_not_audited and self.incomplete_scopes > 0

    @property
    def exit_code(self) -> int:
        return (
            EXIT_FINDINGS if self.findings_failed or self.coverage_failed or self.new_failed else EXIT_CLEAN
        )

    @property
    def enabled(self) -> bool:
        return self.fail_on is not None or self.fail_on_not_audited or self.fail_on_new is not None

    def failed_gates(self) -> tuple[str, ...]:
        """Names of the gates that failed: ``findings``, ``coverage``, ``new``."""
        gates = (
            ("findings", self.findings_failed),
            ("coverage", self.coverage_failed),
            ("new", self.new_failed),
        )
        return tuple(name for name, failed in gates if failed)

    def sentence(self) -> str:
        """E.g. ``--fail-on high: 3 findings at or above (FAILED); exit 1``."""
        parts: list[str] = [] if self.enabled else ["no gate set"]
        if self.fail_on is not None:
            verdict = "FAILED" if self.findings_failed else "passed"
            parts.append(
                f"--fail-on {self.fail_on.value}: {plural(self.findings_at_or_above, 'finding')} "
                f"at or above ({verdict})"
            )
        if self.fail_on_not_audited:
            verdict = "FAILED" if self.coverage_failed else "passed"
            parts.append(
                f"--fail-on-not-audited: {plural(self.incomplete_scopes, 'account-region')} "
                f"partial or not audited ({verdict})"
            )
        if self.fail_on_new is not None:
            verdict = "FAILED" if self.new_failed else "passed"
            parts.append(
                f"--fail-on-new {self.fail_on_new.value}: {plural(self.new_at_or_above, 'new finding')} "
                f"at or above ({verdict})"
            )
        return "; ".join(parts) + f"; exit {self.exit_code}"

    def to_json(self) -> dict[str, Any]:
        return {
            "fail_on": None if self.fail_on is None else self.fail_on.value,
            "findings_at_or_above": self.findings_at_or_above,
            "fail_on_not_audited": self.fail_on_not_audited,
            "incomplete_account_regions": self.incomplete_scopes,
            "fail_on_new": None if self.fail_on_new is None else self.fail_on_new.value,
            "new_at_or_above": self.new_at_or_above,
            "failed": list(self.failed_gates()),
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class Unavailable:
    """Services AWS does not offer in one Region, and how many audited account-regions that is."""

    region: str
    services: tuple[str, ...]
    """boto3 names, sorted."""
    account_regions: int

    @property
    def labels(self) -> str:
        """``Timestream, VirtualMachine``: what a reader calls the services."""
        return ", ".join(service_label(s) for s in self.services)

    def sentence(self) -> str:
        """``Timestream: not available in ap-south-2, nothing to audit (3 account-regions)``."""
        return (
            f"{self.labels}: not available in {self.region}, nothing to audit "
            f"({plural(self.account_regions, 'account-region')})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "services": list(self.services),
            "account_regions": self.account_regions,
        }


def unavailable_by_region(coverage: Iterable[Coverage]) -> tuple[Unavailable, ...]:
    """The coverage's ``unavailable`` services grouped by Region (the same services in every
    account-region of a Region), sorted by Region."""
    services: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for c in coverage:
        if c.unavailable and c.region:
            services[c.region].update(c.unavailable)
            counts[c.region] += 1
    return tuple(Unavailable(r, tuple(sorted(services[r])), counts[r]) for r in sorted(services))


@dataclass(frozen=True)
class RunSummary:
    """The counts of one evaluated run (see the module docstring for what each counts)."""

    account_regions: ScopeCounts
    accounts: AccountCounts
    protected: int
    unprotected: int
    unknown: int
    findings_by_severity: tuple[tuple[Severity, int], ...]
    """Highest severity first."""
    rule_errors: int
    monthly_cost_usd: float
    gate: Gate
    not_evaluated: tuple[NotEvaluated, ...] = ()
    """Resource types outside the protection rate (evidence not collected, not inventoried)."""
    accepted: int = 0
    """Findings an active waiver accepted (not in ``findings_by_severity``)."""
    expired_waivers: int = 0
    """Findings whose matching waiver has expired (they are in ``findings_by_severity``)."""
    stale_waivers: int = 0
    """Active waivers that matched no finding of this run."""
    since_previous: str = ""
    """The headline of what changed since ``--previous`` (``auditor.diff``); empty without one."""
    rules_not_evaluated: tuple[str, ...] = ()
    """Rules (or their organization part) whose evidence the bundle's collector never gathered."""
    unavailable: tuple[Unavailable, ...] = ()
    """Services AWS does not offer in a Region of the audit, by Region (nothing to audit there)."""

    @property
    def resources(self) -> int:
        return self.protected + self.unprotected + self.unknown

    @property
    def findings(self) -> int:
        return sum(n for _, n in self.findings_by_severity)

    @property
    def protection_rate(self) -> float | None:
        """protected / (protected + unprotected); ``None`` when nothing was judged."""
        judged = self.protected + self.unprotected
        return None if judged == 0 else self.protected / judged

    def count(self, severity: Severity) -> int:
        return dict(self.findings_by_severity)[severity]

    # ------------------------------------------------------------------ sentences

    def coverage_sentence(self) -> str:
        """``8 of 10 account-regions audited, 0 partial, 2 NOT AUDITED``."""
        s = self.account_regions
        return (
            f"{s.audited} of {plural(s.total, 'account-region')} audited, {s.partial} partial, "
            f"{s.not_audited} NOT AUDITED"
        )

    def accounts_sentence(self) -> str:
        """``4 of 5 accounts fully audited, 0 partly, 1 NOT AUDITED``."""
        a = self.accounts
        return (
            f"{a.fully_audited} of {plural(a.total, 'account')} fully audited, {a.partly_audited} partly, "
            f"{a.not_audited} NOT AUDITED"
        )

    def resources_sentence(self) -> str:
        rate = self.protection_rate
        return (
            f"{plural(self.resources, 'resource')}: {self.protected} protected, {self.unprotected} unprotected, "
            f"{self.unknown} unknown (not audited)"
            + ("" if rate is None else f"; effective protection {rate:.1%} of judged")
            + (
                " (inventoried types only)"
                if rate is not None and any(not n.rule_id for n in self.not_evaluated)
                else ""
            )
        )

    def not_evaluated_sentence(self) -> str:
        """``evidence not collected: S3 (opted in 2/2); not inventoried by this version: EKS (opted
        in 1/2)``; empty when every type was evaluated."""
        groups: dict[str, list[str]] = {}
        for n in self.not_evaluated:
            groups.setdefault(n.why, []).append(n.short())
        return "; ".join(f"{why}: {', '.join(types)}" for why, types in groups.items())

    def unavailable_sentence(self) -> str:
        """``Timestream: not available in ap-south-2, nothing to audit (3 account-regions); ...``;
        empty when every audited Region offers every service."""
        return "; ".join(u.sentence() for u in self.unavailable)

    def findings_sentence(self) -> str:
        """``3 findings: 0 critical, 2 high, ...; 1 waived (accepted risk)``: the waived count is
        always stated, so a waiver never hides a finding silently."""
        return (
            f"{plural(self.findings, 'finding')}: "
            + ", ".join(f"{n} {s.value}" for s, n in self.findings_by_severity)
            + f"; {self.accepted} waived (accepted {'risk' if self.accepted == 1 else 'risks'})"
        )

    def waivers_sentence(self) -> str:
        """``1 waiver expired, 2 stale (matched nothing)``; empty when neither."""
        parts = []
        if self.expired_waivers:
            parts.append(f"{plural(self.expired_waivers, 'finding')} whose waiver expired (counted again)")
        if self.stale_waivers:
            parts.append(f"{plural(self.stale_waivers, 'stale waiver')} (matched no finding)")
        return "; ".join(parts)

    def lines(self) -> list[str]:
        """The summary block the CLI prints on stderr (two-space indented, labelled)."""
        lines = [
            f"  coverage:  {self.coverage_sentence()}",
            f"  accounts:  {self.accounts_sentence()}",
            f"  resources: {self.resources_sentence()}",
            f"  findings:  {self.findings_sentence()}",
        ]
        if self.not_evaluated:
            lines.append(f"  not evaluated: {self.not_evaluated_sentence()}")
        if self.unavailable:
            lines.append(f"  not in Region: {self.unavailable_sentence()}")
        if self.waivers_sentence():
            lines.append(f"  waivers:   {self.waivers_sentence()}")
        if self.since_previous:
            lines.append(f"  since last run: {self.since_previous}")
        if self.rules_not_evaluated:
            lines.append(
                f"  rules not evaluated (evidence not collected): {', '.join(self.rules_not_evaluated)}"
            )
        if self.monthly_cost_usd:
            lines.append(f"  estimated avoidable backup storage: {self.monthly_cost_usd:,.2f} USD/month")
        if self.rule_errors:
            lines.append(
                f"  RULE ERRORS: {plural(self.rule_errors, 'rule')} failed; see findings and 'errors'"
            )
        if self.gate.enabled:
            lines.append(f"  gate:      {self.gate.sentence()}")
        return lines

    def to_json(self) -> dict[str, Any]:
        """The machine-readable form (the Lambda's summary.json and return value); ``unavailable``
        only when a Region of the audit lacks a service, ``rules_not_evaluated`` (rule ids) only
        when the bundle lacks a rule's evidence."""
        s, a = self.account_regions, self.accounts
        out: dict[str, Any] = {
            "account_regions": {
                "total": s.total,
                "audited": s.audited,
                "partial": s.partial,
                "not_audited": s.not_audited,
            },
            "accounts": {
                "total": a.total,
                "fully_audited": a.fully_audited,
                "partly_audited": a.partly_audited,
                "not_audited": a.not_audited,
            },
            "resources": {
                "total": self.resources,
                "protected": self.protected,
                "unprotected": self.unprotected,
                "unknown": self.unknown,
            },
            "findings": {sev.value: n for sev, n in self.findings_by_severity},
            "accepted": self.accepted,
            "expired_waivers": self.expired_waivers,
            "stale_waivers": self.stale_waivers,
            "since_previous": self.since_previous,
            "rule_errors": self.rule_errors,
            "gate": self.gate.to_json(),
            "not_evaluated": [n.to_json() for n in self.not_evaluated],
        }
        if self.unavailable:
            out["unavailable"] = [u.to_json() for u in self.unavailable]
        if self.rules_not_evaluated:
            out["rules_not_evaluated"] = list(self.rules_not_evaluated)
        return out


def summarize(
    result: EvaluationResult,
    *,
    fail_on: Severity | None = None,
    fail_on_not_audited: bool = False,
    fail_on_new: Severity | None = None,
) -> RunSummary:
    """Count ``result`` once for every output (works on a fresh evaluation and on a findings JSON)."""
    statuses = Counter(c.status for c in result.coverage)
    scopes = ScopeCounts(statuses["audited"], statuses["partial"], statuses["not_audited"])
    verdicts = Counter(
        "protected"
        if r.get("protected") is True
        else "unprotected"
        if r.get("protected") is False
        else "unknown"
        for r in result.resources
    )
    severities = Counter(f.severity for f in result.findings if not f.waived)
    at_or_above = 0 if fail_on is None else sum(n for s, n in severities.items() if s.at_least(fail_on))
    costs = [c for c in (_cost(f.details.get(COST_KEY)) for f in result.findings) if c is not None]
    return RunSummary(
        account_regions=scopes,
        accounts=_accounts(result),
        protected=verdicts["protected"],
        unprotected=verdicts["unprotected"],
        unknown=verdicts["unknown"],
        findings_by_severity=tuple((s, severities[s]) for s in SEVERITIES_DESC),
        rule_errors=_rule_errors(result),
        monthly_cost_usd=round(sum(costs), 2),
        gate=Gate(
            fail_on=fail_on,
            findings_at_or_above=at_or_above,
            fail_on_not_audited=fail_on_not_audited,
            incomplete_scopes=scopes.incomplete,
            fail_on_new=fail_on_new,
            new_at_or_above=_new_at_or_above(result, fail_on_new),
        ),
        not_evaluated=from_summary(result.summary) if isinstance(result.summary, Mapping) else (),
        accepted=sum(1 for f in result.findings if f.waived),
        expired_waivers=sum(1 for f in result.findings if f.waiver is not None and not f.waived),
        stale_waivers=_stale_waivers(result),
        since_previous=str(_since_previous(result).get("headline") or ""),
        rules_not_evaluated=_rules_not_evaluated(result.summary),
        unavailable=unavailable_by_region(result.coverage),
    )


def _rules_not_evaluated(summary: object) -> tuple[str, ...]:
    """Rule ids of a findings JSON's ``summary.rules_not_evaluated`` (``BKP-037 (organization)``
    where only the organization part was not evaluated)."""
    raw = summary.get("rules_not_evaluated") if isinstance(summary, Mapping) else None
    if not isinstance(raw, list):
        return ()
    return tuple(
        str(r.get("rule_id")) + (" (organization)" if r.get("part") == "organization" else "")
        for r in raw
        if isinstance(r, Mapping) and r.get("rule_id")
    )


def _since_previous(result: EvaluationResult) -> Mapping[str, Any]:
    member = result.summary.get("since_previous") if isinstance(result.summary, Mapping) else None
    return member if isinstance(member, Mapping) else {}


def new_ids(result: EvaluationResult) -> frozenset[str]:
    """Ids of the findings new since ``--previous`` (empty without one)."""
    ids = _since_previous(result).get("new_ids")
    return frozenset(str(i) for i in ids) if isinstance(ids, list) else frozenset()


def _new_at_or_above(result: EvaluationResult, threshold: Severity | None) -> int:
    if threshold is None:
        return 0
    if not _since_previous(result):  # no previous run (the Lambda's first): every finding is new
        return sum(1 for f in result.findings if f.severity.at_least(threshold) and not f.waived)
    ids = new_ids(result)
    return sum(1 for f in result.findings if f.severity.at_least(threshold) and not f.waived and f.id in ids)


def _stale_waivers(result: EvaluationResult) -> int:
    waivers = result.summary.get("waivers") if isinstance(result.summary, Mapping) else None
    stale = waivers.get("stale") if isinstance(waivers, Mapping) else None
    return len(stale) if isinstance(stale, list) else 0


def _accounts(result: EvaluationResult) -> AccountCounts:
    by_account: dict[str, set[str]] = defaultdict(set)
    for account in result.accounts:
        by_account.setdefault(str(account.get("id") or ""), set())
    for c in result.coverage:
        by_account[c.account_id].add(c.status)
    full = sum(1 for s in by_account.values() if s == {"audited"})
    none = sum(1 for s in by_account.values() if not s or s == {"not_audited"})
    return AccountCounts(fully_audited=full, partly_audited=len(by_account) - full - none, not_audited=none)


def _cost(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _rule_errors(result: EvaluationResult) -> int:
    counted = result.summary.get("rule_errors") if isinstance(result.summary, Mapping) else None
    if isinstance(counted, int):
        return counted
    return sum(1 for e in result.errors if e.get("kind") == "rule")


__all__ = [
    "SEVERITIES_DESC",
    "AccountCounts",
    "Gate",
    "RunSummary",
    "ScopeCounts",
    "Unavailable",
    "new_ids",
    "plural",
    "summarize",
    "unavailable_by_region",
]
