"""Generate the probe table of ``docs/verify-readings.md`` from :mod:`auditor.readings`.

``python -m auditor.readings_doc --update docs/verify-readings.md`` rewrites what lies between
``<!-- readings:start -->`` and ``<!-- readings:end -->``; ``--check FILE`` exits 1 when it is
stale; with no option the table is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.readings import CONTROLS, OPT_IN_PRECONDITIONS, READINGS, Probe, ProbeSelection
from auditor.services import doc as services_doc

START = "<!-- readings:start -->"
END = "<!-- readings:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _selection(s: ProbeSelection) -> str:
    parts = [f"Resources `{', '.join(s.resources)}`"] if s.resources else []
    parts += [f'{c.operator} `{c.key}` = "{c.value}"' for c in s.conditions]
    parts += [f'ListOfTags `{k}` = "{v}"' for k, v in s.list_of_tags]
    if s.not_resources:
        parts.append(f"NotResources `{', '.join(s.not_resources)}`")
    return "; ".join(parts)


def _probe_row(reading: str, p: Probe) -> str:
    tags = ", ".join(f'`{k}` = "{v}"' for k, v in p.tags) or "-"
    cells = (
        reading,
        f"`{p.id}`",
        p.kind.value,
        tags,
        _selection(p.selection),
        p.ours.value,
        p.opposite.value,
    )
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def readings_table() -> str:
    """Preconditions, every probe (controls first), then the readings no probe exercises."""
    pre = ", ".join(f"{k.value} {'on' if on else 'off'}" for k, on in OPT_IN_PRECONDITIONS.items())
    lines = [
        f"Opt-in preconditions in the test Region: {pre}.",
        "",
        "| reading | probe | kind | tags (besides `backup-auditor:probe`) | selection | our reading | opposite |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_probe_row("control", p) for p in CONTROLS]
    lines += [_probe_row(r.id, p) for r in READINGS for p in r.probes]
    lines += ["", "| reading | our reading | why the kit does not probe it |", "|---|---|---|"]
    lines += [f"| {r.id} | {_cell(r.ours)} | {_cell(r.not_probed)} |" for r in READINGS if r.not_probed]
    return "\n".join(lines) + "\n"


def render_document(document: str) -> str:
    return services_doc.replace_section(document, readings_table(), START, END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auditor.readings_doc", description=__doc__.splitlines()[0]
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--update", type=Path, metavar="FILE", help="rewrite the probe table in FILE")
    group.add_argument("--check", type=Path, metavar="FILE", help="exit 1 if FILE's probe table is stale")
    args = parser.parse_args(argv)
    target: Path | None = args.update or args.check
    if target is None:
        sys.stdout.write(readings_table())
        return 0
    return services_doc.rewrite(target, render_document, check=args.check is not None, what="probe table")


if __name__ == "__main__":
    sys.exit(main())
