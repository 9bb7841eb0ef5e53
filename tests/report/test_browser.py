"""The HTML report in a real browser (Debian's chromium through Playwright's sync API).

Loads from file:// with no console errors and no request but the file itself; the numbers in the
DOM are the evaluator's summary; filters, sorting, paging and search work; the XSS tag value stays
text; with JavaScript off the findings and the first inventory rows still read. Screenshots go to
``reports/screenshots/`` for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect, sync_playwright

from auditor.model.results import EvaluationResult
from auditor.report.html import HtmlFormat
from tests.report.report_bundle import XSS_NAME, XSS_TAG
from tests.report.report_fixtures import build_large_result

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("BACKUP_AUDITOR_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("BACKUP_AUDITOR_REQUIRE_BROWSER") == "1"
"""Set by ``make test`` (and CI): a missing Chromium fails the browser tests instead of skipping them."""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} missing: run `make system-deps` (scripts/install-system-deps.sh)"
        if REQUIRE_BROWSER:
            pytest.fail(f"{why}; BACKUP_AUDITOR_REQUIRE_BROWSER=1 makes this a failure", pytrace=False)
        pytest.skip(why)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_file(bundle_result: EvaluationResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    HtmlFormat().write(bundle_result, path)
    return path


class Watched:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        page.on("request", self._request)
        page.on("dialog", self._dialog)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning"):
            self.console.append(f"{msg.type}: {msg.text}")

    def _request(self, req: Request) -> None:
        self.requests.append(req.url)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def _open(browser: Browser, path: Path, *, js: bool = True) -> Watched:
    context = browser.new_context(java_script_enabled=js, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watched = Watched(page)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    if js:  # the inventory is unpacked (DecompressionStream) after load; the table says when
        page.wait_for_selector("#inventory-table[data-ready='']", state="attached")
    return watched


def test_loads_offline_without_console_errors_or_requests(browser: Browser, report_file: Path) -> None:
    w = _open(browser, report_file)
    assert w.console == []
    assert w.requests == [report_file.as_uri()]
    assert w.page.locator("#inventory-body tr").count() == 17  # JS rendered the inventory


def test_summary_numbers_in_the_dom_match_the_evaluation(
    browser: Browser, report_file: Path, bundle_result: EvaluationResult
) -> None:
    page = _open(browser, report_file).page
    summary = bundle_result.summary

    def metric(name: str) -> str:
        return page.locator(f'[data-metric="{name}"]').inner_text().strip()

    assert int(metric("findings-total")) == summary["findings"]
    for sev, n in summary["by_severity"].items():
        assert int(metric(f"findings-{sev}")) == n, sev
    assert int(metric("resources-protected")) == summary["protected"]
    assert int(metric("resources-unprotected")) == summary["unprotected"]
    assert int(metric("resources-unknown")) == summary["unknown"]
    assert metric("protection-rate") == f"{summary['effective_protection_rate'] * 100:.1f}%"
    assert metric("monthly-cost") == f"${summary['estimated_monthly_cost_usd']:,.2f}"
    assert page.locator("details.rule").count() == len(summary["by_rule"])


def _column(page: Page, index: int) -> list[str]:
    return [t.strip() for t in page.locator(f"#inventory-body tr td:nth-child({index})").all_inner_texts()]


def test_filtering_by_account_hides_other_accounts(
    browser: Browser, report_file: Path, bundle_result: EvaluationResult
) -> None:
    page = _open(browser, report_file).page
    mine = [r for r in bundle_result.resources if r["account_id"] == "222222222222"]
    page.select_option("#f-account", "222222222222")
    accounts = {row.get_attribute("data-account") for row in page.locator("#inventory-body tr").all()}
    assert accounts == {"222222222222"}
    assert page.locator("#inventory-body tr").count() == len(mine) == 4
    page.select_option("#f-status", "unprotected")
    assert page.locator("#inventory-body tr").count() == sum(1 for r in mine if r["protected"] is False) == 2
    assert "2 matching" in page.locator("#inv-range").inner_text()
    page.click("#f-reset")
    assert page.locator("#inventory-body tr").count() == 17


def test_search_and_heatmap_cell_filter_the_inventory(browser: Browser, report_file: Path) -> None:
    page = _open(browser, report_file).page
    page.fill("#f-q", "ledger")
    assert [n.split("\n")[0] for n in _column(page, 2)] == ["ledger"]
    page.fill("#f-q", "")
    page.click('#heatmap a[data-filter-account="111111111111"][data-filter-region="us-east-1"]')
    rows = page.locator("#inventory-body tr").all()
    assert rows and {(r.get_attribute("data-account"), r.get_attribute("data-region")) for r in rows} == {
        ("111111111111", "us-east-1")
    }
    assert page.locator("#f-region").input_value() == "us-east-1"


def test_sorting_a_column(browser: Browser, report_file: Path) -> None:
    page = _open(browser, report_file).page
    header = page.locator('#inventory-table th[data-key="name"]')
    header.locator("button").click()
    names = [n.split("\n")[0].lower() for n in _column(page, 2)]
    assert names == sorted(names) and len(names) == 17
    assert header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    assert [n.split("\n")[0].lower() for n in _column(page, 2)] == sorted(names, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    # the findings tables sort too
    table = page.locator("#rule-bkp-002 table")
    table.locator("th:nth-child(2) button").click()
    regions = [t.strip() for t in table.locator("tbody td:nth-child(2)").all_inner_texts()]
    assert regions == sorted(regions)


def test_xss_tag_value_is_inert_and_shown_as_text(browser: Browser, report_file: Path) -> None:
    w = _open(browser, report_file)
    page = w.page
    page.fill("#f-q", "payments-db")
    tag = page.locator("#inventory-body .tag", has_text="owner=")
    assert tag.inner_text() == f"owner={XSS_TAG}"
    page.fill("#f-q", "i-0fedcba9876543210")
    assert page.locator("#inventory-body .tag").inner_text() == f"Name={XSS_NAME}"
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 2  # the data block and the report's own script
    assert w.dialogs == []


def test_without_javascript_findings_and_inventory_still_read(
    browser: Browser, report_file: Path, bundle_result: EvaluationResult
) -> None:
    w = _open(browser, report_file, js=False)
    page = w.page
    assert page.locator("details.rule[open]").count() == len({f.rule_id for f in bundle_result.findings})
    assert page.get_by_text("Resource not protected by any backup selection").first.is_visible()
    assert page.locator("#rule-bkp-002 tbody tr").count() == 3
    assert page.locator("#inventory-body tr").count() == 17
    assert not page.locator("#inv-filters").is_visible()  # controls that need JS stay hidden
    assert page.locator("#not-audited").is_visible()
    assert w.requests == [report_file.as_uri()]


def test_controls_section_renders_and_its_links_reach_the_findings(
    browser: Browser, report_file: Path, bundle_result: EvaluationResult
) -> None:
    w = _open(browser, report_file)
    page = w.page
    section = page.locator("#controls")
    assert section.is_visible()
    assert section.locator("[data-framework]").count() == 3
    row = section.locator('tr[data-control="BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"]')
    flagged = {
        f.resource_arn
        for f in bundle_result.findings
        if f.rule_id in ("BKP-001", "BKP-002", "BKP-007", "BKP-008")
    }
    assert int(row.locator('[data-metric="non-compliant"]').inner_text()) == len(flagged)
    row.locator("details summary").click()
    link = row.locator("details li a").first
    target = (link.get_attribute("href") or "")[1:]
    link.click()
    assert page.evaluate("location.hash") == f"#{target}"
    reached = page.locator(f"[id='{target}']")
    assert reached.is_visible() and reached.evaluate("e => e.tagName") == "TR"
    assert reached.evaluate("e => e.closest('details.rule') !== null")
    expect(reached).to_be_in_viewport()  # scrolled to (smoothly: expect waits)
    source = section.locator('tr[data-control="EC2.28"] a').first
    assert source.get_attribute("href") == (
        "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-28"
    )
    assert w.console == []
    assert w.requests == [report_file.as_uri()]


def test_controls_section_reads_without_javascript(browser: Browser, report_file: Path) -> None:
    w = _open(browser, report_file, js=False)
    page = w.page
    section = page.locator("#controls")
    assert section.is_visible()
    row = section.locator('tr[data-control="Backup.1"]')
    assert row.is_visible()
    for metric in ("compliant", "non-compliant", "unknown"):
        assert row.locator(f'[data-metric="{metric}"]').inner_text().strip().isdigit()
    summary = section.locator('tr[data-control="BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"] details summary')
    summary.click()  # native <details>: opens without JavaScript
    assert section.locator(
        'tr[data-control="BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"] details li'
    ).first.is_visible()
    assert w.requests == [report_file.as_uri()]


def test_print_layout_hides_controls_and_opens_sections(browser: Browser, report_file: Path) -> None:
    page = _open(browser, report_file).page
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    assert page.locator("details.rule:not([open])").count() == 0
    assert not page.locator("nav.tabs").is_visible()
    assert not page.locator("#inv-filters").is_visible()
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_ten_thousand_resources_page_and_filter_quickly(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "large.html"
    HtmlFormat().write(build_large_result(10_000), path)
    w = _open(browser, path)
    page = w.page
    assert w.console == []
    assert page.locator("#inventory-body tr").count() == 100
    assert "of 10,000 matching" in page.locator("#inv-range").inner_text()
    page.click("#inv-next")
    assert page.locator("#inv-page").inner_text() == "Page 2 of 100"
    elapsed = page.evaluate(
        """() => { const s = performance.now(); const q = document.getElementById('f-q');
        q.value = 'res-09999'; q.dispatchEvent(new Event('input')); return performance.now() - s; }"""
    )
    assert page.locator("#inventory-body tr").count() == 1
    assert elapsed < 1000, f"search took {elapsed:.0f} ms"
    page.select_option("#f-account", "500000000007")
    page.fill("#f-q", "")
    assert "250 matching" in page.locator("#inv-range").inner_text()


def test_full_page_screenshot(browser: Browser, report_file: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, report_file).page
    target = SCREENSHOTS / "report.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 50_000
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "report-print.png"), full_page=True)


@pytest.fixture(scope="module")
def nightly_report(bundle_result: EvaluationResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report bundle's result with one BKP-002 finding waived, one stale waiver, and compared
    with a previous run that had one finding less and one more (so one new, one resolved)."""
    from dataclasses import replace
    from datetime import date

    from auditor.runner import with_previous
    from auditor.waivers import Waiver, WaiverSet, apply_waivers

    root = tmp_path_factory.mktemp("nightly")
    first = next(f for f in bundle_result.findings if f.rule_id == "BKP-002")
    waivers = WaiverSet(
        root / "w.toml",
        (
            Waiver(
                1, "BKP-002", "rebuilt nightly", "data-team", date(2099, 1, 1), resource=first.resource_arn
            ),
            Waiver(
                2, "BKP-001", "nothing matches this", "nobody", date(2099, 1, 1), accounts=("000000000000",)
            ),
        ),
    )
    gone = replace(first, rule_id="BKP-014", resource_arn="arn:aws:backup:eu-west-1:1:recovery-point:gone")
    new = bundle_result.findings[-1]
    previous = replace(bundle_result, findings=(*[f for f in bundle_result.findings if f is not new], gone))
    result = with_previous(apply_waivers(bundle_result, waivers), previous, root / "previous.json")
    path = root / "report.html"
    HtmlFormat().write(result, path)
    return path


@pytest.mark.parametrize("js", [True, False])
def test_accepted_risks_and_since_last_run_read_with_and_without_javascript(
    browser: Browser, nightly_report: Path, js: bool
) -> None:
    w = _open(browser, nightly_report, js=js)
    page = w.page
    assert w.console == [] and w.requests == [nightly_report.as_uri()]
    accepted = page.locator("#accepted-table tbody tr")
    assert accepted.count() == 1 and "data-team" in accepted.first.inner_text()
    assert "rebuilt nightly" in accepted.first.inner_text()
    assert page.locator("#stale-waivers li").count() == 1 and page.locator("#stale-waivers").is_visible()
    assert page.locator("#since-last-run").is_visible()
    assert "1 new" in page.locator("[data-metric='since-headline']").inner_text()
    assert page.locator("#resolved-table tbody tr").count() == 1
    assert page.locator("[data-new='1']").count() == 1
    if js:  # the tab to the section works
        page.locator("nav.tabs a[href='#accepted']").click()
        assert page.locator("#accepted").is_visible()


@pytest.fixture(scope="module")
def organization_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EvaluationResult]:
    from tests.report.report_fixtures import build_organization_result

    result = build_organization_result()
    path = tmp_path_factory.mktemp("org") / "report.html"
    HtmlFormat().write(result, path)
    return path, result


def test_a_thousand_accounts_fold_into_their_units(
    browser: Browser, organization_report: tuple[Path, EvaluationResult]
) -> None:
    path, result = organization_report
    w = _open(browser, path)
    page = w.page
    assert w.console == []
    rollups = page.locator("#heatmap tr.ou-rollup")
    assert rollups.count() == 12
    assert page.locator("#heatmap tr.ou-member:visible").count() == 0  # a large organization starts folded
    unit = "Root/Workloads/Unit-05"
    members = sum(1 for a in result.accounts if a["ou_path"] == unit)
    page.locator(f"#heatmap .ou-toggle[data-ou='{unit}']").click()
    assert page.locator("#heatmap tr.ou-member:visible").count() == members
    assert page.locator(f"#heatmap .ou-toggle[data-ou='{unit}']").get_attribute("aria-expanded") == "true"
    page.locator(f"#heatmap .ou-toggle[data-ou='{unit}']").click()
    assert page.locator("#heatmap tr.ou-member:visible").count() == 0
    # the roll-up of the unit whose accounts could not be read says so, never a rate
    denied = page.locator("#heatmap tr.ou-rollup[data-ou='Root/Workloads/Unit-00']")
    assert "not audited" in denied.inner_text() and "%" not in denied.locator("td").first.inner_text()
    # a unit's roll-up counts its accounts' resources
    rollup = page.locator(f"#heatmap tr.ou-rollup[data-ou='{unit}'] td.heat-total .cnt").inner_text()
    protected = sum(
        1
        for r in result.resources
        if r["protected"] and result.accounts[int(r["account_id"][-4:])]["ou_path"] == unit
    )
    assert rollup.startswith(f"{protected}/{2 * members}")


def test_without_javascript_every_account_of_every_unit_reads(
    browser: Browser, organization_report: tuple[Path, EvaluationResult]
) -> None:
    path, result = organization_report
    page = _open(browser, path, js=False).page
    assert page.locator("#heatmap tr.ou-rollup").count() == 12
    assert page.locator("#heatmap tr.ou-member:visible").count() == len(result.accounts)


@pytest.mark.parametrize("js", [True, False])
def test_the_trend_draws_and_reads_as_a_table(
    browser: Browser, bundle_result: EvaluationResult, tmp_path: Path, js: bool
) -> None:
    from dataclasses import replace

    from auditor.history import RunRecord, trend
    from auditor.summary import summarize

    counts = summarize(bundle_result)
    base = RunRecord.of(bundle_result, counts, "reports/now")
    earlier = [replace(base, run=f"reports/2026-11-{d:02d}", protection_rate=d / 10) for d in (1, 2, 3)]
    result = replace(bundle_result, summary={**bundle_result.summary, "history": trend(earlier, base)})
    path = tmp_path / "report.html"
    HtmlFormat().write(result, path)
    w = _open(browser, path, js=js)
    page = w.page
    assert w.console == [] and w.requests == [path.as_uri()]
    assert page.locator("#trend-chart").is_visible()
    assert page.locator("#trend-chart polyline").count() == 1
    assert page.locator("#trend-table tbody tr").count() == 4
    assert page.locator("#trend-table tbody tr").last.inner_text().startswith("reports/now")
