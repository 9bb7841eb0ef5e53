"""Fixtures of the collection tests: their own sandbox with the organization of ``support.py``,
and one bundle collected from it (at page size 2) shared by the package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditor.sandbox import Sandbox, start_sandbox
from tests.collect.support import ENV, PAGE_SIZE, Collected, Org, base_config, run_collect, seed


@pytest.fixture(scope="package")
def aws_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
            mp.delenv(key, raising=False)
        for key, value in ENV.items():
            mp.setenv(key, value)
        yield


@pytest.fixture(scope="package")
def org_sandbox(aws_env: None) -> Iterator[Sandbox]:
    with start_sandbox() as running:
        yield running


@pytest.fixture(scope="package")
def org(org_sandbox: Sandbox) -> Org:
    return seed(org_sandbox.endpoint_url)


@pytest.fixture(scope="package")
def collected(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """The whole organization collected once, at page size 2 (every listing paginates)."""
    target = tmp_path_factory.mktemp("collected") / "bundle"
    return run_collect(base_config(org), target, page_size=PAGE_SIZE)
