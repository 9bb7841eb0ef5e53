"""Generate the README rule table from the registry, so the catalogue cannot drift.

``python -m auditor.rules.doc --update README.md`` rewrites what lies between
``<!-- rules:start -->`` and ``<!-- rules:end -->``; ``--check README.md`` exits 1 when that part
is stale; with no option the table is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.rules.registry import rules

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"


class MarkerError(ValueError):
    """The document lacks the markers (or has them out of order)."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_table() -> str:
    """The Markdown table: id, severity, title and AWS documentation page of every rule."""
    lines = ["| id | severity | rule | AWS documentation |", "|---|---|---|---|"]
    for cls in rules:
        meta = cls.metadata
        lines.append(
            f"| {meta.id} | {meta.severity.value} | {_cell(meta.title)} | [{_doc_label(meta.doc_url)}]({meta.doc_url}) |"
        )
    return "\n".join(lines) + "\n"


def _doc_label(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")


def replace_section(document: str, table: str) -> str:
    """``document`` with the text between the markers replaced by ``table``."""
    start = document.find(START)
    end = document.find(END)
    if start < 0 or end < 0 or end < start:
        raise MarkerError(f"expected {START} ... {END} in the document")
    return document[: start + len(START)] + "\n" + table + document[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.rules.doc", description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--update", type=Path, metavar="FILE", help="rewrite the rule table in FILE")
    group.add_argument("--check", type=Path, metavar="FILE", help="exit 1 if FILE's rule table is stale")
    args = parser.parse_args(argv)
    table = rule_table()
    target: Path | None = args.update or args.check
    if target is None:
        sys.stdout.write(table)
        return 0
    try:
        current = target.read_text(encoding="utf-8")
        wanted = replace_section(current, table)
    except (OSError, MarkerError) as exc:
        print(f"{target}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if wanted != current:
            print(
                f"{target}: rule table is stale; run: python -m auditor.rules.doc --update {target}",
                file=sys.stderr,
            )
            return 1
        return 0
    if wanted != current:
        target.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
