"""The CLI imports only the command it runs: ``evaluate`` pays for no report format or collector."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from auditor.cli import COMMAND_MODULES, load_commands

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(argv: list[str]) -> set[str]:
    """The modules imported by ``load_commands(argv)`` in a fresh interpreter."""
    code = (
        "import sys; from auditor.cli import load_commands; "
        f"load_commands({argv!r}); print('\\n'.join(sorted(sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return set(out.stdout.split())


def test_evaluate_imports_no_report_format_collector_or_botocore() -> None:
    loaded = _modules_after(["evaluate", "bundle", "-o", "findings.json"])
    assert "auditor.commands.evaluate" in loaded
    assert not {m for m in loaded if m.startswith(("auditor.report", "auditor.collect", "jinja2"))}
    assert "botocore" not in loaded
    assert "auditor.commands.report" not in loaded


def test_help_and_unknown_commands_register_every_command() -> None:
    for argv in (["--help"], ["no-such-command"], []):
        loaded = _modules_after(argv)
        assert set(COMMAND_MODULES.values()) <= loaded


def test_command_modules_name_every_registered_command() -> None:
    app = load_commands()
    group = typer.main.get_command(app)
    assert sorted(group.commands) == sorted(COMMAND_MODULES)  # type: ignore[attr-defined]
