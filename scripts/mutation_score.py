"""Print the mutation score of the last ``mutmut run`` and its surviving mutants (``make mutation``).

Score = killed / (mutants that were run: killed + survived + timeout + suspicious). Mutants whose
code no selected test reaches ("no tests") are counted and listed apart: they are gaps in the
fast test subset, not equivalent mutants. Survivors judged equivalent are listed, with why, in
docs/mutation-survivors.md; the others need a test. Exit 1 when the score is below --target.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "docs" / "mutation-survivors.md"


def statuses(mutmut: str) -> dict[str, str]:
    """Mutant name -> status, from ``mutmut results --all true``."""
    out = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return dict(re.findall(r"^\s+(\S+): (.+)$", out, re.M))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutmut", default=str(Path(sys.executable).with_name("mutmut")))
    parser.add_argument("--target", type=float, default=90.0, help="minimum score in percent")
    args = parser.parse_args(argv)
    by_name = statuses(args.mutmut)
    counts = Counter(by_name.values())
    run = sum(counts[s] for s in ("killed", "survived", "timeout", "suspicious"))
    if not run:
        print("mutation: no results: run `mutmut run` first", file=sys.stderr)
        return 2
    score = 100.0 * counts["killed"] / run
    equivalent = set(re.findall(r"`(auditor\.[\w.]+__mutmut_\d+)`", EQUIVALENT.read_text(encoding="utf-8")))
    survivors = sorted(n for n, s in by_name.items() if s in ("survived", "suspicious"))
    open_survivors = [n for n in survivors if n not in equivalent]
    print(f"mutation score: {score:.1f}% ({counts['killed']} killed of {run} run; target {args.target:.0f}%)")
    print("statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    listed = len(survivors) - len(open_survivors)
    print(f"survivors: {len(survivors)} ({listed} listed as equivalent)")
    if listed:
        print(f"score without the equivalent mutants: {100.0 * counts['killed'] / (run - listed):.1f}%")
    if counts["not checked"]:
        print(
            f"not checked yet: {counts['not checked']} (an interrupted run; `mutmut run` goes on from here)"
        )
    for name in open_survivors:
        print(f"  {name}    (mutmut show {name})")
    return 0 if score >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
