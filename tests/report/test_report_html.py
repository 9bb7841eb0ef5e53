"""HTML report without a browser: self-contained, escaped, pinned script, sections and numbers."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any

import pytest

from auditor.model.results import EvaluationResult
from auditor.report.html import (
    CHIP_BUDGET,
    MAX_CHIPS,
    MAX_FINDING_ROWS,
    MAX_STATIC_ROWS,
    HtmlFormat,
    chips_per_selection,
    inventory_data,
    pct,
    template_dir,
    unpack_inventory,
)
from auditor.report.view import build_view
from tests.report.report_fixtures import XSS_TAG, build_large_result, build_result


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


@pytest.fixture
def html(result: EvaluationResult) -> str:
    return HtmlFormat().render(result)


def test_templates_are_found_through_the_package(result: EvaluationResult) -> None:
    assert (template_dir() / "report.html.j2").is_file()
    assert (template_dir() / "report.js").is_file()


def test_nothing_is_loaded_from_anywhere(html: str) -> None:
    tags = _parse(html).tags
    assert not [t for t, a in tags if t in ("link", "img", "iframe", "object", "embed", "base")]
    assert not [a for _, a in tags if "src" in a]
    assert "@import" not in html and "@font-face" not in html
    assert not re.search(r"url\((?!data:)", html)
    # the only absolute URLs are links a reader may follow (AWS docs), never fetched
    hrefs = [a["href"] for t, a in tags if "href" in a and a["href"] and a["href"].startswith("http")]
    assert hrefs and all(h.startswith("https://docs.aws.amazon.com/") for h in hrefs)


def test_csp_allows_only_the_inline_script_by_hash(html: str) -> None:
    parsed = _parse(html)
    csp = next(
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert (
        csp is not None and "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    )
    code = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(code) == 1
    digest = base64.b64encode(hashlib.sha256(code[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_user_controlled_values_are_escaped_everywhere(html: str) -> None:
    assert XSS_TAG not in html
    assert "<img src=x" not in html
    assert "owner=&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the tag shows as text
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    # the embedded data is base64 (no character that could close its script element)
    data = html.split('id="inventory-data" data-encoding="gzip+base64">', 1)[1].split("</script>", 1)[0]
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", data)
    rows = _inventory(html)
    assert any(f"owner={XSS_TAG}" in r[8] for r in rows)


def _inventory(html: str) -> list[list[Any]]:
    """The inventory rows the script unpacks: base64, then gzip, then JSON."""
    data = html.split('id="inventory-data" data-encoding="gzip+base64">', 1)[1].split("</script>", 1)[0]
    return unpack_inventory(data)


def test_inventory_data_is_deterministic_and_compressed() -> None:
    big = build_large_result(10_000)
    rows = [
        [r["arn"], r["name"], r["resource_type"], r["account_id"], r["region"], ["a=b"]]
        for r in big.resources
    ]
    assert inventory_data(rows) == inventory_data(rows)
    assert len(inventory_data(rows)) < len(json.dumps(rows)) / 4
    assert unpack_inventory(inventory_data(rows)) == rows


def test_inventory_data_writes_each_repeated_string_once() -> None:
    rows = [
        ["arn:aws:ec2:r:1:volume/vol-1", "vol-1", "EC2", ["env=prod", "team=a"]],
        ["arn:aws:ec2:r:1:volume/vol-2", "two", "EC2", ["env=prod"]],
        ["arn:aws:ec2:r:1:volume/vol-3", "vol-3", "EBS", ["env=prod", "team=a"]],
    ]
    payload = json.loads(gzip.decompress(base64.b64decode(inventory_data(rows))))
    assert payload == {
        "n": 3,
        "strings": ["arn:aws:ec2:r:1:volume/", "EC2", "EBS", "env=prod", "team=a"],
        "lists": [[3, 4], [3]],
        "prefix": [0, 0, 0],
        "tail": ["vol-1", "vol-2", "vol-3"],
        "name": [0, "two", 0],  # 0: the name is the ARN's resource part
        "kinds": ["s", "l"],
        "columns": [[1, 1, 2], [0, 1, 0]],
    }
    assert unpack_inventory(inventory_data(rows)) == rows
    assert unpack_inventory(inventory_data([])) == []


def test_inventory_data_takes_one_kind_per_column() -> None:
    with pytest.raises(TypeError, match="inventory column 2"):
        inventory_data([["arn:1", "1", "EC2"], ["arn:2", "2", ["a=b"]]])


def test_no_inline_event_handlers_or_javascript_urls(html: str) -> None:
    for _, attrs in _parse(html).tags:
        assert not [k for k in attrs if k.startswith("on")]
        assert not any((v or "").lower().startswith("javascript:") for v in attrs.values())


def test_header_and_not_audited_banner(html: str) -> None:
    assert "Organization o-a1b2c3d4e5" in html
    assert 'data-metric="accounts-audited">2 of 4<' in html
    assert 'data-metric="account-regions-audited">5 of 7<' in html
    # the account whose role cannot be assumed has one account-level (all Regions) entry
    assert "NOT AUDITED: 1 of 7 account-regions not audited, 1 partial</h2>" in html
    banner = html.split('id="not-audited"', 1)[1].split("</table>", 1)[0]
    assert "444444444444" in banner and "all Regions" in banner and "sts.AssumeRole" in banner
    assert "333333333333" in banner and "us-east-1" in banner and "partially audited" in banner


def test_no_banner_when_everything_was_audited(result: EvaluationResult) -> None:
    clean = replace(result, coverage=tuple(c for c in result.coverage if c.status == "audited"))
    html = HtmlFormat().render(clean)
    assert 'id="not-audited"' not in html and "Every account and Region in scope was read completely" in html


def _metric(html: str, name: str) -> str:
    m = re.search(rf'data-metric="{name}">([^<]*)<', html)
    assert m, name
    return m.group(1)


def test_summary_numbers(html: str, result: EvaluationResult) -> None:
    for sev in ("critical", "high", "medium", "low", "info"):
        assert int(_metric(html, f"findings-{sev}")) == sum(
            1 for f in result.findings if f.severity.value == sev
        )
    assert int(_metric(html, "findings-total")) == len(result.findings)
    assert _metric(html, "protection-rate") == "60.0%"
    assert _metric(html, "resources-unprotected") == "6" and _metric(html, "resources-unknown") == "2"
    assert _metric(html, "monthly-cost") == "$33.25"


def test_heatmap_marks_not_audited_and_partial_cells(html: str) -> None:
    rows = dict(
        re.findall(
            r'<tr data-account="(\d{12})">(.*?)</tr>',
            html.split('id="heatmap"', 1)[1].split("</table>", 1)[0],
            re.S,
        )
    )
    assert rows["444444444444"].count('data-state="not_audited"') == 3  # both Regions and the total
    assert 'data-state="partial"' in rows["333333333333"]
    assert 'data-rate="1.0000"' in rows["222222222222"]  # us-east-1: 3 of 3


def test_findings_are_grouped_by_rule_most_severe_first(html: str, result: EvaluationResult) -> None:
    order = re.findall(r'<details class="card rule sev-edge-(\w+)" id="rule-(bkp-\d+)"', html)
    assert len(order) == len({f.rule_id for f in result.findings})
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
    assert [ranks[s] for s, _ in order] == sorted((ranks[s] for s, _ in order), reverse=True)
    bkp001 = html.split('id="rule-bkp-001"', 1)[1].split("</details>", 1)[0]
    assert "Why it matters" in bkp001 and "https://docs.aws.amazon.com/" in bkp001
    assert "aws backup update-region-settings --region eu-west-1" in bkp001  # <REGION> filled in
    assert "payments-aurora" in bkp001


def test_inventory_lists_every_resource_with_status_and_reason(html: str, result: EvaluationResult) -> None:
    body = html.split('id="inventory-body">', 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr ") == len(result.resources)
    assert body.count('data-status="unknown"') == 2
    assert "daily-35d / tagged-backup-true" in body  # protected: the selection that protects it
    assert "RDS Custom: AWS Backup cannot protect it" in body
    assert 'id="nojs-note"' not in html  # everything fits without JS


def test_plans_show_protected_and_blocked_resources(html: str) -> None:
    plans = html.split('id="plans"', 1)[1]
    card = plans.split('data-plan="plan-daily-pay"', 1)[1].split("</article>", 1)[0]
    assert 'protects <b class="num">3</b>' in card
    assert "✕ payments-aurora (opt-in off)" in card
    assert "cron(0 5 ? * * *)" in card and "35 days" in card
    weekly = plans.split('data-plan="plan-weekly-ana"', 1)[1].split("</article>", 1)[0]
    assert "kept forever" in weekly and "cold after 30 days" in weekly


def _many_selections(result: EvaluationResult, n_selections: int, per_selection: int) -> EvaluationResult:
    """``result`` with one plan of ``n_selections`` selections, each protecting ``per_selection``
    resources and skipping as many."""
    arns = [f"arn:aws:ec2:eu-west-1:111111111111:volume/vol-{i:06d}" for i in range(per_selection)]
    plan = {
        "account_id": "111111111111",
        "region": "eu-west-1",
        "plan_id": "plan-wide",
        "plan_name": "wide",
        "plan_arn": "arn:aws:backup:eu-west-1:111111111111:backup-plan:plan-wide",
        "rules": [],
        "selections": [
            {
                "selection_id": f"sel-{k:05d}",
                "selection_name": f"sel-{k:05d}",
                "protected_arns": arns,
                "blocked_arns": arns,
            }
            for k in range(n_selections)
        ],
    }
    return replace(result, plans=(plan,))


def _plan_chips(html: str) -> tuple[int, int, list[str]]:
    plans = html.split('id="plans"', 1)[1].split("</section>", 1)[0]
    more = re.findall(
        r'<span class="chip(?: blocked)?" title="every resource is in the Inventory section">\+([\d,]+) more</span>',
        plans,
    )
    return plans.count('<span class="chip ok"'), plans.count('<span class="chip blocked" title="arn:'), more


@pytest.mark.parametrize(
    ("n_selections", "per_selection", "shown"),
    [
        (3, MAX_CHIPS + 5, MAX_CHIPS),  # few selections: MAX_CHIPS each, the rest counted
        (3, 7, 7),  # fewer resources than the cap: all named, no "more"
        (CHIP_BUDGET // 10, 25, 10),  # the budget shared: 10 each
        (CHIP_BUDGET * 2, 2, 1),  # more selections than the budget: still one each
    ],
)
def test_plans_view_names_resources_within_a_budget(
    result: EvaluationResult, n_selections: int, per_selection: int, shown: int
) -> None:
    many = _many_selections(result, n_selections, per_selection)
    html = HtmlFormat().render(many)
    ok, blocked, more = _plan_chips(html)
    assert ok == blocked == n_selections * shown
    hidden = per_selection - shown
    assert more == ([f"{hidden:,}"] * (2 * n_selections) if hidden else [])
    assert f'protects <b class="num">{per_selection}</b>' in html


def test_chips_per_selection_counts_every_plan_and_never_goes_below_one() -> None:
    view_plans = build_view(_many_selections(build_result(), CHIP_BUDGET // 4, 1)).plans
    assert chips_per_selection(view_plans) == 4
    assert chips_per_selection(view_plans * 2) == 2
    assert chips_per_selection(view_plans * 8) == 1
    assert chips_per_selection(()) == MAX_CHIPS


def test_large_inventory_renders_first_rows_and_says_so() -> None:
    big = build_large_result(10_000)
    html = HtmlFormat().render(big)
    body = html.split('id="inventory-body">', 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr ") == MAX_STATIC_ROWS
    assert f"Showing the first {MAX_STATIC_ROWS:,} of 10,000 resources" in html
    data = _inventory(html)
    assert len(data) == 10_000 and {r[0] for r in data} == {r["arn"] for r in big.resources}
    bkp002 = html.split('id="rule-bkp-002"', 1)[1].split("</details>", 1)[0]
    assert bkp002.count("<tr data-account") == MAX_FINDING_ROWS
    assert f"Showing {MAX_FINDING_ROWS} of 2,000 affected" in bkp002
    assert len(html) < 6_000_000


def test_rate_never_rounds_a_gap_away() -> None:
    assert pct(0.9996, 1) == "99.9%"
    assert pct(0.9996, 0) == "99%"
    assert pct(1.0, 0) == "100%"
    assert pct(None) == "n/a"


def test_heatmap_ramp_reads_in_greyscale() -> None:
    """Lightness rises with the protection rate, so a greyscale print still orders the cells."""
    from auditor.report.html import _luminance, heat_fill, heat_style

    rates = [i / 40 for i in range(41)]

    def rgb(hex_color: str) -> tuple[int, int, int]:
        return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)

    lum = [_luminance(rgb(heat_fill(r))) for r in rates]
    assert all(a < b for a, b in pairwise(lum))
    assert lum[-1] - lum[0] > 0.6
    # text stays readable: white on the dark end, dark ink on the light end
    assert heat_style(0.0).endswith("color:#ffffff") and heat_style(1.0).endswith("color:#0f172a")


def test_backticked_names_show_as_code_and_stay_escaped() -> None:
    from auditor.report.html import ticks

    assert (
        str(ticks("plan `daily` / selection `a<b>`"))
        == "plan <code>daily</code> / selection <code>a&lt;b&gt;</code>"
    )
    assert str(ticks("<script>`x`</script>")) == "&lt;script&gt;<code>x</code>&lt;/script&gt;"
    assert str(ticks("odd ` tick <i>")) == "odd ` tick &lt;i&gt;"


def test_a_doc_url_that_is_not_http_never_becomes_a_link(result: EvaluationResult) -> None:
    f = replace(result.findings[0], doc_url="javascript:alert(document.domain)")
    html = HtmlFormat().render(replace(result, findings=(f,)))
    assert "javascript:" not in html
    assert '<a href="#" rel="noopener noreferrer">AWS documentation' in html
