"""Run configuration: one frozen record shared by the CLI, the Lambda handler and ``run_audit``.

Precedence (documented in the README): command-line flag > environment variable
(``BACKUP_AUDITOR_<FIELD>``) > config file (``backup-auditor.toml``) > default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditor.model.results import Severity

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
SESSION_NAME = "backup-auditor"


@dataclass(frozen=True)
class AuditConfig:
    """Everything one audit run needs. Defaults are the documented defaults."""

    role_name: str = DEFAULT_ROLE_NAME
    """Role assumed in each member account (not in the caller's own account)."""
    external_id: str | None = None
    """External ID passed to sts:AssumeRole, when the audit role requires one."""
    accounts: tuple[str, ...] | None = None
    """Explicit account ids; ``None`` = every ACTIVE account of the organization."""
    regions: tuple[str, ...] | None = None
    """Explicit regions; ``None`` = each account's enabled regions (ec2 DescribeRegions)."""
    shard: tuple[int, int] | None = None
    """``(i, n)``: collect only the i-th of n deterministic shards of the account list (0 <= i < n)."""
    endpoint_url: str | None = None
    """Send every AWS call here (the sandbox); ``None`` = real AWS endpoints."""
    max_concurrency: int = 64
    """Upper bound of AWS calls in flight across the whole run."""
    per_account_region_concurrency: int = 8
    """Upper bound of AWS calls in flight for one account-region."""
    max_attempts: int = 8
    """botocore adaptive retry attempts per call (throttling, 5xx)."""
    job_window_days: int = 14
    """ListBackupJobs looks back this many days."""
    compress: bool = False
    """Store bundle files gzip-compressed (``.json.gz``)."""
    deadline: float | None = None
    """``time.monotonic()`` value by which collection must stop; what is not reached is recorded
    as not audited (used by the Lambda handler)."""
    fail_on: Severity | None = None
    """Exit 1 when a finding at or above this severity exists; ``None`` = never."""
    as_of: datetime | None = None
    """Evaluate as if now were this instant (default: the bundle's collected_at)."""
    aurora_cost_per_gb_month: float = 0.021
    """USD per GB-month used to estimate billed Aurora snapshot storage."""
    quiet: bool = False
    """No progress display on stderr."""


@dataclass(frozen=True)
class OutputPaths:
    """Where an audit writes: ``out_dir/evidence/``, ``out_dir/findings.json``, ``out_dir/report.html``."""

    out_dir: Path

    @property
    def evidence(self) -> Path:
        return self.out_dir / "evidence"

    @property
    def findings(self) -> Path:
        return self.out_dir / "findings.json"

    @property
    def report_html(self) -> Path:
        return self.out_dir / "report.html"
