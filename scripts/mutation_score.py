"""Print the mutation score of the last ``mutmut run`` and its surviving mutants (``make mutation``).

Every status mutmut 3.8 can give a mutant falls in one of five groups:

- killed: ``killed`` and ``caught by type check``;
- not killed: ``survived``, ``suspicious`` (an exit code nobody expects) and ``no tests`` (no
  selected test reaches the mutated code: a gap in the fast subset);
- undecided: ``timeout`` and ``segfault``. mutmut stops a mutant after 15 times its tests' measured
  WALL time (SIGXCPU, then SIGKILL: "segfault"), so on a loaded machine a slow run of a mutant that
  nothing kills reads as a timeout (seen here: a ``zip(strict=None)`` mutant, equivalent, timed
  out). They count neither way and are listed, to rerun on a quieter machine;
- not run: ``not checked`` and ``check was interrupted by user`` (an interrupted or partial run);
- not counted: ``skipped`` (``# pragma: no mutate``).

"No tests" has a trap: mutmut measures once which tests reach which function
(``mutants/mutmut-stats.json``; later runs add new tests, never new functions), so every mutant of a
function written after that measurement reads "no tests", and keeps that result until it is run by
name. The script lists the functions concerned and the commands that measure them again.

Score = killed / (killed + not killed), over the mutants decided. A partial run (mutants not run or
undecided) says how many, per module, and never meets the target. Survivors judged equivalent are listed, with why,
in docs/mutation-survivors.md; the others need a test. Exit 1 when the score is below --target or
the run is partial, 2 when nothing ran.

``--check-equivalents mutants`` checks that list instead: every listed name must still be a mutant
of the current code (names move when a function changes) and must not be killed; it reads only the
``*.meta`` files, so it can run beside a ``mutmut run``. Exit 1 when a listed mutant is stale.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "docs" / "mutation-survivors.md"

KILLED = frozenset({"killed", "caught by type check"})
NOT_KILLED = frozenset({"survived", "suspicious", "no tests"})
UNDECIDED = frozenset({"timeout", "segfault"})
NOT_RUN = frozenset({"not checked", "check was interrupted by user"})
NOT_COUNTED = frozenset({"skipped"})
KNOWN = KILLED | NOT_KILLED | UNDECIDED | NOT_RUN | NOT_COUNTED


@dataclass
class Tally:
    """Counts of one module, one package or all mutants."""

    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, status: str) -> None:
        self.statuses[status] += 1

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def count(self, group: Iterable[str]) -> int:
        return sum(self.statuses[s] for s in group)

    @property
    def killed(self) -> int:
        return self.count(KILLED)

    @property
    def ran(self) -> int:
        return self.count(KILLED | NOT_KILLED)

    @property
    def not_run(self) -> int:
        return self.count(NOT_RUN)

    def score(self) -> float | None:
        return 100.0 * self.killed / self.ran if self.ran else None

    def line(self, name: str) -> str:
        score = self.score()
        shown = "  n/a" if score is None else f"{score:5.1f}%"
        return (
            f"{shown}  {name}: {self.killed} killed of {self.ran} decided, {self.count(NOT_KILLED)} not killed"
            f" ({self.statuses['no tests']} without tests), {self.count(UNDECIDED)} undecided,"
            f" {self.not_run} not run, {self.total} mutants"
        )


def module_of(mutant: str) -> str:
    """``auditor.rules._common.x_lookup__mutmut_8`` -> ``auditor.rules._common``."""
    match = re.match(r"^(.*?)\.x(?:_|ǁ)", mutant)
    return match.group(1) if match else mutant.rsplit(".", 1)[0]


def package_of(mutant: str) -> str:
    """``auditor.rules._common.x_lookup__mutmut_8`` -> ``auditor.rules``."""
    return ".".join(module_of(mutant).split(".")[:2])


def parse_results(text: str) -> dict[str, str]:
    """Mutant name -> status, from the output of ``mutmut results --all true``."""
    return dict(re.findall(r"^\s+(\S+): (.+?)\s*$", text, re.M))


def statuses(mutmut: str) -> dict[str, str]:
    """Mutant name -> status, from ``mutmut results --all true``."""
    out = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return parse_results(out)


def equivalent_names(text: str) -> set[str]:
    """The mutants named in docs/mutation-survivors.md."""
    return set(re.findall(r"`(auditor\.[^`\s]+__mutmut_\d+)`", text))


def function_of(mutant: str) -> str:
    """``auditor.rules._common.x_lookup__mutmut_8`` -> ``auditor.rules._common.x_lookup``."""
    return mutant.rsplit("__mutmut_", 1)[0]


def no_tests_advice(by_name: Mapping[str, str]) -> list[str]:
    """The functions whose mutants read "no tests", and how to measure them again."""
    functions = sorted({function_of(n) for n, s in by_name.items() if s == "no tests"})
    if not functions:
        return []
    globs = " ".join(f"'{m}*'" for m in sorted({module_of(f) for f in functions}))
    return [
        f"no tests reach {len(functions)} functions: a gap in the test selection, or functions newer than "
        "mutants/mutmut-stats.json (mutmut never measures them again); to measure and rerun them: "
        f"rm mutants/mutmut-stats.json && mutmut run {globs}",
        *(f"  {f}" for f in functions),
    ]


def tallies(by_name: Mapping[str, str], key: str) -> dict[str, Tally]:
    """One tally per module (``key="module"``) or package (``key="package"``)."""
    of = module_of if key == "module" else package_of
    out: dict[str, Tally] = {}
    for name, status in by_name.items():
        out.setdefault(of(name), Tally()).add(status)
    return dict(sorted(out.items()))


def report(by_name: Mapping[str, str], equivalent: set[str], target: float) -> tuple[list[str], int]:
    """The lines to print and the exit code."""
    unknown = sorted({s for s in by_name.values() if s not in KNOWN})
    if unknown:
        return [
            f"mutation: unknown mutmut status {', '.join(map(repr, unknown))}: update scripts/mutation_score.py"
        ], 2
    overall = Tally()
    for status in by_name.values():
        overall.add(status)
    score = overall.score()
    if score is None:
        return ["mutation: no results: run `mutmut run` first"], 2
    lines = [
        f"mutation score: {score:.1f}% ({overall.killed} killed of {overall.ran} decided; target {target:.0f}%)",
        "statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(overall.statuses.items())),
    ]
    lines += ["per package:"] + [f"  {t.line(p)}" for p, t in tallies(by_name, "package").items()]
    modules = tallies(by_name, "module")
    partial = overall.not_run + overall.count(UNDECIDED) > 0
    if overall.not_run:
        lines.append(
            f"PARTIAL RUN: {overall.not_run} of {overall.total} mutants not run yet; per module run:"
        )
        lines += [f"  {t.line(m)}" for m, t in modules.items() if t.ran]
        lines.append(f"  not run at all: {', '.join(m for m, t in modules.items() if not t.ran) or 'none'}")
    survivors = sorted(n for n, s in by_name.items() if s in NOT_KILLED)
    open_survivors = [n for n in survivors if n not in equivalent]
    listed = len(survivors) - len(open_survivors)
    lines.append(f"not killed: {len(survivors)} ({listed} listed as equivalent, {len(open_survivors)} open)")
    if listed < overall.ran:
        lines.append(
            f"score without the equivalent mutants: {100.0 * overall.killed / (overall.ran - listed):.1f}%"
        )
    stale = sorted(n for n in equivalent if n in by_name and by_name[n] in KILLED)
    if stale:
        lines.append(f"listed as equivalent but killed now (remove from the list): {', '.join(stale)}")
    lines += [f"  {n}    {by_name[n]}  (mutmut show {n})" for n in open_survivors]
    lines += no_tests_advice(by_name)
    undecided = sorted(n for n, s in by_name.items() if s in UNDECIDED)
    if undecided:
        lines.append(
            f"undecided (stopped on wall time, counted neither way): {len(undecided)}; rerun them on a "
            "quieter machine, `mutmut run NAME...`"
        )
        lines += [f"  {n}    {by_name[n]}" for n in undecided]
    return lines, 0 if score >= target and not partial else 1


# mutmut 3.8's exit codes (mutmut.stats.status_by_exit_code) as they stand in mutants/**/*.meta;
# any other code reads "suspicious", as mutmut does.
STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    None: "not checked",
    0: "survived",
    1: "killed",
    2: "check was interrupted by user",
    3: "killed",
    5: "no tests",
    24: "timeout",
    -24: "timeout",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}


def meta_statuses(mutants: Path) -> dict[str, str]:
    """Mutant name -> status, read from the ``*.meta`` files of a (possibly running) mutmut tree.

    Reads the files only, so it is safe beside a ``mutmut run`` in progress; every mutant mutmut
    generated is named there, run or not.
    """
    out: dict[str, str] = {}
    for meta in sorted(mutants.rglob("*.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        for name, code in codes.items():
            out[name] = STATUS_BY_EXIT_CODE.get(code, "suspicious")
    return out


def check_equivalents(by_name: Mapping[str, str], equivalent: Iterable[str]) -> tuple[list[str], int]:
    """One line per listed mutant that is stale (not a current mutant, or killed), and a summary.

    A listed mutant must exist and must not be killed; a survivor, or one not run yet, stays. Exit
    1 when any listed mutant is stale.
    """
    listed = sorted(set(equivalent))
    missing = [n for n in listed if n not in by_name]
    killed = [n for n in listed if by_name.get(n) in KILLED]
    kept = Counter(by_name[n] for n in listed if n in by_name and by_name[n] not in KILLED)
    lines = [f"STALE (no such mutant now): {n}" for n in missing]
    lines += [f"STALE (killed: {by_name[n]}): {n}" for n in killed]
    lines.append(
        f"listed: {len(listed)}; no such mutant: {len(missing)}; killed: {len(killed)}; kept: "
        + (", ".join(f"{s} {c}" for s, c in sorted(kept.items())) or "none")
    )
    return lines, 1 if missing or killed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mutmut", default=str(Path(sys.executable).with_name("mutmut")))
    parser.add_argument("--target", type=float, default=90.0, help="minimum score in percent")
    parser.add_argument(
        "--check-equivalents",
        metavar="MUTANTS_DIR",
        type=Path,
        help="list the mutants of docs/mutation-survivors.md that no longer exist or are killed, "
        "reading the *.meta files of MUTANTS_DIR (e.g. mutants/; safe during a run)",
    )
    args = parser.parse_args(argv)
    if args.check_equivalents is not None:
        lines, code = check_equivalents(
            meta_statuses(args.check_equivalents), equivalent_names(EQUIVALENT.read_text(encoding="utf-8"))
        )
        print("\n".join(lines))
        return code
    lines, code = report(
        statuses(args.mutmut), equivalent_names(EQUIVALENT.read_text(encoding="utf-8")), args.target
    )
    print("\n".join(lines), file=sys.stderr if code == 2 else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
