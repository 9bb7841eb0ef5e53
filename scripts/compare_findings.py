"""Compare findings JSON byte for byte: this checkout against a git revision or saved files.

The acceptance check of a refactor that must not change behaviour. Each side evaluates, with its
own code, the same named bundles and writes what ``backup-auditor evaluate BUNDLE -q -o FILE``
writes:

* ``demo``: the bundle given with ``--demo`` (``make demo`` writes one to ``reports/demo/evidence``);
* ``report-bundle``: the report goldens' bundle, built by the side's ``tests/report/report_bundle.py``
  (or committed in ``fixtures/report/bundle`` at older revisions);
* ``<RULE>-pass`` / ``<RULE>-fail``: every rule scenario, built by the side's own
  ``tests/rules/rule_fixtures.py --bundles`` (or, for revisions from before the scenarios,
  its committed ``fixtures/rules/<ID>/{pass,fail}/`` bundles).

Usage, from anywhere (the script runs the code of the checkout it lives in)::

    python scripts/compare_findings.py --base main --demo reports/demo/evidence
    python scripts/compare_findings.py --saved DIR --demo reports/demo/evidence   # DIR/<name>.json
    python scripts/compare_findings.py --base HEAD~3 --out /tmp/findings          # keep both sides

``--as-written`` compares the documents as each side's ``evaluate`` wrote them (version 2 today)
instead of rewriting both in version 1: the check of a change to the writer itself.

``--base REV`` checks REV out into a temporary ``git worktree`` and runs its code in a subprocess
with ``PYTHONPATH`` set to it; the current side runs the same way with this checkout. ``--saved DIR``
compares with ``DIR/<name>.json`` files written earlier (``--out`` writes them). Every name must be
on both sides. Exit codes: 0 all identical; 1 a document differs or is missing on one side (a
unified diff of the first differences, indented for reading, is printed); 2 bad arguments (unknown
revision, missing bundle or folder); 3 a side could not be evaluated.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT_BUNDLE = Path("fixtures") / "report" / "bundle"
OLD_RULE_BUNDLES = Path("fixtures") / "rules"

#: Runs inside a side's subprocess: argv = out_dir, ``as-written`` or ``version-1``, then
#: name=bundle pairs. Prints the path of the ``auditor`` package it imported so the caller can
#: check that it ran the side's own code.
EVALUATE = """
import json
import sys
from pathlib import Path
import auditor
from auditor.cli import main
print(auditor.__file__)
out, as_written = sys.argv[1], sys.argv[2] == "as-written"
for pair in sys.argv[3:]:
    name, bundle = pair.split("=", 1)
    code = main(["evaluate", bundle, "-q", "-o", f"{out}/{name}.json"])
    if code != 0:
        sys.exit(f"{name}: evaluate {bundle} exited {code}")
    path = Path(f"{out}/{name}.json")
    if not as_written and json.loads(path.read_text(encoding="utf-8")).get("version", 1) != 1:
        # a side that writes a newer version reads it too: compare both sides in version 1
        from auditor.findings_json import dumps, read_findings
        path.write_text(dumps(read_findings(path), version=1), encoding="utf-8")
"""


class CompareError(Exception):
    """A problem with the arguments or a side; ``code`` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _env(source: Path) -> dict[str, str]:
    """The environment of a side's subprocess: its code first, no config from ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKUP_AUDITOR_")}
    env["PYTHONPATH"] = str(source)
    return env


def _run(args: Sequence[str], source: Path, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=_env(source), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise CompareError(f"{source}: {' '.join(args[:3])} failed:\n{done.stderr.strip()}", 3)
    return done.stdout


def _rule_bundles(source: Path, work: Path, only: Sequence[str] | None) -> dict[str, Path]:
    """``<RULE>-<kind>`` -> bundle, built by the side's scenarios or committed at that revision."""
    rule_ids = sorted({name.rsplit("-", 1)[0] for name in only or () if name.startswith("BKP-")})
    if only and not rule_ids:
        return {}
    if (source / "tests" / "rules" / "rule_fixtures.py").is_file():
        select = ["--only", *rule_ids] if rule_ids else []
        _run(["-m", "tests.rules.rule_fixtures", "--bundles", str(work / "rules"), *select], source, source)
        root = work / "rules"
    else:
        root = source / OLD_RULE_BUNDLES
    return {
        f"{m.parent.parent.name}-{m.parent.name}": m.parent
        for m in sorted(root.glob("BKP-*/*/manifest.json"))
        if m.parent.name in ("pass", "fail")
    }


def _report_bundle(source: Path, work: Path) -> dict[str, Path]:
    """``report-bundle``: committed at that revision, or built by its ``report_bundle.py``."""
    if (source / REPORT_BUNDLE / "manifest.json").is_file():
        return {"report-bundle": source / REPORT_BUNDLE}
    if (source / "tests" / "report" / "report_bundle.py").is_file():
        _run(["-m", "tests.report.report_bundle", str(work / "report")], source, source)
        return {"report-bundle": work / "report"}
    return {}


def _bundles(source: Path, work: Path, demo: Path | None, only: Sequence[str] | None) -> dict[str, Path]:
    named = _rule_bundles(source, work, only)
    if not only or "report-bundle" in only:
        named.update(_report_bundle(source, work))
    if demo is not None:
        named["demo"] = demo
    return named


def evaluate_side(
    source: Path, out: Path, demo: Path | None, only: Sequence[str] | None, as_written: bool = False
) -> None:
    """Evaluate every named bundle with the code in ``source``; findings go to ``out/<name>.json``
    (in version 1, or as ``evaluate`` wrote them when ``as_written``)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        named = _bundles(source, Path(tmp), demo, only)
        pairs = [f"{n}={p.resolve()}" for n, p in sorted(named.items()) if not only or n in only]
        mode = "as-written" if as_written else "version-1"
        printed = _run(["-c", EVALUATE, str(out.resolve()), mode, *pairs], source, Path(tmp))
    imported = Path(printed.splitlines()[0]).resolve() if printed else None
    if imported is None or not imported.is_relative_to(source.resolve()):
        raise CompareError(f"{source}: the subprocess imported auditor from {imported}, not from it", 3)


def commit_of(rev: str) -> str:
    """The commit ``rev`` names (checked before any evaluation: a bad argument fails at once)."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise CompareError(f"--base {rev}: not a commit of {ROOT}", 2)
    return found.stdout.strip()


@contextmanager
def base_checkout(rev: str) -> Iterator[Path]:
    """A temporary detached ``git worktree`` of ``rev``, removed afterwards."""
    commit = commit_of(rev)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "base"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", "--quiet", str(path), commit], check=True)
        try:
            yield path
        finally:
            subprocess.run([*git, "remove", "--force", str(path)], check=True)


def _indented(data: bytes) -> list[str]:
    try:
        return json.dumps(json.loads(data), indent=2, ensure_ascii=False).splitlines()
    except ValueError:
        return data.decode("utf-8", "replace").splitlines()


def differences(current: Path, other: Path, label: str) -> list[tuple[str, list[str]]]:
    """``(name, report lines)`` of every document that is not byte-identical on both sides."""
    names = sorted({p.stem for p in current.glob("*.json")} | {p.stem for p in other.glob("*.json")})
    found: list[tuple[str, list[str]]] = []
    for name in names:
        a, b = other / f"{name}.json", current / f"{name}.json"
        if not a.is_file() or not b.is_file():
            found.append((name, [f"{name}: only in {'current' if b.is_file() else label}"]))
        elif (old := a.read_bytes()) != (new := b.read_bytes()):
            diff = difflib.unified_diff(
                _indented(old), _indented(new), f"{name} ({label})", f"{name} (current)", lineterm=""
            )
            found.append((name, list(diff)))
    return found


def report(found: list[tuple[str, list[str]]], total: int, label: str, shown: int, lines: int) -> int:
    """Print the first ``shown`` differences (``lines`` diff lines each) and the verdict."""
    for _, diff in found[:shown]:
        print("\n".join(diff[:lines]))
        if len(diff) > lines:
            print(f"... ({len(diff) - lines} more diff lines)")
    if not found:
        print(f"findings JSON byte-identical to {label}: {total} documents")
        return 0
    names = ", ".join(name for name, _ in found)
    print(f"{len(found)} of {total} documents differ from {label}: {names}", file=sys.stderr)
    return 1


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    side = parser.add_mutually_exclusive_group(required=True)
    side.add_argument("--base", metavar="REV", help="git revision whose code evaluates the other side")
    side.add_argument("--saved", type=Path, metavar="DIR", help="folder of saved <name>.json findings")
    parser.add_argument("--demo", type=Path, metavar="BUNDLE", help="demo evidence bundle (both sides)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these documents only (e.g. BKP-007-fail)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="keep the findings in DIR/{current,base}/")
    parser.add_argument(
        "--as-written",
        action="store_true",
        help="compare the documents as evaluate writes them (default: both rewritten in version 1)",
    )
    parser.add_argument("--show", type=int, default=3, metavar="N", help="diffs printed (default 3)")
    parser.add_argument("--lines", type=int, default=60, metavar="N", help="lines per diff (default 60)")
    args = parser.parse_args(argv)
    if args.demo is not None and not (args.demo / "manifest.json").is_file():
        raise CompareError(f"--demo {args.demo}: not an evidence bundle (no manifest.json)", 2)
    if args.saved is not None and not args.saved.is_dir():
        raise CompareError(f"--saved {args.saved}: no such folder", 2)
    if args.base is not None:
        commit_of(args.base)
    return args


def _compare(args: argparse.Namespace, work: Path) -> int:
    current = work / "current"
    for stale in (current, work / "saved", work / "base"):  # a reused --out folder
        shutil.rmtree(stale, ignore_errors=True)
    evaluate_side(ROOT, current, args.demo, args.only, args.as_written)
    if args.saved is not None:
        other, label = work / "saved", f"saved {args.saved}"
        other.mkdir()
        for saved in args.saved.glob("*.json"):
            if not args.only or saved.stem in args.only:
                (other / saved.name).write_bytes(saved.read_bytes())
    else:
        other, label = work / "base", f"base {args.base}"
        with base_checkout(args.base) as source:
            evaluate_side(source, other, args.demo, args.only, args.as_written)
    found = differences(current, other, label)
    total = len({p.stem for p in current.glob("*.json")} | {p.stem for p in other.glob("*.json")})
    return report(found, total, label, args.show, args.lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parse(argv)
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            return _compare(args, args.out)
        with tempfile.TemporaryDirectory() as tmp:
            return _compare(args, Path(tmp))
    except CompareError as exc:
        print(f"compare_findings: {exc}", file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
