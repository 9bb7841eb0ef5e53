"""``audit`` (collection, then evaluation in the same process, whose threads are still there: the
sandbox's server and the collector's) with loading and rules forked into children: the findings are
those of one process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.collect.support import EXTERNAL_ID, Org


def _audit(org: Org, out: Path, jobs: int, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(
        [
            "audit",
            "--out",
            str(out),
            "--endpoint-url",
            org.endpoint_url,
            "--external-id",
            EXTERNAL_ID,
            "--regions",
            "eu-west-1,us-east-1",
            "--as-of",
            "2026-11-20T06:00:00+00:00",
            "--jobs",
            str(jobs),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code in (0, 1), err
    assert "Traceback" not in err and "worker process" not in err
    doc: dict[str, Any] = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    del doc["audit"]["collected_at"]  # two collections, at two times
    del doc["summary"]["history"]  # the second run's trend also shows the first
    return doc


def test_audit_with_children_writes_what_one_process_writes(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _audit(org, tmp_path / "one", 1, capsys)
    # the thresholds below which loading and the rules stay in one process, lowered to this org
    monkeypatch.setattr("auditor.model.parallel.MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr("auditor.evaluate.MIN_PARALLEL_ROWS", 0)
    two = _audit(org, tmp_path / "two", 3, capsys)
    assert two == one and len(one["findings"]) > 10
