"""Generate the operations table of ``docs/evidence-bundle.md`` from the service declarations.

``python -m auditor.services.doc --update docs/evidence-bundle.md`` rewrites what lies between
``<!-- operations:start -->`` and ``<!-- operations:end -->``; ``--check FILE`` exits 1 when that part
is stale (the test suite checks it too); with no option the table is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from auditor.services import ORGANIZATION_OPERATIONS, REGIONAL_OPERATIONS, Operation

START = "<!-- operations:start -->"
END = "<!-- operations:end -->"
DOCUMENT = Path("docs") / "evidence-bundle.md"


class MarkerError(ValueError):
    """The document lacks the markers (or has them out of order)."""


def replace_section(document: str, table: str, start_marker: str, end_marker: str) -> str:
    """``document`` with the text between the markers replaced by ``table``."""
    start = document.find(start_marker)
    end = document.find(end_marker)
    if start < 0 or end < 0 or end < start:
        raise MarkerError(f"expected {start_marker} ... {end_marker} in the document")
    return document[: start + len(start_marker)] + "\n" + table + document[end:]


def _code(params: Mapping[str, Any]) -> str:
    return f"`{json.dumps(dict(params), separators=(', ', ': '))}`"


def _params(op: Operation) -> str:
    """What the calls' parameters are: fixed values, templates per item, or the declaration's note."""
    if op.per_item:
        parent = (op.parent or "").split(".", 1)[1]
        text = f"{_code(op.item_params)} for each item of `{op.items}` ({parent})"
        if op.only_without is not None:
            text += f" without `{op.only_without}`"
    elif op.per_account:
        text = f"{_code(op.item_params)} for each audited account"
    elif callable(op.params):
        text = ""
    else:
        text = " and ".join(_code(p) for p in op.params)
    wide = "account-wide (once per account, in its first region)" if op.account_wide else ""
    return "; ".join(t for t in (wide, text, op.doc) if t).replace("|", "\\|")


def _pages(op: Operation) -> str:
    if op.page_size is not None and op.token_paged:
        return f"pages of {op.page_size[0]} (`NextToken` followed: no botocore paginator)"
    if op.page_size is not None:
        return f"pages of {op.page_size[0]}"
    return "all pages" if op.paginated else "single"


def _row(op: Operation) -> str:
    absent = ", ".join(sorted(op.absent_codes)) or ""
    return (
        f"| {op.service} | {op.name} | {_params(op)} | {_pages(op)} | {absent} | "
        f"{'required' if op.required else 'optional'} | {op.since} | `{op.iam_action}` |"
    )


def operations_table() -> str:
    """The Markdown tables: regional operations, then organization-level ones."""
    header = [
        "| service | operation | params (templates: `item`, `params` of the parent call, `partition`, "
        '`region`, `account`) | pages | "nothing there" codes | required | since | IAM action |',
        "|---|---|---|---|---|---|---|---|",
    ]
    return (
        "\n".join(
            [
                "Per account and region:",
                "",
                *header,
                *(_row(op) for op in REGIONAL_OPERATIONS),
                "",
                "Organization level (the management or delegated administrator account, under `organization/`):",
                "",
                *header,
                *(_row(op) for op in ORGANIZATION_OPERATIONS),
            ]
        )
        + "\n"
    )


def render_document(document: str) -> str:
    """``document`` with its operations table regenerated."""
    return replace_section(document, operations_table(), START, END)


def rewrite(target: Path, render: Callable[[str], str], *, check: bool, what: str) -> int:
    """Regenerate the marked block(s) of ``target`` with ``render``; with ``check``, only say
    whether the file is stale. Returns the exit code: 0 current (or rewritten), 1 stale, 2 the file
    cannot be read or lacks its markers."""
    try:
        current = target.read_text(encoding="utf-8")
        wanted = render(current)
    except (OSError, MarkerError) as exc:
        print(f"{target}: {exc}", file=sys.stderr)
        return 2
    if check:
        if wanted != current:
            module = render.__module__
            print(f"{target}: {what} is stale; run: python -m {module} --update {target}", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        target.write_text(wanted, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auditor.services.doc", description=__doc__.splitlines()[0]
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--update", type=Path, metavar="FILE", help="rewrite the operations table in FILE")
    group.add_argument(
        "--check", type=Path, metavar="FILE", help="exit 1 if FILE's operations table is stale"
    )
    args = parser.parse_args(argv)
    target: Path | None = args.update or args.check
    if target is None:
        sys.stdout.write(operations_table())
        return 0
    return rewrite(target, render_document, check=args.check is not None, what="operations table")


if __name__ == "__main__":
    sys.exit(main())
