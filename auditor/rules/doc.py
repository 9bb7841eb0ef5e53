"""Generate the README's rule table (from the registry) and IAM permission list (from the
collectors' operation list), so neither can drift from the code.

``python -m auditor.rules.doc --update README.md`` rewrites what lies between
``<!-- rules:start -->`` and ``<!-- rules:end -->`` (and, where present, between
``<!-- iam:start -->`` and ``<!-- iam:end -->``); ``--check README.md`` exits 1 when either part is
stale; with no option the rule table is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.deploy import collector_actions, member_actions
from auditor.rules.registry import rules
from auditor.services import doc as services_doc
from auditor.services import iam_actions

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"
IAM_START = "<!-- iam:start -->"
IAM_END = "<!-- iam:end -->"


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


def iam_section() -> str:
    """The IAM actions the caller (management / delegated admin) and the member audit role need."""
    org_only = sorted(set(collector_actions()) - set(member_actions()))
    lines = [
        "Member-account audit role (every audited account; `deploy/audit-role.yaml` creates it):",
        "",
        "```",
        *member_actions(),
        "```",
        "",
        "The caller (the management or delegated administrator account, audited with its own",
        "credentials) needs all of the above, `sts:AssumeRole` on `arn:aws:iam::*:role/<role-name>`, and:",
        "",
        "```",
        *org_only,
        "```",
        "",
        f"That is {len(iam_actions())} actions in all; none of them changes anything in the organization.",
    ]
    return "\n".join(lines) + "\n"


def replace_section(document: str, table: str, start_marker: str = START, end_marker: str = END) -> str:
    """``document`` with the text between the markers (default: the rule table's) replaced by ``table``."""
    return services_doc.replace_section(document, table, start_marker, end_marker)


def render_document(document: str) -> str:
    """``document`` with its rule table and, when it has the markers, its IAM section regenerated."""
    out = replace_section(document, rule_table())
    if IAM_START in out:
        out = replace_section(out, iam_section(), IAM_START, IAM_END)
    return out


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
    return services_doc.rewrite(target, render_document, check=args.check is not None, what="rule table")


if __name__ == "__main__":
    sys.exit(main())
