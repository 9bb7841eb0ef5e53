"""Fuzz the evidence bundle reader (issue 11): whatever is wrong with a bundle's files, reading
and evaluating it either works or fails with one line that names the file (exit 2 from the
CLI), never a traceback.

The bulk runs in process through ``read_bundle`` + ``load_inventory`` + ``evaluate_bundle``; a
sample goes through the real console entry point in a subprocess. Examples are derandomized
(fixed seed, no example database) so ``make test`` is reproducible.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from auditor.errors import BadInputError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from tests.fuzz.mutations import MUTATIONS, Mutation, damage, fresh_copy, sample_bundle

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "import sys; from auditor.cli import entry; sys.argv[0] = 'backup-auditor'; entry()"
FUZZ: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_bundle(tmp_path_factory.mktemp("fuzz") / "template")


def _check_one_line_naming(exc: BadInputError, bundle: Path, damaged: Path) -> None:
    text = str(exc)
    assert "\n" not in text, text
    named = text.split(": ", 1)[0]
    assert named.startswith(str(bundle)), f"message does not name a file of the bundle: {text}"
    assert Path(named) in (damaged, bundle, bundle / "manifest.json") or Path(named).is_relative_to(bundle)


@settings(max_examples=250, **FUZZ)
@given(mutation=MUTATIONS)
def test_damaged_bundle_loads_or_fails_naming_the_file(
    template: Path, tmp_path_factory: pytest.TempPathFactory, mutation: Mutation
) -> None:
    bundle = fresh_copy(template, tmp_path_factory.getbasetemp() / "fuzz-case")
    damaged = damage(bundle, mutation)
    try:
        evaluate_bundle(read_bundle(bundle))
        load_inventory(read_bundle(bundle))
    except BadInputError as exc:
        _check_one_line_naming(exc, bundle, damaged)


@settings(max_examples=80, **FUZZ)
@given(mutation=MUTATIONS)
def test_damaged_manifest_loads_or_fails_naming_it(
    template: Path, tmp_path_factory: pytest.TempPathFactory, mutation: Mutation
) -> None:
    bundle = fresh_copy(template, tmp_path_factory.getbasetemp() / "fuzz-manifest-case")
    damaged = damage(bundle, mutation, only="manifest.json")
    try:
        evaluate_bundle(read_bundle(bundle))
    except BadInputError as exc:
        _check_one_line_naming(exc, bundle, damaged)


@settings(max_examples=6, **FUZZ)
@given(mutation=MUTATIONS)
def test_cli_exits_2_with_one_line_or_evaluates(
    template: Path, tmp_path_factory: pytest.TempPathFactory, mutation: Mutation
) -> None:
    bundle = fresh_copy(template, tmp_path_factory.getbasetemp() / "fuzz-cli-case")
    damaged = damage(bundle, mutation)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from auditor.cli import entry; sys.argv[0] = 'backup-auditor'; entry()",
            "evaluate",
            str(bundle),
            "-q",
            "-o",
            os.devnull,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode == 0:
        return
    assert done.returncode == 2, (damaged, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"backup-auditor: error: {bundle}"), line
