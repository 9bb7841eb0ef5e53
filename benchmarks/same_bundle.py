"""Collect the same sandbox organizations with two versions of the code and compare the bundles.

For a refactor of the collector that must not change the evidence: seeds the collection tests'
organization (``tests/collect/support.py``, collected at page size 2 so every listing has several
pages) and the demo organization (``auditor.sandbox.seed``) each in its own sandbox, collects each
once with the code at ``--old`` and once with the code at ``--new`` (each in its own process,
``PYTHONPATH`` set to that tree), and compares every file of the two bundles: the same files, the
same calls with the same parameters and responses, the same manifest (errors, accounts), the same
number of API calls and the same critical path. What differs per run by nature is ignored: the
manifest's ``collected_at`` and ``collection.seconds``, the job windows' start
(``ByCreatedAfter`` of the backup, copy and restore job listings), which follows ``collected_at``, and the members the sandbox fills with the time
of the read (:data:`READ_TIME_MEMBERS`).

Usage::

    python benchmarks/same_bundle.py --old /work/baseline/code            # --new defaults to this tree
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.sandbox import start_sandbox  # noqa: E402
from auditor.sandbox.seed import seed_demo_org  # noqa: E402
from tests.collect import support  # noqa: E402

_COLLECT = """
import json, sys
from pathlib import Path
from auditor.collect.engine import collect_to_bundle
from auditor.config import AuditConfig
values = json.loads(sys.argv[1])
values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
page_size = values.pop("page_size")
collect_to_bundle(AuditConfig(**values), Path(sys.argv[2]), progress=False, page_size=page_size)
"""


def collect_with(code: Path, config: dict[str, Any], out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run(
        [sys.executable, "-c", _COLLECT, json.dumps(config), str(out)], env=env, check=True, cwd=code
    )


def _load(path: Path) -> Any:
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)


#: Members the sandbox fills with the time of the read (moto answers "now"): they differ between any
#: two collections of the same organization.
READ_TIME_MEMBERS = frozenset(
    {"LatestRestorableTime", "LastUpdatedTimestamp", "Timestamp", "EvaluationTimestamp"}
)


def _without_read_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_read_times(v) for k, v in value.items() if k not in READ_TIME_MEMBERS}
    if isinstance(value, list):
        return [_without_read_times(v) for v in value]
    return value


def _normalized(relative: str, content: Any) -> Any:
    if relative == "manifest.json":
        content.pop("collected_at", None)
        content.get("collection", {}).pop("seconds", None)
        content.get("extra", {}).get("collection", {}).pop("seconds", None)
    elif isinstance(content, list):
        for call in content:  # the job windows (backup, copy, restore jobs) start at collected_at
            if isinstance(call, dict) and isinstance(call.get("params"), dict):
                call["params"].pop("ByCreatedAfter", None)
    return _without_read_times(content)


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{where}[{i}]")
        ]
    return [] if a == b else [f"{where}: {str(a)[:80]} != {str(b)[:80]}"]


def compare(old: Path, new: Path, show: bool = False) -> list[str]:
    """Differences between two bundles (empty: the same evidence)."""
    files_old = {str(p.relative_to(old)) for p in old.rglob("*") if p.is_file()}
    files_new = {str(p.relative_to(new)) for p in new.rglob("*") if p.is_file()}
    problems = [f"only in the old bundle: {f}" for f in sorted(files_old - files_new)]
    problems += [f"only in the new bundle: {f}" for f in sorted(files_new - files_old)]
    for relative in sorted(files_old & files_new):
        a = _normalized(relative, _load(old / relative))
        b = _normalized(relative, _load(new / relative))
        if a != b:
            problems.append(f"differs: {relative}")
            if show:
                problems.extend(f"    {d}" for d in _differences(a, b)[:5])
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="source tree of the old code")
    parser.add_argument(
        "--new", type=Path, default=ROOT, help="source tree of the new code (default: this one)"
    )
    parser.add_argument("--keep", type=Path, help="write the bundles here (default: a temporary directory)")
    parser.add_argument("--show", action="store_true", help="print the differing values")
    args = parser.parse_args(argv)
    os.environ.update(support.ENV)
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
        os.environ.pop(key, None)
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or Path(scratch)
        for name in ("test-org", "demo-org"):
            with start_sandbox() as sandbox:
                url = sandbox.endpoint_url
                config: dict[str, Any] = {"endpoint_url": url, "max_attempts": 2, "quiet": True}
                if name == "test-org":
                    support.seed(url)
                    config |= {"regions": list(support.REGIONS), "external_id": support.EXTERNAL_ID}
                    config["page_size"] = support.PAGE_SIZE
                else:
                    demo = seed_demo_org(url)
                    config |= {"regions": list(demo.regions), "role_name": demo.audit_role_name}
                    config["page_size"] = None
                bundles = {}
                for label, code in (("old", args.old), ("new", args.new)):
                    bundles[label] = Path(tmp) / f"{name}-{label}"
                    collect_with(code.resolve(), config, bundles[label])
                problems = compare(bundles["old"], bundles["new"], args.show)
                files = sum(1 for p in bundles["new"].rglob("*") if p.is_file())
                manifest = _load(bundles["new"] / "manifest.json")
                figures = manifest.get("collection") or manifest.get("extra", {}).get("collection")
                print(f"{name}: {files} files, collection {figures}: {len(problems)} differences")
                for problem in problems:
                    print(f"  {problem}")
                failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
