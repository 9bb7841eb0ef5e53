"""``--format html``: one self-contained HTML file for security teams.

No network: CSS and JavaScript are inlined from ``templates/`` and a Content-Security-Policy
(``default-src 'none'``, the script allowed by its SHA-256 only) keeps anything else from loading
or running. Every value from the evaluation goes through jinja2's autoescaping; the inventory is
embedded for the script as gzip-compressed JSON in base64, repeated strings written once
(:func:`inventory_data`; the script decompresses it with the browser's built-in
``DecompressionStream``, so 250,000 resources take a few megabytes, and base64 holds no character
HTML could read as markup). Without JavaScript the
report still reads: sections are server-rendered and the inventory shows its first
``max_static_rows`` rows with a note saying so.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from collections.abc import Sequence
from datetime import datetime
from importlib.resources import files
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from auditor.compliance import subject_key
from auditor.gcpause import paused_gc
from auditor.model.results import EvaluationResult, Severity
from auditor.report.base import ReportFormat
from auditor.report.view import STATUSES, PlanView, ReportView, build_view

MAX_STATIC_ROWS = 500
"""Inventory rows rendered in the HTML itself (all rows are reachable with JavaScript on)."""
MAX_FINDING_ROWS = 250
"""Affected resources listed per rule; the rest are in the JSON / CSV formats."""
MAX_CHIPS = 40
"""Resources named per backup selection in the plans view (fewer in a report with many selections)."""
CHIP_BUDGET = 20_000
"""Resources named in the whole plans view, per list (protected, skipped): a report with more than
``CHIP_BUDGET / MAX_CHIPS`` selections names fewer per selection, at least one. Each selection's
counts stay exact, and the inventory lists every resource with the selections that protect it."""
MAX_CONTROL_ROWS = 100
"""Non-compliant subjects listed per control in the Controls section (the count is exact)."""

STATUS_LABEL = {"protected": "Protected", "unprotected": "Unprotected", "unknown": "Unknown"}
COLORS = {"protected": "#4ade80", "unprotected": "#b91c1c", "unknown": "#94a3b8"}
# Heatmap ramp: relative luminance rises with the protection rate, so it reads in greyscale too.
RAMP: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (0x7F, 0x1D, 0x1D)),
    (0.5, (0xDC, 0x5A, 0x14)),
    (0.75, (0xF4, 0xB6, 0x3F)),
    (0.9, (0xE6, 0xEB, 0x9A)),
    (1.0, (0xC9, 0xF2, 0xD2)),
)


def template_dir() -> Path:
    """``auditor/templates`` (a link to the repository's ``templates/`` and package data in wheels)."""
    return Path(str(files("auditor") / "templates"))


def _ramp(rate: float) -> tuple[int, int, int]:
    rate = min(1.0, max(0.0, rate))
    for (lo, c0), (hi, c1) in pairwise(RAMP):
        if rate <= hi:
            t = (rate - lo) / (hi - lo)
            r, g, b = (round(a + (b_ - a) * t) for a, b_ in zip(c0, c1, strict=True))
            return (r, g, b)
    return RAMP[-1][1]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def heat_fill(rate: float | None) -> str:
    if rate is None:
        return "#cbd5e1"
    return "#{:02x}{:02x}{:02x}".format(*_ramp(rate))


def heat_style(rate: float | None) -> str:
    if rate is None:
        return ""
    rgb = _ramp(rate)
    ink = "#ffffff" if _luminance(rgb) < 0.3 else "#0f172a"
    return f"background:{heat_fill(rate)};color:{ink}"


def pct(rate: float | None, digits: int = 1) -> str:
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "n/a"
    value = rate * 100
    text = f"{value:.{digits}f}"
    # never round a gap away: 99.96% shown as 100% would read as fully protected
    if rate < 1 and float(text) >= 100:
        text = f"{100 - 10**-digits:.{digits}f}" if digits else "99"
    return f"{text}%"


def num(value: int | float) -> str:
    return f"{value:,}"


def usd(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"${value:,.2f}"


def ticks(text: object) -> Markup:
    """Escape ``text`` and show its `backticked` parts (plan and selection names in reasons) as code.
    Every piece goes through ``escape``; only the ``<code>`` elements added here are markup."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # unbalanced: leave the text as it is
        return escape(str(text))
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part) for i, part in enumerate(parts)
    )


def link(url: object) -> str:
    """``url`` when it is an http(s) link, else ``#``: a findings JSON is input, and autoescaping does
    not stop a ``javascript:`` URL in an ``href``."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else "#"


def fmt_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def fmt_date(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=pct,
        num=num,
        usd=usd,
        ticks=ticks,
        link=link,
        datetime=fmt_datetime,
        date=fmt_date,
        heat_style=heat_style,
        heat_fill=heat_fill,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False, "separators": (",", ":")}
    return env


INTERNED_FROM = 2
"""Inventory columns from this one on (type, account, account name, Region, status, reason, tags)
repeat across rows: each cell is an index in a table of strings (a list of strings, the tags: an
index in a table of such lists), each string and list written once."""


def _tail(arn: str) -> str:
    """What follows the ARN's last ``:`` and then its last ``/`` (a resource's default name)."""
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def inventory_data(rows: Sequence[Sequence[Any]]) -> str:
    """``rows`` column by column as compact JSON, gzip-compressed (level 6, no timestamp: the
    same rows give the same bytes) and base64-encoded.

    The first column (the ARN) is split at its resource part: ``prefix`` indexes the rest (the
    ARN up to the account's resource type, shared by many rows) in ``strings``, ``tail`` holds
    the resource part. The second (the name) is ``0`` where it equals that resource part (the
    name a resource without one is given), else the name. Each later column is in ``columns``:
    string cells as indexes in ``strings`` (kind ``s``), list cells as indexes in ``lists``
    (kind ``l``), each list a list of indexes in ``strings``. The browser parses a few numbers
    and two short strings per row instead of an array of nine; ``report.js``'s ``unpack`` (and
    :func:`unpack_inventory`) put the rows back."""
    strings: dict[str, int] = {}
    lists: dict[tuple[int, ...], int] = {}

    def index(value: str) -> int:
        n = strings.get(value)
        if n is None:
            n = strings[value] = len(strings)
        return n

    def list_index(values: Sequence[str]) -> int:
        key = tuple(index(v) for v in values)
        n = lists.get(key)
        if n is None:
            n = lists[key] = len(lists)
        return n

    prefix: list[int] = []
    tail: list[str] = []
    names: list[str | int] = []
    for row in rows:
        arn, name = row[0], row[1]
        end = _tail(arn)
        prefix.append(index(arn[: len(arn) - len(end)]))
        tail.append(end)
        names.append(0 if name == end else name)
    width = max((len(row) for row in rows), default=INTERNED_FROM)
    kinds: list[str] = []
    columns: list[list[int]] = []
    for c in range(INTERNED_FROM, width):
        cells = [row[c] for row in rows]
        if all(isinstance(v, str) for v in cells):
            kinds.append("s")
            columns.append([index(v) for v in cells])
        elif all(isinstance(v, list) for v in cells):
            kinds.append("l")
            columns.append([list_index(v) for v in cells])
        else:
            raise TypeError(f"inventory column {c}: strings or lists of strings, one kind per column")
    payload = {
        "n": len(rows),
        "strings": list(strings),
        "lists": [list(k) for k in lists],
        "prefix": prefix,
        "tail": tail,
        "name": names,
        "kinds": kinds,
        "columns": columns,
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    packed = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def unpack_inventory(data: str) -> list[list[Any]]:
    """The rows :func:`inventory_data` packed (what ``report.js`` rebuilds; for tests and tools)."""
    payload = json.loads(gzip.decompress(base64.b64decode(data, validate=True)))
    strings: list[str] = payload["strings"]
    lists: list[list[str]] = [[strings[i] for i in k] for k in payload["lists"]]
    columns = [
        [strings[i] for i in col] if kind == "s" else [list(lists[i]) for i in col]
        for kind, col in zip(payload["kinds"], payload["columns"], strict=True)
    ]
    return [
        [
            strings[p] + t,
            t if name == 0 else name,
            *(col[i] for col in columns),
        ]
        for i, (p, t, name) in enumerate(
            zip(payload["prefix"], payload["tail"], payload["name"], strict=True)
        )
    ]


def _inventory_rows(view: ReportView) -> list[list[Any]]:
    return [
        [
            r.arn,
            r.name,
            r.resource_type,
            r.account_id,
            r.account_name,
            r.region,
            r.status,
            "; ".join(r.protected_by) if r.protected_by else r.reason,
            [f"{k}={v}" for k, v in r.tags],
        ]
        for r in view.resources
    ]


def finding_links(view: ReportView, max_rows: int) -> dict[tuple[str, str], str]:
    """``(rule id, subject key) -> id`` of the finding's row in the findings section, or in the
    accepted risks for a waived finding (rows past ``max_rows`` are not rendered: their subjects
    link to the rule's block instead)."""
    links: dict[tuple[str, str], str] = {}
    for g in view.groups:
        for i, f in enumerate(g.findings[:max_rows], 1):
            links.setdefault((g.rule_id, subject_key(f)), f"{g.anchor}-{i}")
    for i, f in enumerate(view.accepted[:max_rows], 1):  # waived: still non-compliant, listed there
        links.setdefault((f.rule_id, subject_key(f)), f"accepted-{i}")
    return links


def chips_per_selection(plans: Sequence[PlanView]) -> int:
    """Resources named per selection in the plans view: ``MAX_CHIPS``, or fewer (at least one) so
    that all selections together stay within ``CHIP_BUDGET`` (a report of 30,000 selections would
    otherwise carry more than 100 MB of names there)."""
    selections = sum(len(p.selections) for p in plans)
    return max(1, min(MAX_CHIPS, CHIP_BUDGET // max(1, selections)))


def _plan_groups(plans: Sequence[PlanView]) -> list[tuple[str, list[PlanView]]]:
    return [(key, list(items)) for key, items in groupby(plans, key=lambda p: p.account_id)]


class HtmlFormat(ReportFormat):
    suffix = ".html"

    def __init__(
        self, max_static_rows: int = MAX_STATIC_ROWS, max_finding_rows: int = MAX_FINDING_ROWS
    ) -> None:
        self.max_static_rows = max_static_rows
        self.max_finding_rows = max_finding_rows
        self._env = _environment()

    def _asset(self, name: str) -> str:
        source, _, _ = self._env.loader.get_source(self._env, name)  # type: ignore[union-attr]  # set in _environment
        return source

    def render(self, result: EvaluationResult) -> str:
        with paused_gc():  # millions of small acyclic objects: see auditor.gcpause
            return self._render(result)

    def _render(self, result: EvaluationResult) -> str:
        view = build_view(result)
        js = self._asset("report.js")
        digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
        ramp_css = ", ".join(f"{heat_fill(stop)} {stop * 100:.0f}%" for stop, _ in RAMP)
        template = self._env.get_template("report.html.j2")
        return template.render(
            r=result,
            v=view,
            names=view.resource_names,
            account_names=dict(view.accounts),
            plan_groups=_plan_groups(view.plans),
            statuses=STATUSES,
            urgent_severities=(Severity.CRITICAL, Severity.HIGH),
            status_label=STATUS_LABEL,
            colors=COLORS,
            ramp_css=ramp_css,
            inventory_data=inventory_data(_inventory_rows(view)),
            max_static_rows=self.max_static_rows,
            max_finding_rows=self.max_finding_rows,
            max_chips=chips_per_selection(view.plans),
            max_control_rows=MAX_CONTROL_ROWS,
            finding_links=finding_links(view, self.max_finding_rows),
            # Our own static assets, not data: inlined verbatim (the script is pinned by its hash).
            css=Markup(self._asset("report.css")),
            js=Markup(js),
            script_hash=f"sha256-{digest}",
        )
