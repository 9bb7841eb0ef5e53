"""``scripts/mutation_score.py``: every mutmut 3.8 status counted, partial runs never meet the target."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.mutation_score import (
    check_equivalents,
    equivalent_names,
    function_of,
    meta_statuses,
    module_of,
    no_tests_advice,
    package_of,
    parse_results,
    report,
)

RESULTS = """\
    auditor.protection.resolver.x__instance_id__mutmut_1: killed
    auditor.protection.resolver.x__instance_id__mutmut_2: survived
    auditor.protection.patterns.xǁCompiledSelectionǁmatches__mutmut_3: timeout
    auditor.protection.patterns.xǁCompiledSelectionǁmatches__mutmut_4: caught by type check
    auditor.rules._common.x_lookup__mutmut_1: no tests
    auditor.rules._common.x_lookup__mutmut_2: skipped
    auditor.rules.bkp_090_not_audited.x_check__mutmut_1: not checked
    auditor.rules.bkp_090_not_audited.x_check__mutmut_2: check was interrupted by user
    auditor.rules._common.x_tri__mutmut_4: segfault
    auditor.rules._common.x_tri__mutmut_5: suspicious
"""


def test_parse_results_keeps_names_with_class_separators_and_multi_word_statuses() -> None:
    by_name = parse_results(RESULTS)
    assert len(by_name) == 10
    assert (
        by_name["auditor.protection.patterns.xǁCompiledSelectionǁmatches__mutmut_4"] == "caught by type check"
    )
    assert by_name["auditor.rules.bkp_090_not_audited.x_check__mutmut_2"] == "check was interrupted by user"


def test_module_and_package_of_functions_and_methods() -> None:
    assert (
        module_of("auditor.protection.patterns.xǁCompiledSelectionǁmatches__mutmut_3")
        == "auditor.protection.patterns"
    )
    assert module_of("auditor.rules._common.x_lookup__mutmut_1") == "auditor.rules._common"
    assert package_of("auditor.rules.bkp_090_not_audited.x_check__mutmut_1") == "auditor.rules"


def test_partial_run_counts_only_what_ran_and_fails_the_target() -> None:
    lines, code = report(parse_results(RESULTS), set(), target=10.0)
    # killed: killed, caught by type check; not killed: survived, no tests, suspicious;
    # undecided: timeout, segfault; not run: not checked, interrupted; skipped: not counted
    assert lines[0] == "mutation score: 40.0% (2 killed of 5 decided; target 10%)"
    assert code == 1, "a partial run never meets the target"
    assert "PARTIAL RUN: 2 of 10 mutants not run yet; per module run:" in lines
    assert [line for line in lines if "auditor.rules._common: " in line], "a module that ran has its line"
    assert not [line for line in lines if "bkp_090_not_audited: " in line], "one that did not, none"
    assert "  not run at all: auditor.rules.bkp_090_not_audited" in lines
    assert "not killed: 3 (0 listed as equivalent, 3 open)" in lines
    assert lines[-2:] == [
        "  auditor.protection.patterns.xǁCompiledSelectionǁmatches__mutmut_3    timeout",
        "  auditor.rules._common.x_tri__mutmut_4    segfault",
    ]
    assert lines[-3].startswith("undecided (stopped on wall time, counted neither way): 2;")


def test_complete_run_meets_the_target_and_lists_open_survivors_only() -> None:
    by_name = {
        "auditor.rules._common.x_a__mutmut_1": "killed",
        "auditor.rules._common.x_a__mutmut_2": "killed",
        "auditor.rules._common.x_a__mutmut_3": "survived",
        "auditor.rules._common.x_a__mutmut_4": "survived",
    }
    doc = "| `auditor.rules._common.x_a__mutmut_3` | why |\n| `auditor.rules._common.x_a__mutmut_1` | stale |"
    lines, code = report(by_name, equivalent_names(doc), target=50.0)
    assert code == 0
    assert "not killed: 2 (1 listed as equivalent, 1 open)" in lines
    assert "score without the equivalent mutants: 66.7%" in lines
    assert lines[-1].startswith("  auditor.rules._common.x_a__mutmut_4    survived"), "no undecided section"
    assert any(
        "killed now (remove from the list): auditor.rules._common.x_a__mutmut_1" in line for line in lines
    )
    assert report(by_name, set(), target=60.0)[1] == 1


def test_a_timeout_alone_keeps_the_run_from_meeting_the_target() -> None:
    by_name = {
        "auditor.rules._common.x_a__mutmut_1": "killed",
        "auditor.rules._common.x_a__mutmut_2": "timeout",
    }
    lines, code = report(by_name, set(), target=90.0)
    assert lines[0] == "mutation score: 100.0% (1 killed of 1 decided; target 90%)"
    assert code == 1
    assert not any(line.startswith("PARTIAL RUN") for line in lines), "nothing is left unrun"


def test_unknown_status_and_empty_results_exit_2() -> None:
    assert report({"auditor.rules._common.x_a__mutmut_1": "exploded"}, set(), 90.0)[1] == 2
    assert report({"auditor.rules._common.x_a__mutmut_1": "not checked"}, set(), 90.0)[1] == 2


def test_no_tests_names_the_functions_and_how_to_measure_them_again() -> None:
    by_name = {
        "auditor.rules.bkp_035_x.xǁRuleǁ_not_fresh__mutmut_1": "no tests",
        "auditor.rules.bkp_035_x.xǁRuleǁ_not_fresh__mutmut_2": "no tests",
        "auditor.rules._copies.x_planned_for__mutmut_1": "no tests",
        "auditor.rules._copies.x_planned__mutmut_1": "survived",
    }
    assert (
        function_of("auditor.rules._copies.x_planned_for__mutmut_12") == "auditor.rules._copies.x_planned_for"
    )
    assert no_tests_advice(by_name) == [
        "no tests reach 2 functions: a gap in the test selection, or functions newer than "
        "mutants/mutmut-stats.json (mutmut never measures them again); to measure and rerun them: "
        "rm mutants/mutmut-stats.json && mutmut run 'auditor.rules._copies*' 'auditor.rules.bkp_035_x*'",
        "  auditor.rules._copies.x_planned_for",
        "  auditor.rules.bkp_035_x.xǁRuleǁ_not_fresh",
    ]
    lines, _ = report(by_name, set(), target=90.0)
    assert lines[-3].startswith("no tests reach 2 functions"), "after the open survivors"
    assert no_tests_advice({"auditor.rules._copies.x_planned__mutmut_1": "survived"}) == []


def test_meta_statuses_reads_exit_codes_of_every_meta_file(tmp_path: Path) -> None:
    (tmp_path / "auditor" / "rules").mkdir(parents=True)
    (tmp_path / "auditor" / "rules" / "_copies.py.meta").write_text(
        json.dumps(
            {
                "exit_code_by_key": {
                    "auditor.rules._copies.x_sources__mutmut_1": 1,
                    "auditor.rules._copies.x_sources__mutmut_2": 0,
                    "auditor.rules._copies.x_sources__mutmut_3": None,
                    "auditor.rules._copies.x_sources__mutmut_4": 37,
                    "auditor.rules._copies.x_sources__mutmut_5": 99,
                }
            }
        ),
        encoding="utf-8",
    )
    assert meta_statuses(tmp_path) == {
        "auditor.rules._copies.x_sources__mutmut_1": "killed",
        "auditor.rules._copies.x_sources__mutmut_2": "survived",
        "auditor.rules._copies.x_sources__mutmut_3": "not checked",
        "auditor.rules._copies.x_sources__mutmut_4": "caught by type check",
        "auditor.rules._copies.x_sources__mutmut_5": "suspicious",
    }


def test_check_equivalents_flags_missing_and_killed_keeps_survivors_and_not_run() -> None:
    by_name = {
        "auditor.rules._copies.x_sources__mutmut_1": "killed",
        "auditor.rules._copies.x_sources__mutmut_2": "survived",
        "auditor.rules._copies.x_sources__mutmut_3": "not checked",
        "auditor.rules._copies.x_sources__mutmut_4": "caught by type check",
    }
    listed = [f"auditor.rules._copies.x_sources__mutmut_{n}" for n in (1, 2, 3, 4, 9)]
    lines, code = check_equivalents(by_name, listed)
    assert code == 1
    assert lines == [
        "STALE (no such mutant now): auditor.rules._copies.x_sources__mutmut_9",
        "STALE (killed: killed): auditor.rules._copies.x_sources__mutmut_1",
        "STALE (killed: caught by type check): auditor.rules._copies.x_sources__mutmut_4",
        "listed: 5; no such mutant: 1; killed: 2; kept: not checked 1, survived 1",
    ]
    lines, code = check_equivalents(by_name, listed[1:3])
    assert code == 0
    assert lines == ["listed: 2; no such mutant: 0; killed: 0; kept: not checked 1, survived 1"]
