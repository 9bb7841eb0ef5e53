"""Outputs at scale: findings JSON size, evaluate and HTML report time / memory, Chromium open time.

Generates (or reuses, with ``--bundle``) a synthetic bundle with ``benchmarks/evaluate.py``'s
generator, default the shape of issue 11: 100 accounts x 2 regions x 1,250 resources = 250,000
resources, 5 plans with tag-condition selections per account-region, each protected resource's newest
recovery point and its copies (``--recovery-points`` per protected resource, default 1).
Then, ``--repeat`` times (default 3), each step a fresh process measured with ``os.wait4`` (wall
and CPU seconds, its children's included; peak RSS, with the summed RSS of the process and its
children sampled every 20 ms, since ``evaluate`` loads the bundle in ``--jobs`` processes), the
floor in the same repetition as the tool so both see the same machine load; the medians are
printed, with each run's wall time and the load average:

1. the floor: ``json.loads`` of every file of the bundle;
2. ``backup-auditor evaluate BUNDLE -o findings.json`` (process start to findings written);
3. ``backup-auditor report findings.json --format html -o report.html``;
4. opening ``report.html`` in headless Chromium (Playwright, ``/usr/bin/chromium``) until the
   inventory is rendered from its compressed data.

evaluate's own progress lines (seconds to load, resolve and run the rules) follow its figure.

It prints sizes (bundle, findings, HTML), each time against the floor, and the targets (evaluate
and HTML within 3x of the floor; evaluate under 2 GB and HTML under 1 GB at 250,000 resources,
scaled linearly above; findings no larger than the bundle; HTML under 25 MB; Chromium under 5 s).
Figures are printed, not asserted. Usage::

    python benchmarks/outputs.py                           # 250,000 resources, temporary bundle
    python benchmarks/outputs.py --bundle /tmp/b250        # keep (or reuse) the bundle
    python benchmarks/outputs.py --accounts 400 --bundle /tmp/b1m   # 1,000,000 resources
    python benchmarks/outputs.py --findings-version 1      # the v1 writer, for comparison
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.evaluate import generate

CHROMIUM = Path("/usr/bin/chromium")
BASE_RESOURCES = 250_000


PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (Linux ``/proc``; 0 where it is absent)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
    return total


def _sample_tree(pid: int, done: threading.Event, peak: list[int]) -> None:
    """Every 20 ms until ``done``: the peak of the summed RSS of ``pid`` and its children."""
    while not done.wait(0.02):
        peak[0] = max(peak[0], _tree_rss(pid))


def _run(argv: list[str]) -> tuple[float, float, int, str, str]:
    """Run ``argv``; wall seconds, CPU seconds (user + sys, children included), peak RSS bytes,
    stdout, stderr. The peak RSS is the larger of the kernel's (``wait4``: the peak of the
    process or of its largest child, never their sum) and the peak of the process tree's summed
    RSS sampled every 20 ms (``evaluate --jobs N`` loads in child processes at the same time)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        done, peak = threading.Event(), [0]
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, done, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss * 1024, peak[0]), stdout, stderr


def floor(path: Path) -> None:
    """Child mode: read and ``json.loads`` every file of the bundle (gzip ones decompressed)."""
    import gzip

    n = 0
    for f in sorted(path.rglob("*")):
        if f.suffix == ".gz":
            json.loads(gzip.decompress(f.read_bytes()))
        elif f.suffix == ".json":
            json.loads(f.read_bytes())
        else:
            continue
        n += 1
    print(n)


def browser_open(html: Path) -> None:
    """Child mode: seconds from navigation until the inventory table shows rendered rows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        t0 = time.perf_counter()
        page.goto(html.as_uri(), timeout=120_000)
        page.wait_for_selector("#inventory-table[data-ready]", timeout=120_000)
        elapsed = time.perf_counter() - t0
        rows = page.locator("#inventory-body tr").count()
        b.close()
    print(json.dumps({"seconds": elapsed, "rows": rows, "errors": errors}))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.1f} MB"


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB ({n / 1024**3:.2f} GiB)"  # targets are decimal GB: 4 GB = 4e9 bytes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=100)
    p.add_argument("--regions", type=int, default=2)
    p.add_argument("--resources", type=int, default=1250, help="resources per account-region")
    p.add_argument(
        "--recovery-points",
        type=int,
        default=1,
        help="per protected resource, a day apart (benchmarks/evaluate.py's generator; default 1: the newest)",
    )
    p.add_argument("--bundle", type=Path, help="keep the bundle here (reused if it already has a manifest)")
    p.add_argument("--out", type=Path, help="keep findings.json and report.html here")
    p.add_argument("--findings-version", type=int, choices=(1, 2), default=2)
    p.add_argument("--skip-browser", action="store_true")
    p.add_argument("--repeat", type=int, default=3, help="repetitions (medians are printed)")
    p.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--browser-open", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.floor:
        floor(args.floor)
        return 0
    if args.browser_open:
        browser_open(args.browser_open)
        return 0

    tmp = tempfile.mkdtemp(prefix="bench-outputs-")
    bundle = args.bundle or Path(tmp) / "bundle"
    out = args.out or Path(tmp)
    out.mkdir(parents=True, exist_ok=True)
    try:
        if not (bundle / "manifest.json").is_file():
            t0 = time.perf_counter()
            generate(bundle, args.accounts, args.regions, args.resources, args.recovery_points)
            print(f"generated bundle in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        report(args, bundle, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


@dataclass
class Sample:
    """One step of one repetition: wall seconds, CPU seconds, peak RSS bytes."""

    wall: float
    cpu: float
    rss: int


@dataclass
class Samples:
    """The repetitions of one step; figures are their medians."""

    runs: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.runs)

    @property
    def rss(self) -> int:
        return int(statistics.median(s.rss for s in self.runs))


def _line(label: str, step: Samples, base: Samples | None) -> None:
    ratio = ""
    if base is not None:
        ratio = f"   {step.wall / base.wall:4.1f}x floor wall, {step.cpu / base.cpu:4.1f}x floor CPU"
    walls = "/".join(f"{s.wall:.1f}" for s in step.runs)
    print(
        f"{label:<22}{step.wall:7.1f} s wall {step.cpu:7.1f} s CPU   peak RSS {_gb(step.rss)}{ratio}"
        f"   (runs: {walls} s)"
    )


def _loads() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min) / {five:.1f} (5 min)"


def report(args: argparse.Namespace, bundle: Path, out: Path) -> None:
    """Each repetition runs the floor, evaluate, the HTML report and Chromium in turn, so the
    floor and the tool see the same machine load; the figures are the medians."""
    cli = str(Path(sys.executable).with_name("backup-auditor"))
    findings, html = out / "findings.json", out / "report.html"
    files = sum(1 for f in bundle.rglob("*") if f.is_file())
    print(f"bundle               {_mb(_size(bundle))} in {files:,} files")
    print(f"load average         {_loads()} on {os.cpu_count()} CPUs before (wall time stretches when above)")
    env_argv = [cli, "evaluate", str(bundle), "-o", str(findings)]
    if args.findings_version != 2:
        env_argv += ["--findings-version", str(args.findings_version)]
    browser = not args.skip_browser and CHROMIUM.exists()
    floor_s, evaluate_s, html_s = Samples(), Samples(), Samples()
    opened: list[dict[str, Any]] = []
    phases = ""
    for _ in range(args.repeat):
        wall, cpu, rss, _, _ = _run([sys.executable, __file__, "--floor", str(bundle)])
        floor_s.runs.append(Sample(wall, cpu, rss))
        wall, cpu, rss, _, err = _run(env_argv)
        evaluate_s.runs.append(Sample(wall, cpu, rss))
        phases = err  # the progress lines of the last run: loaded / resolved / rules, with seconds
        wall, cpu, rss, _, _ = _run([cli, "report", str(findings), "--format", "html", "-o", str(html)])
        html_s.runs.append(Sample(wall, cpu, rss))
        if browser:
            _, _, _, stdout, _ = _run([sys.executable, __file__, "--browser-open", str(html)])
            opened.append(json.loads(stdout.strip().splitlines()[-1]))
    print(f"load average         {_loads()} after; medians of {args.repeat} run(s) below")
    # the resources evaluate loaded (a reused --bundle may have another shape than the arguments say)
    loaded = re.search(r"loaded ([\d,]+) resources", phases)
    resources = (
        int(loaded.group(1).replace(",", "")) if loaded else args.accounts * args.regions * args.resources
    )
    scale = max(1.0, resources / BASE_RESOURCES)
    print(f"resources            {resources:,} (targets scaled x{scale:g} from {BASE_RESOURCES:,})")
    _line("json.loads floor", floor_s, None)
    _line("evaluate", evaluate_s, floor_s)
    for line in phases.splitlines():
        if line.startswith("evaluate: "):
            print(f"  {line}")
    print(f"  target               3.0x floor, {_gb(int(2e9 * scale))}")
    print(
        f"findings JSON        {_mb(_size(findings))} ({_size(findings) / _size(bundle):.2f}x the bundle; target 1.0x)"
    )
    _line("report --format html", html_s, floor_s)
    print(f"  target               3.0x floor, {_gb(int(1e9 * scale))}")
    print(f"HTML                 {_mb(_size(html))} (target {25 * scale:,.0f} MB)")
    if not opened:
        print("chromium open        (skipped)")
        return
    seconds = statistics.median(o["seconds"] for o in opened)
    runs = "/".join(f"{o['seconds']:.1f}" for o in opened)
    print(
        f"chromium open        {seconds:7.1f} s to a rendered inventory ({opened[-1]['rows']} rows;"
        f" {sum(len(o['errors']) for o in opened)} console errors; target {5 * scale:.0f} s)   (runs: {runs} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
