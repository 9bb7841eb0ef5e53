"""The registry imports the rule modules by itself: a process that imports nothing but the registry
still sees every rule (mutation-run survivor of ``RuleRegistry.__init__``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import auditor.rules

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_process_finds_every_rule_module_by_itself() -> None:
    modules = sorted(p.stem for p in Path(auditor.rules.__file__).parent.glob("bkp_*.py"))
    shown = subprocess.run(
        [sys.executable, "-c", "from auditor.rules.registry import rules; print(' '.join(rules.ids()))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert shown.stdout.split() == [f"BKP-{m[4:7]}" for m in modules]
