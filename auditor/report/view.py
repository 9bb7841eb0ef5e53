"""What every human-facing format shows, derived once from an ``EvaluationResult``.

The HTML and Markdown formats read this view instead of recomputing counts, so the numbers they
print agree. Nothing here mutates the result; everything is a frozen record or a tuple.

Definitions used throughout the reports:

* a resource is **protected** when ``protected`` is true, **unprotected** when false and
  **unknown** when null (its account-region could not be audited for what decides it);
* the **effective protection rate** is protected / (protected + unprotected): resources of unknown
  status are left out of the rate and counted on their own, never as protected;
* the **estimated monthly cost** is the sum of ``details.estimated_monthly_cost_usd`` over findings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from auditor.compliance import ControlStatus, control_statuses
from auditor.errors import BadInputError
from auditor.frameworks import Framework
from auditor.gcpause import paused_gc
from auditor.history import RunRecord, records_of
from auditor.model.results import Coverage, EvaluationResult, Finding, Severity
from auditor.protection.reading_ids import READINGS
from auditor.report.remediation import Remediation, remediation_for
from auditor.report.trend import TrendChart, trend_chart
from auditor.services import service_label
from auditor.summary import RunSummary, new_ids, summarize

Status = Literal["protected", "unprotected", "unknown"]
STATUSES: tuple[Status, ...] = ("protected", "unprotected", "unknown")
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))
COST_KEY = "estimated_monthly_cost_usd"


def status_of(protected: object) -> Status:
    if protected is True:
        return "protected"
    if protected is False:
        return "unprotected"
    return "unknown"


def _str(value: object) -> str:
    return "" if value is None else str(value)


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def _objects(value: object, where: str) -> list[Mapping[str, Any]]:
    """A list of JSON objects, or a clear error naming the member (a findings JSON is input)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
        raise BadInputError(f"member '{where}' must be a list of objects")
    return list(value)


def _texts(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise BadInputError(f"member '{where}' must be a list of strings")
    return tuple(value)


def _days(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return ""
    return f"{int(value)} days"


def _name_from_arn(arn: str) -> str:
    tail = arn.rsplit(":", 1)[-1]
    return tail.rsplit("/", 1)[-1]


class ResourceRow(NamedTuple):
    """One inventory row (a named tuple: a quarter of a million of them are built per report)."""

    arn: str
    name: str
    account_id: str
    account_name: str
    region: str
    resource_type: str
    status: Status
    reason: str
    protected_by: tuple[str, ...]
    """``plan / selection`` for each selection that protects it."""
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TypeCounts:
    resource_type: str
    protected: int
    unprotected: int
    unknown: int

    @property
    def total(self) -> int:
        return self.protected + self.unprotected + self.unknown

    @property
    def rate(self) -> float | None:
        known = self.protected + self.unprotected
        return None if known == 0 else self.protected / known


CellState = Literal["audited", "partial", "not_audited", "out_of_scope"]


@dataclass(frozen=True)
class HeatCell:
    account_id: str
    region: str
    state: CellState
    counts: TypeCounts
    note: str
    """Why the cell is not (fully) audited, or empty."""


@dataclass(frozen=True)
class HeatRow:
    account_id: str
    account_name: str
    cells: tuple[HeatCell, ...]
    total: TypeCounts
    """All Regions of the account together."""


@dataclass(frozen=True)
class OuGroup:
    """The heatmap rows of one organizational unit and their roll-up (per Region and in all)."""

    path: str
    rows: tuple[HeatRow, ...]
    cells: tuple[TypeCounts, ...]
    """Per Region of the report (``ReportView.regions`` order): the unit's accounts together."""
    total: TypeCounts
    not_audited: int
    """Accounts of the unit with no Region read at all."""

    @property
    def anchor(self) -> str:
        return "ou-" + "".join(ch if ch.isalnum() else "-" for ch in self.path.lower())


@dataclass(frozen=True)
class NotAudited:
    account_id: str
    account_name: str
    region: str | None
    status: str
    missing: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class NotInRegion:
    """An account-region where AWS does not offer some services: nothing of them to audit."""

    account_id: str
    account_name: str
    region: str
    services: tuple[str, ...]
    """What a reader calls them (``Timestream``, ``Storage Gateway``)."""


@dataclass(frozen=True)
class RuleGroup:
    rule_id: str
    title: str
    severity: Severity
    doc_url: str
    remediation: str
    how_to: Remediation
    findings: tuple[Finding, ...]
    monthly_cost_usd: float | None

    @property
    def rationale(self) -> str:
        return self.how_to.rationale

    @property
    def anchor(self) -> str:
        return "rule-" + self.rule_id.lower()


@dataclass(frozen=True)
class ReadingGroup:
    """BKP-091 findings whose prediction one reading of AWS's documentation decided (``reading``
    None: only documented semantics did)."""

    reading: str | None
    title: str
    findings: tuple[Finding, ...]

    @property
    def anchor(self) -> str:
        return "reading-" + (self.reading or "none").lower()


@dataclass(frozen=True)
class SelectionView:
    selection_id: str
    selection_name: str
    protected: tuple[str, ...]
    blocked: tuple[str, ...]


_DOW = {
    "SUN": "Sunday",
    "MON": "Monday",
    "TUE": "Tuesday",
    "WED": "Wednesday",
    "THU": "Thursday",
    "FRI": "Friday",
    "SAT": "Saturday",
    "1": "Sunday",
    "2": "Monday",
    "3": "Tuesday",
    "4": "Wednesday",
    "5": "Thursday",
    "6": "Friday",
    "7": "Saturday",
}


def describe_schedule(expression: str) -> str:
    """Plain words for the common AWS Backup schedules (``cron(m h dom mon dow y)``, ``rate(...)``);
    an empty string when the expression is anything else (the raw expression is always shown)."""
    text = expression.strip()
    if text.startswith("rate(") and text.endswith(")"):
        return "every " + text[5:-1]
    if not (text.startswith("cron(") and text.endswith(")")):
        return ""
    parts = text[5:-1].split()
    if len(parts) != 6 or not (parts[0].isdigit() and parts[1].isdigit()):
        return ""
    minute, hour, dom, month, dow, _ = parts
    at = f"at {int(hour):02d}:{int(minute):02d} UTC"
    if dom in ("*", "?") and month == "*" and dow in ("*", "?"):
        return f"daily {at}"
    if dom in ("*", "?") and month == "*" and dow.upper() in _DOW:
        return f"weekly on {_DOW[dow.upper()]} {at}"
    if dom.isdigit() and month == "*" and dow in ("*", "?"):
        return f"monthly on day {int(dom)} {at}"
    if dom.isdigit() and month.isdigit() and dow in ("*", "?"):
        return f"yearly on {int(month)}/{int(dom)} {at}"
    return ""


@dataclass(frozen=True)
class RuleView:
    name: str
    schedule: str
    schedule_text: str
    target_vault: str
    retention: str
    cold_after: str
    copies: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    account_id: str
    account_name: str
    region: str
    plan_id: str
    plan_name: str
    plan_arn: str
    rules: tuple[RuleView, ...]
    selections: tuple[SelectionView, ...]


@dataclass(frozen=True)
class ReportView:
    organization_id: str
    management_account_id: str
    accounts: tuple[tuple[str, str], ...]
    """(id, name) of every account the run set out to audit."""
    regions: tuple[str, ...]
    severity_counts: tuple[tuple[Severity, int], ...]
    total_findings: int
    totals: TypeCounts
    by_type: tuple[TypeCounts, ...]
    monthly_cost_usd: float
    cost_by_rule: tuple[tuple[str, str, float], ...]
    heatmap: tuple[HeatRow, ...]
    not_audited: tuple[NotAudited, ...]
    groups: tuple[RuleGroup, ...]
    resources: tuple[ResourceRow, ...]
    plans: tuple[PlanView, ...]
    resource_names: Mapping[str, str]
    """ARN -> short name, for lists of ARNs."""
    blocked_reasons: Mapping[str, str]
    """ARN -> why a selection that reaches it cannot back it up (``opt-in off``, ``unsupported: ...``)."""
    summary: RunSummary
    """The counts every output states (account-regions, accounts, resources, findings)."""
    accepted: tuple[Finding, ...] = ()
    """Findings an active waiver accepted (left out of ``groups`` and the counts), soonest expiry first."""
    waivers_used: bool = False
    """Whether the run applied a waivers file (the report then has an "Accepted risks" section)."""
    stale_waivers: tuple[Mapping[str, Any], ...] = ()
    """Waivers that matched no finding (``summary.waivers.stale`` of the findings JSON)."""
    since_previous: Mapping[str, Any] | None = None
    """``summary.since_previous`` (``audit --previous``): what changed since the last run."""
    new_ids: frozenset[str] = frozenset()
    """Ids of the findings new since the last run (badged in the report)."""
    ou_groups: tuple[OuGroup, ...] = ()
    """The heatmap grouped by organizational unit, when the run listed the OU tree."""
    trend: tuple[RunRecord, ...] = ()
    """The last runs of the history index, this one last (``summary.history``)."""
    controls: tuple[tuple[Framework, tuple[ControlStatus, ...]], ...] = ()
    """Mapped controls of other frameworks by framework, each with its compliant / non-compliant /
    unknown subjects (:mod:`auditor.compliance`)."""
    disagreements: tuple[ReadingGroup, ...] = ()
    """BKP-091 findings (AWS Backup's record vs the prediction) grouped by the reading that decided
    the prediction: the report's "Where AWS Backup's own record disagrees" section."""
    not_in_region: tuple[NotInRegion, ...] = ()
    """Account-regions where AWS does not offer some services (``coverage[].unavailable``)."""

    def trend_chart(self, width: int = 640, height: int = 180) -> TrendChart | None:
        """Coordinates for the inline SVG (two runs at least)."""
        return trend_chart(self.trend, width, height) if len(self.trend) >= 2 else None

    @property
    def resolved_since_previous(self) -> tuple[Mapping[str, Any], ...]:
        if self.since_previous is None:
            return ()
        return tuple(_objects(self.since_previous.get("resolved"), "summary.since_previous.resolved"))

    @property
    def rate(self) -> float | None:
        return self.totals.rate

    def worst_cells(self, limit: int = 5) -> list[HeatCell]:
        """Account-regions with the most unprotected resources (ties: lowest rate first)."""
        cells = [c for row in self.heatmap for c in row.cells if c.counts.unprotected > 0]
        cells.sort(key=lambda c: (-c.counts.unprotected, c.counts.rate or 0.0, c.account_id, c.region))
        return cells[:limit]

    @property
    def audited_accounts(self) -> int:
        """Accounts every account-region of which was read completely."""
        return self.summary.accounts.fully_audited


def _count(rows: Iterable[ResourceRow], label: str) -> TypeCounts:
    c = Counter(r.status for r in rows)
    return TypeCounts(label, c["protected"], c["unprotected"], c["unknown"])


def _protected_by(value: object, i: int, labels: dict[int, str]) -> tuple[str, ...]:
    """``plan / selection`` per selection of ``resources[i]``; ``labels`` caches them per
    selection object (a findings JSON version 2 shares one object per selection among the
    resources it protects), so each object is checked and labelled once."""
    if not value:
        return ()
    if not isinstance(value, list | tuple):
        raise BadInputError(f"member 'resources[{i}].selections' must be a list of objects")
    out = []
    for s in value:
        label = labels.get(id(s))
        if label is None:
            if not isinstance(s, Mapping):
                raise BadInputError(f"member 'resources[{i}].selections' must be a list of objects")
            label = labels[id(s)] = (
                f"{_str(_first(s, 'plan_name', 'plan_id'))} / {_str(_first(s, 'selection_name', 'selection_id'))}"
            )
        out.append(label)
    return tuple(out)


def _resource_rows(result: EvaluationResult, names: Mapping[str, str]) -> list[ResourceRow]:
    rows: list[ResourceRow] = []
    labels: dict[int, str] = {}  # the selection objects live in result as long as this does
    tag_memo: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
    append = rows.append
    for i, r in enumerate(result.resources):
        get = r.get
        arn = _str(get("arn"))
        account = _str(get("account_id"))
        protected = get("protected")
        by = _protected_by(get("selections"), i, labels)
        tags = get("tags") or _NO_TAGS
        if type(tags) is not dict and not isinstance(tags, Mapping):
            raise BadInputError(f"member 'resources[{i}].tags' must be an object")
        append(
            ResourceRow(
                arn,
                _str(get("name")) or _name_from_arn(arn),
                account,
                names.get(account, ""),
                _str(get("region")),
                _str(get("resource_type")),
                "protected" if protected is True else "unprotected" if protected is False else "unknown",
                _str(get("reason")),
                by if protected is True else (),
                _tags(tags, tag_memo),
            )
        )
    order = {s: i for i, s in enumerate(("unprotected", "unknown", "protected"))}
    rows.sort(key=lambda x: (order[x.status], x.account_id, x.region, x.resource_type, x.arn))
    return rows


_NO_TAGS: Mapping[str, Any] = {}


def _tags(
    tags: Mapping[str, Any], memo: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
) -> tuple[tuple[str, str], ...]:
    """``(key, value)`` pairs sorted, values as text; equal tag sets share one tuple (a few
    combinations repeat across an organization's resources)."""
    if not tags:
        return ()
    if all(type(v) is str for v in tags.values()):
        items = tuple(sorted(tags.items()))
    else:
        items = tuple(sorted((str(k), _str(v)) for k, v in tags.items()))
    return memo.setdefault(items, items)


def _regions(result: EvaluationResult) -> list[str]:
    found: set[str] = set()
    for i, a in enumerate(result.accounts):
        found.update(_texts(a.get("regions"), f"audit.accounts[{i}].regions"))
    found.update(c.region for c in result.coverage if c.region)
    found.update(_str(r.get("region")) for r in result.resources if r.get("region"))
    return sorted(found)


def _why(c: Coverage) -> tuple[str, ...]:
    """Reasons without repeating the same cause once per operation (``op: cause`` -> ``cause``)."""
    causes: dict[str, list[str]] = {}
    for reason in c.reasons:
        op, sep, rest = reason.partition(": ")
        key = rest if sep and op in c.missing else reason
        causes.setdefault(key, []).append(op)
    return tuple(
        f"{cause} ({len(ops)} operations)"
        if len(ops) > 1
        else (f"{ops[0]}: {cause}" if cause != ops[0] else cause)
        for cause, ops in causes.items()
    )


def _not_in_region(coverage: Sequence[Coverage], names: Mapping[str, str]) -> list[NotInRegion]:
    """Account-regions whose Region lacks some services, by account then Region."""
    return sorted(
        (
            NotInRegion(
                c.account_id, names.get(c.account_id, ""), c.region, tuple(map(service_label, c.unavailable))
            )
            for c in coverage
            if c.unavailable and c.region
        ),
        key=lambda n: (n.account_id, n.region),
    )


def _not_audited(
    coverage: Sequence[Coverage], names: Mapping[str, str], scope: Mapping[str, Sequence[str]]
) -> list[NotAudited]:
    """Not (fully) audited scopes; an account none of whose Regions could be read is one entry."""
    bad = [c for c in coverage if c.status != "audited"]
    by_account: dict[str, list[Coverage]] = defaultdict(list)
    for c in bad:
        by_account[c.account_id].append(c)
    out = []
    for account, items in by_account.items():
        regions = {c.region for c in items if c.status == "not_audited"}
        in_scope = set(scope.get(account, ())) | {c.region for c in coverage if c.account_id == account}
        whole = None in regions or (regions and regions >= in_scope)
        if whole:
            missing = sorted({m for c in items for m in c.missing})
            why = tuple(dict.fromkeys(w for c in items for w in _why(c)))
            out.append(NotAudited(account, names.get(account, ""), None, "not_audited", tuple(missing), why))
            continue
        out += [
            NotAudited(account, names.get(account, ""), c.region, c.status, c.missing, _why(c)) for c in items
        ]
    out.sort(key=lambda n: (n.region is not None, n.account_id, n.region or ""))
    return out


def _heatmap(
    result: EvaluationResult, rows: Sequence[ResourceRow], regions: Sequence[str], names: Mapping[str, str]
) -> list[HeatRow]:
    cov: dict[tuple[str, str | None], Coverage] = {(c.account_id, c.region): c for c in result.coverage}
    scope: dict[str, set[str]] = {}
    for i, a in enumerate(result.accounts):
        scope[_str(a.get("id"))] = set(_texts(a.get("regions"), f"audit.accounts[{i}].regions"))
    for c in result.coverage:
        scope.setdefault(c.account_id, set())
        if c.region:
            scope[c.account_id].add(c.region)
    cells: dict[tuple[str, str], list[ResourceRow]] = defaultdict(list)
    by_account: dict[str, list[ResourceRow]] = defaultdict(list)
    for r in rows:
        scope.setdefault(r.account_id, set()).add(r.region)
        cells[(r.account_id, r.region)].append(r)
        by_account[r.account_id].append(r)
    heat = []
    for account in sorted(scope):
        whole = cov.get((account, None))
        line = []
        for region in regions:
            counts = _count(cells.get((account, region), ()), region)
            here = cov.get((account, region))
            state: CellState
            if whole is not None and whole.status == "not_audited":
                state, note = "not_audited", "; ".join(whole.reasons) or "account not audited"
            elif here is not None and here.status != "audited":
                state, note = here.status, "; ".join(here.reasons or here.missing)
            elif region not in scope[account]:
                state, note = "out_of_scope", "region not in this run"
            else:
                state, note = "audited", ""
            line.append(HeatCell(account, region, state, counts, note))
        total = _count(by_account.get(account, ()), "all")
        heat.append(HeatRow(account, names.get(account, ""), tuple(line), total))
    return heat


def _ou_groups(result: EvaluationResult, heat: Sequence[HeatRow], regions: Sequence[str]) -> list[OuGroup]:
    """Heatmap rows by their account's OU path (``audit.accounts[].ou_path``); none when no
    account has one. Accounts the tree did not place go under "(not in the OU tree)"."""
    paths = {_str(a.get("id")): _str(a.get("ou_path")) for a in result.accounts if a.get("ou_path")}
    if not paths:
        return []
    grouped: dict[str, list[HeatRow]] = defaultdict(list)
    for row in heat:
        grouped[paths.get(row.account_id, "(not in the OU tree)")].append(row)
    out = []
    for path in sorted(grouped):
        members = grouped[path]
        cells = tuple(
            _sum_counts([r.cells[i].counts for r in members], region) for i, region in enumerate(regions)
        )
        not_audited = sum(1 for r in members if r.cells and all(c.state == "not_audited" for c in r.cells))
        out.append(
            OuGroup(path, tuple(members), cells, _sum_counts([r.total for r in members], "all"), not_audited)
        )
    return out


def _sum_counts(counts: Sequence[TypeCounts], label: str) -> TypeCounts:
    return TypeCounts(
        label,
        sum(c.protected for c in counts),
        sum(c.unprotected for c in counts),
        sum(c.unknown for c in counts),
    )


def _cost(finding: Finding) -> float | None:
    value = finding.details.get(COST_KEY)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_RANK = {s: s.rank for s in Severity}


def _finding_order(f: Finding) -> tuple[int, str, str, str]:
    """Most severe first, then account, Region and resource (``None`` as the empty string)."""
    return (-_RANK[f.severity], f.account_id or "", f.region or "", f.resource_arn or "")


def _groups(findings: Sequence[Finding]) -> list[RuleGroup]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.rule_id].append(f)
    groups = []
    for rule_id, items in by_rule.items():
        items.sort(key=_finding_order)
        top = items[0]
        costs = [c for c in map(_cost, items) if c is not None]
        groups.append(
            RuleGroup(
                rule_id=rule_id,
                title=top.title,
                severity=top.severity,
                doc_url=top.doc_url,
                remediation=top.remediation,
                how_to=remediation_for(rule_id, items),
                findings=tuple(items),
                monthly_cost_usd=sum(costs) if costs else None,
            )
        )
    groups.sort(key=lambda g: (-g.severity.rank, g.rule_id))
    return groups


def _retention(days: object) -> str:
    if days is None or (isinstance(days, float) and days != days):
        return "kept forever"
    if isinstance(days, int | float):
        return f"{int(days)} days"
    return str(days)


def _plans(result: EvaluationResult, names: Mapping[str, str]) -> list[PlanView]:
    plans = []
    for i, p in enumerate(result.plans):
        rules = []
        for j, r in enumerate(_objects(p.get("rules"), f"plans[{i}].rules")):
            copies = []
            for c in _objects(r.get("copy_actions"), f"plans[{i}].rules[{j}].copy_actions"):
                dest = _str(
                    _first(
                        c,
                        "destination_vault_arn",
                        "destination_backup_vault_arn",
                        "DestinationBackupVaultArn",
                    )
                )
                keep = _first(c, "delete_after_days")
                if keep is None and isinstance(c.get("Lifecycle"), Mapping):
                    keep = c["Lifecycle"].get("DeleteAfterDays")
                copies.append(f"{dest} ({_retention(keep)})")
            cold = _first(r, "move_to_cold_after_days")
            rules.append(
                RuleView(
                    name=_str(_first(r, "rule_name", "name")),
                    schedule=_str(_first(r, "schedule", "schedule_expression")) or "on demand / continuous",
                    schedule_text=describe_schedule(_str(_first(r, "schedule", "schedule_expression"))),
                    target_vault=_str(_first(r, "target_vault", "target_backup_vault_name")),
                    retention=_retention(_first(r, "delete_after_days")),
                    cold_after=_days(cold),
                    copies=tuple(copies),
                )
            )
        selections = [
            SelectionView(
                selection_id=_str(s.get("selection_id")),
                selection_name=_str(_first(s, "selection_name", "selection_id")),
                protected=_texts(s.get("protected_arns"), f"plans[{i}].selections[{k}].protected_arns"),
                blocked=_texts(s.get("blocked_arns"), f"plans[{i}].selections[{k}].blocked_arns"),
            )
            for k, s in enumerate(_objects(p.get("selections"), f"plans[{i}].selections"))
        ]
        account = _str(p.get("account_id"))
        plans.append(
            PlanView(
                account_id=account,
                account_name=names.get(account, ""),
                region=_str(p.get("region")),
                plan_id=_str(p.get("plan_id")),
                plan_name=_str(_first(p, "plan_name", "plan_id")),
                plan_arn=_str(p.get("plan_arn")),
                rules=tuple(rules),
                selections=tuple(selections),
            )
        )
    plans.sort(key=lambda v: (v.account_id, v.region, v.plan_name, v.plan_id))
    return plans


def _by_type(rows: Iterable[ResourceRow]) -> dict[str, list[ResourceRow]]:
    out: dict[str, list[ResourceRow]] = defaultdict(list)
    for r in rows:
        out[r.resource_type].append(r)
    return out


def _names_and_scope(result: EvaluationResult) -> tuple[dict[str, str], dict[str, list[str]]]:
    names = {_str(a.get("id")): _str(a.get("name")) for a in result.accounts}
    scope = {
        _str(a.get("id")): list(_texts(a.get("regions"), f"audit.accounts[{i}].regions"))
        for i, a in enumerate(result.accounts)
    }
    return names, scope


def not_audited(result: EvaluationResult) -> tuple[NotAudited, ...]:
    """``build_view(result).not_audited`` without building the rest of the view."""
    names, scope = _names_and_scope(result)
    return tuple(_not_audited(result.coverage, names, scope))


_last: list[tuple[EvaluationResult, ReportView]] = []
"""The last view built and its result: ``report`` checks a findings JSON by building the view and
the HTML format then renders it; a result is never mutated, so the same object has the same view."""


def forget_views() -> None:
    """Drop the cached view (and the result it holds): a command done with both frees them."""
    _last.clear()


def build_view(result: EvaluationResult) -> ReportView:
    """The view of ``result`` (built once for the last result asked for)."""
    if _last and _last[0][0] is result:
        return _last[0][1]
    with paused_gc():  # many small acyclic records: see auditor.gcpause
        view = _build_view(result)
    _last[:] = [(result, view)]
    return view


def _build_view(result: EvaluationResult) -> ReportView:
    names, scope = _names_and_scope(result)
    rows = _resource_rows(result, names)
    regions = _regions(result)
    heat = tuple(_heatmap(result, rows, regions, names))
    counted = [f for f in result.findings if not f.waived]
    sev = Counter(f.severity for f in counted)
    groups = _groups(counted)
    waivers = result.summary.get("waivers") if isinstance(result.summary, Mapping) else None
    since = result.summary.get("since_previous") if isinstance(result.summary, Mapping) else None
    cost_by_rule = tuple(
        (g.rule_id, g.title, g.monthly_cost_usd) for g in groups if g.monthly_cost_usd is not None
    )
    org = result.organization or {}
    return ReportView(
        organization_id=_str(org.get("id")),
        management_account_id=_str(org.get("management_account_id")),
        accounts=tuple(sorted(names.items())),
        regions=tuple(regions),
        severity_counts=tuple((s, sev[s]) for s in SEVERITIES_DESC),
        total_findings=len(counted),
        totals=_count(rows, "all"),
        by_type=tuple(_count(of_type, t) for t, of_type in sorted(_by_type(rows).items())),
        monthly_cost_usd=round(sum(c for _, _, c in cost_by_rule), 2),
        cost_by_rule=cost_by_rule,
        heatmap=heat,
        ou_groups=tuple(_ou_groups(result, heat, regions)),
        not_audited=tuple(_not_audited(result.coverage, names, scope)),
        groups=tuple(groups),
        resources=tuple(rows),
        plans=tuple(_plans(result, names)),
        resource_names={r.arn: r.name for r in rows},
        blocked_reasons={
            _str(r.get("arn")): f"unsupported: {r['unsupported']}" if r.get("unsupported") else "opt-in off"
            for r in result.resources
        },
        summary=summarize(result),
        accepted=tuple(
            sorted(
                (f for f in result.findings if f.waived),
                key=lambda f: (f.waiver.days_left if f.waiver else 0, f.rule_id, f.subject),
            )
        ),
        waivers_used=isinstance(waivers, Mapping),
        since_previous=since if isinstance(since, Mapping) else None,
        new_ids=new_ids(result),
        trend=tuple(records_of(result.summary)) if isinstance(result.summary, Mapping) else (),
        stale_waivers=tuple(_objects(waivers.get("stale"), "summary.waivers.stale"))
        if isinstance(waivers, Mapping)
        else (),
        controls=_controls(result),
        disagreements=reading_groups(counted),
        not_in_region=tuple(_not_in_region(result.coverage, names)),
    )


DISAGREEMENT_RULE = "BKP-091"


def reading_groups(findings: Iterable[Finding]) -> tuple[ReadingGroup, ...]:
    """BKP-091 findings by ``details.reading`` (open readings first, by id; then "none")."""
    by: dict[str | None, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.rule_id == DISAGREEMENT_RULE:
            reading = f.details.get("reading") if isinstance(f.details, Mapping) else None
            by[reading if isinstance(reading, str) else None].append(f)

    def order(key: str | None) -> tuple[int, int, str]:
        return (1, 0, "") if key is None else (0, int(key[1:]) if key[1:].isdigit() else 0, key)

    return tuple(
        ReadingGroup(
            key,
            READINGS.get(key, "an open reading")
            if key
            else "no open reading: documented selection semantics",
            tuple(by[key]),
        )
        for key in sorted(by, key=order)
    )


def _controls(result: EvaluationResult) -> tuple[tuple[Framework, tuple[ControlStatus, ...]], ...]:
    statuses = control_statuses(result)
    return tuple(
        (fw, items) for fw in Framework if (items := tuple(s for s in statuses if s.control.framework is fw))
    )
