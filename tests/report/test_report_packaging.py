"""The templates ship in the wheel (``auditor/templates`` -> ``templates/``) and are found there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_file())

RENDER = """
import sys
from datetime import UTC, datetime
import auditor
from auditor.model.results import EvaluationResult
from auditor.report.html import HtmlFormat, template_dir
now = datetime(2026, 1, 1, tzinfo=UTC)
html = HtmlFormat().render(EvaluationResult(now, now, "0.0.0", None, (), (), (), ()))
print(auditor.__file__)
print(template_dir())
print("Executive summary" in html and "</html>" in html)
"""


def test_editable_checkout_finds_the_templates_through_the_package_link() -> None:
    link = ROOT / "auditor" / "templates"
    assert link.is_symlink() and link.resolve() == (ROOT / "templates").resolve()
    assert {"report.html.j2", "report.css", "report.js"} <= set(TEMPLATES)


@pytest.mark.slow
def test_wheel_contains_the_templates_and_renders_from_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path / "dist")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("backup_auditor-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert {f"auditor/templates/{name}" for name in TEMPLATES} <= names
    out = subprocess.run(
        [sys.executable, "-c", RENDER],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.splitlines()
    assert out[0] == str(tmp_path / "site" / "auditor" / "__init__.py")
    assert out[1] == str(tmp_path / "site" / "auditor" / "templates")
    assert out[2] == "True"
