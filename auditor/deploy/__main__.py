"""``python -m auditor.deploy render|check [--deploy-dir DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.deploy import stale, write_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.deploy", description=__doc__)
    parser.add_argument(
        "action", choices=("render", "check"), help="write the templates, or check they are current"
    )
    parser.add_argument(
        "--deploy-dir", type=Path, default=None, help="deploy/ directory (default: this tree's)"
    )
    args = parser.parse_args(argv)
    if args.action == "render":
        for path in write_all(args.deploy_dir):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    out_of_date = stale(args.deploy_dir)
    for path in out_of_date:
        print(f"{path}: out of date; run `python -m auditor.deploy render`", file=sys.stderr)
    return 1 if out_of_date else 0


if __name__ == "__main__":
    sys.exit(main())
