"""Build the rule scenarios' bundles, evaluate them, and write or check the committed findings.

Committed per rule, in ``fixtures/rules/<ID>/`` (no bundle is committed):

* ``expected.json``: the scenario docstring and the subjects the rule must report on its fail
  bundle (what :mod:`tests.rules.scenarios` returns);
* ``pass.findings.json`` / ``fail.findings.json``: the whole findings JSON of each bundle, as
  ``backup-auditor evaluate BUNDLE -q -o FILE`` writes it, indented by two spaces so that any change
  in findings shows as a readable diff. Indenting loses nothing: :func:`compact` of the file gives
  back the evaluator's bytes, which is what the tests compare.

From the repository root::

    python -m tests.rules.rule_fixtures --update          # rewrite the committed files
    python -m tests.rules.rule_fixtures --check           # exit 1 naming each stale file, with a diff
    python -m tests.rules.rule_fixtures --bundles DIR     # only write the bundles: DIR/<ID>/{pass,fail}/

``make fixtures`` runs ``--update --bundles fixtures/rules/_bundles`` (that folder is git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import json
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from auditor.cli import main as cli_main
from tests.builders import BundleBuilder
from tests.rules.scenarios import SCENARIOS, Subject

KINDS = ("pass", "fail")
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "rules"
BUNDLES = FIXTURES / "_bundles"
EXPECTED = "expected.json"


def findings_file(kind: str) -> str:
    """Name of the committed findings JSON of the ``kind`` bundle."""
    return f"{kind}.findings.json"


def build_bundle(rule_id: str, kind: str, path: Path) -> Path:
    """Write the ``kind`` (``pass`` or ``fail``) bundle of ``rule_id``'s scenario to ``path``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    builder = BundleBuilder()
    SCENARIOS[rule_id](builder, kind == "fail")
    return builder.build(path, force=True)


def expected_subjects(rule_id: str) -> list[Subject]:
    """The subjects the rule must report on its fail bundle."""
    return SCENARIOS[rule_id](BundleBuilder(), True)


def expected_text(rule_id: str) -> str:
    """Content of ``expected.json`` (same shape as when the bundles were committed)."""
    doc = {
        "rule_id": rule_id,
        "scenario": (SCENARIOS[rule_id].__doc__ or "").strip(),
        "fail": expected_subjects(rule_id),
    }
    return json.dumps(doc, indent=2) + "\n"


def evaluate(bundle: Path) -> str:
    """The findings JSON ``backup-auditor evaluate BUNDLE -q -o FILE --findings-version 1`` writes,
    byte for byte (version 1: each committed finding shows its rule's text, for review)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "findings.json"
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = cli_main(["evaluate", str(bundle), "-q", "-o", str(out), "--findings-version", "1"])
        if code != 0:
            raise RuntimeError(f"{bundle}: evaluate exited {code}: {err.getvalue().strip()}")
        return out.read_text(encoding="utf-8")


def indented(text: str) -> str:
    """Findings JSON indented by two spaces, as committed."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def compact(text: str) -> str:
    """Findings JSON in the evaluator's compact form (the inverse of :func:`indented`)."""
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


def render(rule_id: str, bundles: Path) -> dict[str, str]:
    """File name -> content of the committed files of ``rule_id``, from its bundles in
    ``bundles/<ID>/{pass,fail}/`` (see :func:`write_bundles`)."""
    files = {EXPECTED: expected_text(rule_id)}
    for kind in KINDS:
        files[findings_file(kind)] = indented(evaluate(bundles / rule_id / kind))
    return files


def write_bundles(rule_ids: Iterable[str], bundles: Path) -> None:
    """Write the pass and fail bundles of each rule to ``bundles/<ID>/{pass,fail}/``."""
    for rule_id in rule_ids:
        for kind in KINDS:
            build_bundle(rule_id, kind, bundles / rule_id / kind)


def diff(old: str, new: str, name: str, limit: int = 40) -> list[str]:
    """The first ``limit`` lines of a unified diff from ``old`` (committed) to ``new`` (built)."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"{name} (committed)", f"{name} (built)", lineterm=""
    )
    return [line for _, line in zip(range(limit), lines, strict=False)]


def stale_files(rule_id: str, files: dict[str, str], fixtures: Path) -> list[str]:
    """Report lines for every committed file of ``rule_id`` that differs from ``files``."""
    report: list[str] = []
    for name, content in files.items():
        path = fixtures / rule_id / name
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        if old != content:
            report.append(f"stale: {path}" if old else f"missing: {path}")
            report.extend(diff(old, content, f"{rule_id}/{name}"))
    return report


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.rules.rule_fixtures", description=__doc__.splitlines()[0] if __doc__ else None
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    mode.add_argument("--update", action="store_true", help="rewrite the committed files")
    parser.add_argument("--bundles", type=Path, help="write the pass/fail bundles to DIR/<ID>/{pass,fail}/")
    parser.add_argument(
        "--fixtures", type=Path, default=FIXTURES, help="committed files (default: %(default)s)"
    )
    parser.add_argument("--only", nargs="+", metavar="RULE", help="these rule ids only")
    args = parser.parse_args(argv)
    if not (args.check or args.update or args.bundles):
        parser.error("nothing to do: give --check, --update or --bundles DIR")
    args.only = sorted(SCENARIOS) if args.only is None else [r.upper() for r in args.only]
    unknown = [r for r in args.only if r not in SCENARIOS]
    if unknown:
        parser.error(f"--only: no scenario for {', '.join(unknown)}")
    return args


def _update_or_check(rule_ids: Sequence[str], bundles: Path, fixtures: Path, update: bool) -> list[str]:
    """Rewrite (``update``) or compare the committed files; returns the stale-file report."""
    report: list[str] = []
    for rule_id in rule_ids:
        files = render(rule_id, bundles)
        if not update:
            report.extend(stale_files(rule_id, files, fixtures))
            continue
        (fixtures / rule_id).mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (fixtures / rule_id / name).write_text(content, encoding="utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    rule_ids: list[str] = args.only
    with tempfile.TemporaryDirectory() as tmp:
        bundles = args.bundles if args.bundles is not None else Path(tmp)
        write_bundles(rule_ids, bundles)
        evaluated = args.check or args.update
        report = _update_or_check(rule_ids, bundles, args.fixtures, args.update) if evaluated else []
    if args.bundles is not None:
        print(f"bundles written to {args.bundles}/<ID>/{{pass,fail}}/")
    if report:
        print("\n".join(report))
        print("committed rule findings are stale: run `make fixtures` and review the diff", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
