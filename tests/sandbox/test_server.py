from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from auditor.sandbox import start_sandbox


def _client(endpoint_url: str, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]  # the stubs type client() per literal service name
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )


def test_start_serve_reset_stop() -> None:
    with start_sandbox(own_process=True) as sb:
        assert sb.endpoint_url.startswith("http://127.0.0.1:")
        assert sb.port > 0
        backup = _client(sb.endpoint_url, "backup")
        backup.create_backup_vault(BackupVaultName="v1")
        assert [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]] == ["v1"]
        sb.reset()
        assert backup.list_backup_vaults()["BackupVaultList"] == []
    with pytest.raises(Exception):  # noqa: B017 - connection refused once stopped, any transport error
        _client(sb.endpoint_url, "sts").get_caller_identity()


def test_two_sandboxes_get_distinct_free_ports_and_state() -> None:
    # moto's state is global to a process: a second default sandbox must not share the first's.
    with start_sandbox() as a, start_sandbox() as b:
        assert a.endpoint_url != b.endpoint_url
        assert not (a.in_process and b.in_process)
        _client(b.endpoint_url, "backup").create_backup_vault(BackupVaultName="only-in-b")
        names = [
            v["BackupVaultName"]
            for v in _client(a.endpoint_url, "backup").list_backup_vaults()["BackupVaultList"]
        ]
        assert "only-in-b" not in names


def test_latency_is_injected() -> None:
    with start_sandbox(latency_ms=150) as sb:
        sts = _client(sb.endpoint_url, "sts")
        sts.get_caller_identity()
        started = time.perf_counter()
        for _ in range(3):
            sts.get_caller_identity()
        assert time.perf_counter() - started >= 0.45
