"""The interface every output format implements (pip-audit ``_format/interface.py`` style)."""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from auditor.model.results import EvaluationResult, Finding


class ReportFormat(ABC):
    """One output format. ``render`` is pure; ``write`` puts the rendering in a file atomically."""

    suffix: ClassVar[str]
    """File name suffix used when a format writes next to other reports, e.g. ``.html``."""

    @abstractmethod
    def render(self, result: EvaluationResult) -> str | bytes:
        """The whole report as text (UTF-8 when written) or bytes."""

    def write(self, result: EvaluationResult, path: Path) -> None:
        """Write ``render(result)`` to ``path``: a temporary file renamed into place, never half a file."""
        data = self.render(result)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            # mkstemp creates 0600; a report is meant to be shared like any file the user writes
            Path(tmp).chmod(0o666 & ~_umask())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def subject(finding: Finding) -> str:
    """What a finding is about, stable across runs (:attr:`Finding.subject`)."""
    return finding.subject


def fingerprint(finding: Finding) -> str:
    """The finding's stable id (:attr:`Finding.id`): equal for the same finding in two runs."""
    return finding.id
