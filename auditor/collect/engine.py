"""Async collection of an organization into an evidence bundle.

The one place where concurrency limits and the retry policy are set:

* ONE aioboto3 session for the whole run (one botocore loader and service-model cache, one
  credential resolver for the caller);
* one client per (account, region, service), created when the account-region starts and closed
  when it ends; clients of an account share that account's assumed-role credentials, assumed once
  and refreshed by aiobotocore before they expire;
* a global semaphore (``max_concurrency``) and one per account-region
  (``per_account_region_concurrency``) around every HTTP request; at most ``max_concurrency``
  account-regions hold clients at once;
* botocore adaptive retries (``max_attempts``); a call whose attempt timed out gets at most
  ``TIMEOUT_ATTEMPTS`` attempts; an answer that is not an AWS document is an error of that call
  (``collect/http.py``), and a call whose successful answer cannot be read is made again
  (``RESTART_ATTEMPTS``);
* a run-wide time budget (``--timeout`` and/or the Lambda's ``deadline``): at the deadline calls
  in flight are cancelled and calls not made are recorded as ``DeadlineExceeded``; the bundle is
  then written with what was collected.

What is called comes from the service declarations (:mod:`auditor.services`): in each
account-region the engine walks the regional operations, each top-level call followed, as soon as it
answers, by the per-item calls of every item it listed (:data:`REGIONAL_WALKS`); page sizes and the
error codes that mean "nothing there" are the declarations' too. Only discovery (caller identity,
AssumeRole, DescribeRegions) and reading the organization's answers name operations here.

Every failure becomes a :class:`CollectionError` and everything else is still collected.
Collectors never judge: they store what AWS said.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import aioboto3
import aiohttp
import botocore.session
from aiobotocore.config import AioConfig
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from auditor import TOOL_NAME, __version__
from auditor.collect.clients import tune_session
from auditor.collect.http import (
    UNPARSEABLE_CODE,
    ConnectionPool,
    body_snippet,
    install_tolerant_parsing,
    limit_timeout_retries,
    proxies_configured,
)
from auditor.collect.progress import Progress
from auditor.config import SESSION_NAME, AuditConfig
from auditor.discovery.accounts import AccountInfo, accounts_from_listing, choose_accounts
from auditor.discovery.credentials import AssumedRole, role_arn
from auditor.discovery.ous import accounts_under, places_from_calls
from auditor.discovery.regions import enabled_regions, partition_of
from auditor.errors import RunError
from auditor.evidence import (
    AccountEntry,
    BundleWriter,
    Call,
    CollectionError,
    Manifest,
    OrganizationInfo,
    ToolInfo,
)
from auditor.services import (
    ALL_OPERATIONS,
    ORGANIZATION_OPERATIONS,
    REGIONAL_OPERATIONS,
    REGIONAL_SERVICES,
    CallContext,
    Operation,
    children,
    some_region_services,
)

ServiceName = str
"""boto3 client name of a declared service (:mod:`auditor.services`)."""

DEFAULT_HOME_REGION: Final = "us-east-1"
DEADLINE_CODE: Final = "DeadlineExceeded"
CONNECT_TIMEOUT_S: Final = 10
READ_TIMEOUT_S: Final = 20
"""Per-attempt read timeout; with a time budget, at most a quarter of it (not under the minimum),
so that a hung call's ``TIMEOUT_ATTEMPTS`` attempts end well inside the budget."""
MIN_READ_TIMEOUT_S: Final = 2.0
TIMEOUT_ATTEMPTS: Final = 2
"""Attempts of a call whose attempts time out (throttling and 5xx get ``max_attempts``)."""
RESTART_ATTEMPTS: Final = 3
"""Times a call is made when its successful answer cannot be read (truncated, not a document)."""
RESTART_BACKOFF_S: Final = 0.2
DISCOVERY_GRACE_S: Final = 5.0
"""How long past the deadline the discovery calls (caller identity, organization) may still take."""
PROGRESS_INTERVAL_S: Final = 10.0
"""How often a progress line is written when stderr is not a terminal."""

# How each operation is called, from its declaration (:mod:`auditor.services`): page size (limit
# parameter: largest the API accepts, smallest), paginated without a limit, and the error codes that
# mean "there is nothing" rather than "could not read".
PAGE_SIZES: Final[Mapping[tuple[str, str], tuple[int, int]]] = {
    (op.service, op.name): op.page_size for op in ALL_OPERATIONS if op.page_size is not None
}
PAGINATED_WITHOUT_LIMIT: Final = frozenset((op.service, op.name) for op in ALL_OPERATIONS if op.paginated)
TOKEN_PAGED: Final = frozenset((op.service, op.name) for op in ALL_OPERATIONS if op.token_paged)
"""Paged operations botocore has no paginator for: ``MaxResults`` / ``NextToken`` followed here."""
SOME_REGIONS: Final = some_region_services()
ABSENT_CODES: Final[Mapping[tuple[str, str], frozenset[str]]] = {
    (op.service, op.name): op.absent_codes for op in ALL_OPERATIONS if op.absent_codes
}


@functools.cache
def service_regions(service: str, partition: str) -> frozenset[str]:
    """Regions botocore's endpoint data lists for ``service`` (a boto3 client name) in
    ``partition``: where the collector calls a service AWS offers in some Regions only."""
    return frozenset(botocore.session.get_session().get_available_regions(service, partition_name=partition))


_ORG_OTHER_SERVICES: Final[tuple[str, ...]] = tuple(
    dict.fromkeys(op.service for op in ORGANIZATION_OPERATIONS if op.service not in ("sts", "organizations"))
)
"""Clients the organization-level calls need besides sts and organizations (backup)."""


@dataclass(frozen=True)
class _Walk:
    """A regional operation and, below it, the per-item operations called for its listed items."""

    op: Operation
    below: tuple[_Walk, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """This operation's key and those of every operation below it (depth first)."""
        return (self.op.key, *(key for walk in self.below for key in walk.keys))

    @property
    def descendants(self) -> tuple[Operation, ...]:
        return tuple(op for walk in self.below for op in (walk.op, *walk.descendants))


def _walk(op: Operation) -> _Walk:
    return _Walk(op, tuple(_walk(child) for child in children(op.key)))


REGIONAL_WALKS: Final[tuple[_Walk, ...]] = tuple(_walk(op) for op in REGIONAL_OPERATIONS if not op.per_item)
"""The top-level regional operations, each with the per-item operations below it (walked in an
account's first region; the other regions skip the account-wide ones)."""
_PER_REGION_WALKS: Final[tuple[_Walk, ...]] = tuple(w for w in REGIONAL_WALKS if not w.op.account_wide)
_PER_REGION_OPERATIONS: Final[tuple[Operation, ...]] = tuple(
    op for op in REGIONAL_OPERATIONS if not op.account_wide
)
_PER_REGION_SERVICES: Final[tuple[str, ...]] = tuple(
    s for s in REGIONAL_SERVICES if any(op.service == s for op in _PER_REGION_OPERATIONS)
)

# Python's full (generation 2) garbage collections rescan every object alive, including every
# botocore service model, endpoint ruleset and generated client class; with clients created and
# dropped per account-region they cost about a third of the collector's CPU
# (benchmarks/collect.py). Once the first account-region's clients exist (every model loaded),
# what is alive is frozen (``gc.freeze``): later collections skip it. Full collections are also
# made 10x rarer (they still scan the clients in flight); the reference cycles of closed clients
# are reclaimed by them (benchmark: ~2.6 instead of ~3.8 ms of CPU per call, same peak memory).
FULL_GC_THRESHOLD: Final = 100

Response = dict[str, Any]


@dataclass(frozen=True)
class CollectionStats:
    """Figures of one run (also stored in the manifest under ``collection``)."""

    accounts: int
    account_regions: int
    calls: int
    """HTTP requests that returned (pages count one each, failures one each; retries not counted)."""
    errors: int
    seconds: float
    critical_path_calls: int
    """Longest chain of calls that had to wait for each other (discovery + deepest listing chain)."""

    def summary(self) -> str:
        return (
            f"collected {self.accounts} accounts, {self.account_regions} account-regions: "
            f"{self.calls} API calls, {self.errors} errors, {self.seconds:.1f}s"
        )


@dataclass(frozen=True)
class _Result:
    """Outcome of one logical call (all pages)."""

    response: Response | None
    """Merged response; ``None`` when the call failed (recorded) or found nothing (absent)."""
    depth: int
    """Position of its last page in the chain of dependent calls."""


def merge_pages(pages: Sequence[Mapping[str, Any]]) -> Response:
    """Merge paginated responses: list members concatenated in order, other members from the
    first page that has them. Tokens and ``ResponseMetadata`` are removed by the bundle writer."""
    merged: Response = {}
    for page in pages:
        for key, value in page.items():
            if key == "ResponseMetadata":
                continue
            if isinstance(value, list):
                existing = merged.get(key)
                if isinstance(existing, list):
                    existing.extend(value)
                else:
                    merged[key] = list(value)
            elif key not in merged:
                merged[key] = value
    return merged


@contextmanager
def garbage_collection_for(engine: _Engine) -> Iterator[None]:
    """Rarer full collections while ``engine`` runs; unfreeze what it froze (see above)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, max(old, FULL_GC_THRESHOLD))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)
        if engine.froze_gc:
            gc.unfreeze()


class OutOfTime(Exception):
    """The run's time budget ran out while a call waited or was in flight (it was cancelled)."""


def _error_fields(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, OutOfTime):
        return DEADLINE_CODE, "the run's time budget ran out before this call completed"
    if isinstance(exc, ResponseParserError):
        return UNPARSEABLE_CODE, f"answer is not an AWS document: {body_snippet(str(exc).encode())}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or exc)
        return code, message
    return type(exc).__name__, str(exc) or type(exc).__name__


_CALL_ERRORS: Final = (
    ClientError,
    BotoCoreError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    ResponseParserError,
    OutOfTime,
)
_RESTARTABLE: Final = (ResponseParserError, aiohttp.ClientPayloadError)
"""Failures botocore does not retry (they happen after its retry loop): the engine makes the
call again, from its first page."""


class _Scope:
    """Where calls go: the caller's discovery scope, or one account-region with its clients."""

    def __init__(
        self, account_id: str | None, region: str | None, semaphore: asyncio.Semaphore | None
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.semaphore = semaphore
        self.clients: dict[str, Any] = {}
        self.paginators: dict[tuple[str, str], Any] = {}

    def paginator(self, service: str, operation: str) -> Any:
        key = (service, operation)
        found = self.paginators.get(key)
        if found is None:
            found = self.clients[service].get_paginator(xform_name(operation))
            self.paginators[key] = found
        return found


class _Engine:
    def __init__(
        self, config: AuditConfig, writer: BundleWriter, progress: Progress, page_size: int | None
    ) -> None:
        self.config = config
        self.writer = writer
        self.progress = progress
        self.page_size = page_size
        self.session = aioboto3.Session()
        tune_session(self.session)
        install_tolerant_parsing(self.session)
        self.started = time.monotonic()
        limits = [] if config.deadline is None else [config.deadline]
        if config.timeout is not None:
            limits.append(self.started + config.timeout)
        self.deadline: float | None = min(limits) if limits else None
        self.home_region = self.session.region_name or os.environ.get("AWS_REGION") or DEFAULT_HOME_REGION
        self.pool = ConnectionPool(limit=config.max_concurrency)
        # Without a proxy in the environment (checked once here), clients share the run's pool and
        # are told so (``proxies={}``, what botocore would find): otherwise botocore scans the
        # environment twice per client for proxy variables.
        shared: dict[str, Any] = (
            {} if proxies_configured() else {"http_session_cls": self.pool.session_class(), "proxies": {}}
        )
        self.client_config = AioConfig(
            retries={"mode": "adaptive", "max_attempts": config.max_attempts},
            max_pool_connections=config.per_account_region_concurrency,
            connect_timeout=min(CONNECT_TIMEOUT_S, self.read_timeout()),
            read_timeout=self.read_timeout(),
            **shared,
        )
        self.semaphore = asyncio.Semaphore(config.max_concurrency)
        self.region_slots = asyncio.Semaphore(config.max_concurrency)
        self.errors: list[CollectionError] = []
        self._deadline_recorded: set[tuple[str | None, str | None, str, str]] = set()
        self.calls = 0
        self.max_depth = 0
        self.account_regions = 0
        self.froze_gc = False
        self.collected_at = datetime.now(UTC)
        self.partition = "aws"
        self.caller_account = ""
        self.tree_calls: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
        """The OU tree calls (params, response) by operation key, for ``--ou``."""
        self.stats: CollectionStats | None = None
        self._stand_in: asyncio.Future[tuple[str, ...]] | None = None
        self.progress_interval = PROGRESS_INTERVAL_S
        self.unavailable: set[tuple[str, str]] = set()
        """(service, region) not called because botocore's endpoint data does not list the
        service in the region (:attr:`Service.some_regions`); written to the manifest."""

    # ----------------------------------------------------------------- infrastructure

    def available(self, service: str, region: str) -> bool:
        """Whether ``service`` is called in ``region``: always, unless AWS offers it in some
        Regions only and botocore's endpoint data for the run's partition does not list it."""
        if service not in SOME_REGIONS:
            return True
        return region in service_regions(service, self.partition)

    def skipped_services(self, region: str, services: Sequence[str]) -> frozenset[str]:
        """Of ``services``, those not available in ``region`` (recorded for the manifest)."""
        out = frozenset(s for s in services if not self.available(s, region))
        self.unavailable.update((s, region) for s in out)
        return out

    def past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def remaining(self) -> float | None:
        """Seconds left of the run's time budget (``None``: no budget)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def read_timeout(self) -> float:
        left = self.remaining()
        return READ_TIMEOUT_S if left is None else max(MIN_READ_TIMEOUT_S, min(READ_TIMEOUT_S, left / 4))

    def record(
        self, scope: _Scope, service: str, operation: str, code: str, message: str, *, region: bool = True
    ) -> None:
        self.errors.append(
            CollectionError(
                account_id=scope.account_id,
                region=scope.region if region else None,
                service=service,
                operation=operation,
                code=code,
                message=message,
            )
        )

    def record_deadline(
        self,
        account_id: str | None,
        region: str | None,
        service: str,
        operation: str,
        message: str = "the run's deadline passed before this call was made",
    ) -> None:
        key = (account_id, region, service, operation)
        if key in self._deadline_recorded:
            return
        self._deadline_recorded.add(key)
        self.errors.append(
            CollectionError(
                account_id,
                region,
                service,
                operation,
                DEADLINE_CODE,
                message,
            )
        )

    async def client_keys(self, role: AssumedRole | None) -> dict[str, str | None]:
        """Explicit keys for an assumed role (refreshed first when close to expiry); ``{}`` means
        the caller's own credentials."""
        if role is None:
            return {}
        frozen = await role.frozen()
        return {
            "aws_access_key_id": frozen.access_key,
            "aws_secret_access_key": frozen.secret_key,
            "aws_session_token": frozen.token,
        }

    def not_reached(self, scope: _Scope, service: str, operations: Sequence[str]) -> None:
        """A parent listing was not collected: past the deadline, its per-item operations were not
        reached either, and are recorded so. (Other parent failures are recorded on the parent
        alone: its per-item files are then absent, which readers treat as not collected.)"""
        if self.past_deadline():
            for operation in operations:
                self.record_deadline(scope.account_id, scope.region, service, operation)

    async def open_client(
        self,
        stack: AsyncExitStack,
        scope: _Scope,
        service: ServiceName,
        region: str,
        keys: Mapping[str, str | None],
    ) -> None:
        """Create ``service``'s client for ``scope``, closed with ``stack``."""
        # Operations are dispatched by name (``xform_name``), so clients are used untyped; the
        # typed overloads of ``Session.client`` need a literal service name.
        make_client: Callable[..., Any] = self.session.client
        client = await stack.enter_async_context(
            make_client(
                service,
                region_name=region,
                endpoint_url=self.config.endpoint_url,
                config=self.client_config,
                **keys,
            )
        )
        limit_timeout_retries(client, TIMEOUT_ATTEMPTS)
        scope.clients[service] = client

    async def fetch(
        self,
        scope: _Scope,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        *,
        after: int,
        error_prefix: str = "",
        before_deadline: bool = True,
    ) -> _Result:
        """One logical call (all its pages) in ``scope``; failures recorded, never raised.

        Past the deadline the call is not made and ``DeadlineExceeded`` is recorded instead,
        except for the few discovery calls (``before_deadline=False``) without which the run
        could not even say which accounts it did not reach.
        """
        if before_deadline and self.past_deadline():
            self.record_deadline(scope.account_id, scope.region, service, operation)
            return _Result(None, after)
        if service not in scope.clients:
            return _Result(None, after)  # its client could not be created; recorded there
        depth = after
        for attempt in range(1, RESTART_ATTEMPTS + 1):
            try:
                response, depth = await self._call(
                    scope, service, operation, params, depth, bounded=before_deadline
                )
            except _RESTARTABLE as exc:
                depth += 1
                self.calls += 1
                if attempt < RESTART_ATTEMPTS and not self.past_deadline():
                    await asyncio.sleep(RESTART_BACKOFF_S * attempt)
                    continue
                return self._failed(scope, service, operation, exc, error_prefix, depth)
            except _CALL_ERRORS as exc:
                return self._failed(scope, service, operation, exc, error_prefix, depth + 1)
            self.max_depth = max(self.max_depth, depth)
            return _Result(response, depth)
        raise AssertionError("unreachable: the last attempt returns")

    def _failed(
        self, scope: _Scope, service: str, operation: str, exc: BaseException, prefix: str, depth: int
    ) -> _Result:
        """Record a call that failed (not when its code means "there is nothing")."""
        if not isinstance(exc, _RESTARTABLE):
            self.calls += 1
        code, message = _error_fields(exc)
        if code == DEADLINE_CODE:
            self.record_deadline(scope.account_id, scope.region, service, operation, message)
        elif code not in ABSENT_CODES.get((service, operation), frozenset()):
            self.record(scope, service, operation, code, prefix + message)
        self.max_depth = max(self.max_depth, depth)
        return _Result(None, depth)

    async def _call(
        self,
        scope: _Scope,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        depth: int,
        *,
        bounded: bool,
    ) -> tuple[Response, int]:
        """Make one logical call (every page); returns the merged response and the depth.
        ``bounded``: cut at the run's deadline (discovery calls are not: see :meth:`fetch`)."""
        key = (service, operation)
        if key in TOKEN_PAGED:
            return await self._token_pages(scope, service, operation, params, depth, bounded=bounded)
        if key in PAGE_SIZES or key in PAGINATED_WITHOUT_LIMIT:
            pagination: dict[str, int] = {}
            if key in PAGE_SIZES:
                largest, smallest = PAGE_SIZES[key]
                size = largest if self.page_size is None else max(smallest, min(largest, self.page_size))
                pagination["PageSize"] = size
            pages_iter = (
                scope.paginator(service, operation)
                .paginate(**params, PaginationConfig=pagination)
                .__aiter__()
            )
            pages: list[Mapping[str, Any]] = []
            while True:
                try:
                    page = await self._guarded(scope, pages_iter.__anext__, bounded=bounded)
                except StopAsyncIteration:
                    break
                self.calls += 1
                depth += 1
                pages.append(page)
            return merge_pages(pages), depth
        method = getattr(scope.clients[service], xform_name(operation))
        response = merge_pages([await self._guarded(scope, lambda: method(**params), bounded=bounded)])
        self.calls += 1
        return response, depth + 1

    async def _token_pages(
        self,
        scope: _Scope,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        depth: int,
        *,
        bounded: bool,
    ) -> tuple[Response, int]:
        """Every page of an operation botocore has no paginator for: ``MaxResults`` is the page
        size, ``NextToken`` is followed until a page has none (or repeats the one sent)."""
        largest, smallest = PAGE_SIZES[(service, operation)]
        size = largest if self.page_size is None else max(smallest, min(largest, self.page_size))
        method = getattr(scope.clients[service], xform_name(operation))
        pages: list[Mapping[str, Any]] = []
        request: dict[str, Any] = {**params, "MaxResults": size}
        while True:
            page = await self._guarded(scope, functools.partial(method, **request), bounded=bounded)
            self.calls += 1
            depth += 1
            pages.append(page)
            token = page.get("NextToken")
            if not token or token == request.get("NextToken"):
                return merge_pages(pages), depth
            request["NextToken"] = token

    async def _guarded(
        self, scope: _Scope, call: Callable[[], Awaitable[Any]], *, bounded: bool = True
    ) -> Any:
        """``call()`` within the concurrency limits and the run's time budget: cancelled at the
        deadline (``OutOfTime``), or ``DISCOVERY_GRACE_S`` after it when not ``bounded``."""
        left = self.remaining()
        if left is None:
            return await self._limited(scope, call)
        if not bounded:
            left = max(left, 0.0) + DISCOVERY_GRACE_S
        if left <= 0:
            raise OutOfTime
        try:
            return await asyncio.wait_for(self._limited(scope, call), left)
        except TimeoutError:
            if self.past_deadline():
                raise OutOfTime from None
            raise

    async def _limited(self, scope: _Scope, call: Callable[[], Awaitable[Any]]) -> Any:
        if scope.semaphore is None:
            async with self.semaphore:
                return await call()
        async with scope.semaphore, self.semaphore:
            return await call()

    def write(self, scope: _Scope, service: str, operation: str, calls: Sequence[Call]) -> None:
        self.writer.write_calls(scope.account_id, scope.region, service, operation, calls)

    # ----------------------------------------------------------------- run

    async def run(self) -> Manifest:
        reporter = asyncio.ensure_future(self._report_progress())
        try:
            return await self._run()
        finally:
            reporter.cancel()
            await self.pool.close()

    async def _report_progress(self) -> None:
        """A status line every ``PROGRESS_INTERVAL_S`` (written only without a progress bar)."""
        while True:
            await asyncio.sleep(self.progress_interval)
            self.progress.status(self.calls, len(self.errors), time.monotonic() - self.started)

    async def _run(self) -> Manifest:
        started = time.monotonic()
        discovery = _Scope(None, None, None)
        async with AsyncExitStack() as stack:
            for service in ("sts", "organizations", *_ORG_OTHER_SERVICES):
                try:
                    await self.open_client(stack, discovery, service, self.home_region, {})
                except _CALL_ERRORS as exc:
                    code, message = _error_fields(exc)
                    raise RunError(
                        f"cannot create the {service} client in {self.home_region}: {code}: {message}"
                    ) from exc
            try:  # only for stand_in_regions(): its absence is not fatal
                await self.open_client(stack, discovery, "ec2", self.home_region, {})
            except _CALL_ERRORS as exc:
                self.progress.note(f"backup-auditor: no ec2 client for the caller: {_error_fields(exc)[1]}")
            identity = await self.fetch(
                discovery, "sts", "GetCallerIdentity", {}, after=0, before_deadline=False
            )
            if identity.response is None:
                failure = self.errors[-1] if self.errors else None
                detail = f"{failure.code}: {failure.message}" if failure else "no response"
                raise RunError(f"cannot identify the caller (sts GetCallerIdentity): {detail}")
            self.caller_account = str(identity.response.get("Account", ""))
            self.partition = partition_of(str(identity.response.get("Arn", "")))

            organization, listed, depth = await self.organization_calls(discovery, identity.depth)
            if self.config.ou is not None:
                listed = self.in_units(listed, self.config.ou)
            targets, skipped = self.choose_accounts(listed)
            for account in skipped:
                self.progress.note(
                    f"backup-auditor: skipping account {account.id} ({account.name or 'no name'}): "
                    f"status {account.status}"
                )
            entries = await asyncio.gather(
                self.per_account_calls(discovery, [a.id for a in targets], depth, organization is not None),
                *(self.collect_account(discovery, account, depth) for account in targets),
            )
        accounts = tuple(e for e in entries[1:] if isinstance(e, AccountEntry))
        stats = CollectionStats(
            accounts=len(accounts),
            account_regions=self.account_regions,
            calls=self.calls,
            errors=len(self.errors),
            seconds=time.monotonic() - started,
            critical_path_calls=self.max_depth,
        )
        self.stats = stats
        return Manifest(
            collected_at=self.collected_at,
            tool=ToolInfo(name=TOOL_NAME, version=__version__),
            organization=organization if self.config.accounts is None else None,
            accounts=tuple(sorted(accounts, key=lambda a: a.id)),
            errors=tuple(
                sorted(
                    self.errors,
                    key=lambda e: (e.account_id or "", e.region or "", e.service, e.operation, e.message),
                )
            ),
            unavailable=tuple(sorted(self.unavailable)),
            extra={
                "skipped_accounts": [{"id": a.id, "name": a.name, "status": a.status} for a in skipped],
                "collection": {
                    "calls": stats.calls,
                    "seconds": round(stats.seconds, 3),
                    "critical_path_calls": stats.critical_path_calls,
                    "shard": list(self.config.shard) if self.config.shard else None,
                },
            },
        )

    async def organization_calls(
        self, scope: _Scope, after: int
    ) -> tuple[OrganizationInfo | None, list[AccountInfo] | None, int]:
        """The organization's top-level operations (DescribeOrganization, ListAccounts,
        ListPolicies(BACKUP_POLICY)), written under organization/; made even past the deadline."""
        context = self.call_context(self.caller_account, None)
        tops = [
            op
            for op in ORGANIZATION_OPERATIONS
            if not op.per_account and not op.per_item and op.service == "organizations"
        ]
        results = await asyncio.gather(*(self.organization_call(scope, op, context, after) for op in tops))
        found = {op.name: result for op, result in zip(tops, results, strict=True)}
        for op, result in zip(tops, results, strict=True):
            await self.organization_tree(scope, op, result, context, after)
        describe, listing = found["DescribeOrganization"], found["ListAccounts"]
        organization: OrganizationInfo | None = None
        if describe.response is not None:
            organization = OrganizationInfo.from_describe(describe.response)
            # Other services' organization settings (backup.DescribeGlobalSettings) answer only
            # for a member of an organization: called once it is known there is one.
            others = [
                op
                for op in ORGANIZATION_OPERATIONS
                if not op.per_account and not op.per_item and op.service != "organizations"
            ]
            await asyncio.gather(*(self.organization_call(scope, op, context, after) for op in others))
        listed: list[AccountInfo] | None = None
        if listing.response is not None:
            listed = accounts_from_listing(listing.response.get("Accounts", []))
        if self.config.accounts is None and listed is None:
            failure = next(
                (e for e in reversed(self.errors) if e.operation == "ListAccounts"),
                None,
            )
            detail = f"{failure.code}: {failure.message}" if failure else "no response"
            raise RunError(
                "cannot list the organization's accounts (organizations ListAccounts): "
                f"{detail}; run from the management or a delegated administrator account, "
                "or name the accounts with --accounts"
            )
        return organization, listed, max(describe.depth, listing.depth)

    async def organization_tree(
        self, scope: _Scope, parent: Operation, listing: _Result, context: CallContext, after: int
    ) -> None:
        """The per-item organization operations of ``parent`` (``ListRoots``): called for each item
        it listed and, down the tree, for each item of a ``recurse_items`` member (organizational
        units), level by level; each operation's file holds every call that succeeded. Failures are
        recorded per call; a parent that failed leaves its children uncalled (its error says why)."""
        children = [op for op in ORGANIZATION_OPERATIONS if op.parent == parent.key]
        if not children or listing.response is None:
            return
        calls: dict[str, list[Call]] = {op.key: [] for op in children}
        level = [item for item in listing.response.get(children[0].items or "", []) if isinstance(item, dict)]
        seen: set[str] = set()
        depth = listing.depth
        while level:
            level = [item for item in level if str(item.get("Id")) not in seen]
            seen.update(str(item.get("Id")) for item in level)
            jobs = [(op, op.call_for(item, {}, context)) for item in level for op in children]
            results = await asyncio.gather(
                *(self.fetch(scope, op.service, op.name, params, after=depth) for op, params in jobs)
            )
            level = []
            for (op, params), result in zip(jobs, results, strict=True):
                if result.response is None:
                    continue
                calls[op.key].append(Call(dict(params), result.response))
                depth = max(depth, result.depth)
                if op.recurse_items:
                    level += [i for i in result.response.get(op.recurse_items, []) if isinstance(i, dict)]
        for op in children:
            self.write(scope, op.service, op.name, calls[op.key])
        self.tree_calls = {key: [(c.params, c.response) for c in found] for key, found in calls.items()}
        self.tree_calls[parent.key] = [({}, listing.response)]

    async def organization_call(
        self, scope: _Scope, op: Operation, context: CallContext, after: int
    ) -> _Result:
        """One organization operation (each declares one call); its file written when it succeeded."""
        (params,) = op.calls(context)
        result = await self.fetch(scope, op.service, op.name, params, after=after, before_deadline=False)
        if result.response is not None:
            self.write(scope, op.service, op.name, [Call(dict(params), result.response)])
        return result

    def in_units(self, listed: list[AccountInfo] | None, selectors: Sequence[str]) -> list[AccountInfo]:
        """``--ou``: the listed accounts under those organizational units (from the OU tree just
        collected); the run cannot go on without the listing or the tree."""
        tree = self.tree_calls
        if listed is None or "organizations.ListRoots" not in tree:
            raise RunError(
                "--ou: the organization's accounts and units could not be listed (organizations "
                "ListAccounts, ListRoots); see the errors above, or name the accounts with --accounts"
            )
        roots = tree["organizations.ListRoots"][0][1]
        places = places_from_calls(
            roots,
            tree.get("organizations.ListOrganizationalUnitsForParent", []),
            tree.get("organizations.ListAccountsForParent", []),
        )
        chosen = accounts_under(places, selectors)
        return [a for a in listed if a.id in chosen]

    def choose_accounts(
        self, listed: list[AccountInfo] | None
    ) -> tuple[list[AccountInfo], list[AccountInfo]]:
        """(accounts to audit in this shard, sorted; accounts skipped because they are not ACTIVE)."""
        return choose_accounts(listed, self.config.accounts, self.config.shard)

    async def per_account_calls(
        self, scope: _Scope, account_ids: Sequence[str], after: int, organization_known: bool
    ) -> None:
        """Every organization operation declared per account (DescribeEffectivePolicy of the
        backup policy), once per audited account; skipped when the organization could not be
        described (its error already explains why)."""
        if not organization_known:
            return
        for op in ORGANIZATION_OPERATIONS:
            if op.per_account:
                await self.per_account_call(scope, op, account_ids, after)

    async def per_account_call(
        self, scope: _Scope, op: Operation, account_ids: Sequence[str], after: int
    ) -> None:
        # Errors name the parameter that holds the account (``TargetId 111122223333: ...``).
        target = next((k for k, t in op.item_params.items() if "{account}" in t), "account")
        params = [op.call_for(None, {}, self.call_context(a, None)) for a in account_ids]
        results = await asyncio.gather(
            *(
                self.fetch(
                    scope, op.service, op.name, p, after=after, error_prefix=f"{target} {p.get(target)}: "
                )
                for p in params
            )
        )
        calls = [Call(p, r.response) for p, r in zip(params, results, strict=True) if r.response is not None]
        self.write(scope, op.service, op.name, calls)

    async def collect_account(self, discovery: _Scope, account: AccountInfo, after: int) -> AccountEntry:
        """Credentials and regions of one account, then its account-regions concurrently."""
        account_scope = _Scope(account.id, None, None)

        def entry(regions: Sequence[str]) -> AccountEntry:
            return AccountEntry(
                id=account.id, name=account.name, status=account.status, regions=tuple(regions)
            )

        role: AssumedRole | None = None
        depth = after
        if account.id != self.caller_account:
            if self.past_deadline():
                self.record_deadline(account.id, None, "sts", "AssumeRole")
                return entry(await self.stand_in_regions(discovery))
            role, depth = await self.assume(discovery, account.id, after)
            if role is None:
                return entry(await self.stand_in_regions(discovery))
        if self.config.regions is not None:
            regions: tuple[str, ...] = self.config.regions
        else:
            if self.past_deadline():
                self.record_deadline(account.id, None, "ec2", "DescribeRegions")
                return entry(await self.stand_in_regions(discovery))
            async with AsyncExitStack() as stack:
                try:
                    keys = await self.client_keys(role)
                except _CALL_ERRORS as exc:
                    code, message = _error_fields(exc)
                    self.record(account_scope, "sts", "AssumeRole", code, message, region=False)
                    return entry(await self.stand_in_regions(discovery))
                try:
                    await self.open_client(stack, account_scope, "ec2", self.home_region, keys)
                except _CALL_ERRORS as exc:
                    code, message = _error_fields(exc)
                    self.record(account_scope, "ec2", "DescribeRegions", code, message, region=False)
                    return entry(await self.stand_in_regions(discovery))
                found = await self.fetch(account_scope, "ec2", "DescribeRegions", {}, after=depth)
            if found.response is None:
                return entry(await self.stand_in_regions(discovery))
            depth = found.depth
            regions = enabled_regions(found.response.get("Regions", []), self.partition)
        self.progress.add_total(len(regions))
        self.account_regions += len(regions)
        # Account-wide operations (s3.ListBuckets ...) are called in the account's first region only.
        await asyncio.gather(
            *(
                self.collect_region(account.id, region, role, depth, home=i == 0)
                for i, region in enumerate(regions)
            )
        )
        return entry(regions)

    async def stand_in_regions(self, discovery: _Scope) -> tuple[str, ...]:
        """Regions recorded for an account whose own regions could not be discovered (its role
        could not be assumed, or ``DescribeRegions`` failed), so that the account is in the
        coverage, not audited, with its account-level error: ``--regions``, else the caller's
        enabled regions, else the home region. Discovered once per run."""
        if self.config.regions is not None:
            return self.config.regions
        if self._stand_in is None:
            self._stand_in = asyncio.ensure_future(self._caller_regions(discovery))
        return await asyncio.shield(self._stand_in)

    async def _caller_regions(self, discovery: _Scope) -> tuple[str, ...]:
        ec2 = discovery.clients.get("ec2")
        if ec2 is not None and not self.past_deadline():
            try:
                found = await self._guarded(discovery, lambda: ec2.describe_regions())
            except _CALL_ERRORS as exc:
                code, message = _error_fields(exc)
                self.progress.note(
                    f"backup-auditor: the caller's regions could not be listed ({code}: {message}); "
                    f"accounts whose regions are unknown are reported for {self.home_region} only"
                )
            else:
                self.calls += 1
                regions = enabled_regions(found.get("Regions", []), self.partition)
                if regions:
                    return regions
        return (self.home_region,)

    async def assume(self, discovery: _Scope, account_id: str, after: int) -> tuple[AssumedRole | None, int]:
        arn = role_arn(self.partition, account_id, self.config.role_name)
        params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": SESSION_NAME}
        if self.config.external_id:
            params["ExternalId"] = self.config.external_id
        sts = discovery.clients["sts"]

        async def call() -> Mapping[str, Any]:
            response = await self._guarded(discovery, lambda: sts.assume_role(**params))
            self.calls += 1
            credentials: Mapping[str, Any] = response["Credentials"]
            return credentials

        try:
            role = await AssumedRole.assume(account_id, arn, call)
        except _CALL_ERRORS as exc:
            self.calls += 1
            code, message = _error_fields(exc)
            self.errors.append(CollectionError(account_id, None, "sts", "AssumeRole", code, message))
            return None, after + 1
        self.max_depth = max(self.max_depth, after + 1)
        return role, after + 1

    async def collect_region(
        self, account_id: str, region: str, role: AssumedRole | None, after: int, *, home: bool = True
    ) -> None:
        """Every regional operation of one account-region (the account-wide ones only in its first
        region, ``home``); clients opened here and closed at the end."""
        services = REGIONAL_SERVICES if home else _PER_REGION_SERVICES
        skipped = self.skipped_services(region, services)
        operations = [
            op
            for op in (REGIONAL_OPERATIONS if home else _PER_REGION_OPERATIONS)
            if op.service not in skipped
        ]
        try:
            async with self.region_slots:
                if self.past_deadline():
                    for op in operations:
                        self.record_deadline(account_id, region, op.service, op.name)
                    return
                scope = _Scope(
                    account_id, region, asyncio.Semaphore(self.config.per_account_region_concurrency)
                )
                try:
                    keys = await self.client_keys(role)
                except _CALL_ERRORS as exc:
                    # Refreshing the role's credentials failed: the region cannot be read.
                    code, message = _error_fields(exc)
                    self.record(scope, "sts", "AssumeRole", code, message)
                    return
                async with AsyncExitStack() as stack:
                    for service in services:
                        if service in skipped:
                            continue
                        try:
                            await self.open_client(stack, scope, service, region, keys)
                        except _CALL_ERRORS as exc:
                            # e.g. InvalidRegionError: every operation of the service is recorded
                            # as failed; the other services are still collected.
                            code, message = _error_fields(exc)
                            for op in operations:
                                if op.service == service:
                                    self.record(scope, op.service, op.name, code, message)
                    if not self.froze_gc:
                        self.froze_gc = True
                        gc.freeze()
                    await self.collect_operations(scope, after, home=home, skipped=skipped)
        finally:
            self.progress.advance()

    def call_context(self, account_id: str | None, region: str | None) -> CallContext:
        """What the parameters of a call in ``account_id`` / ``region`` may depend on."""
        window_start = self.collected_at - timedelta(days=self.config.job_window_days)
        return CallContext(self.partition, account_id or "", region or "", window_start)

    async def collect_operations(
        self, scope: _Scope, after: int, *, home: bool = True, skipped: frozenset[str] = frozenset()
    ) -> None:
        """Every regional operation of one account-region, walked from its declaration: the
        top-level calls, and for each item a listing returned, the per-item calls below it. The
        account-wide operations only in the account's first region (``home``); none of the
        ``skipped`` services (not available in the region)."""
        context = self.call_context(scope.account_id, scope.region)
        walks = [w for w in (REGIONAL_WALKS if home else _PER_REGION_WALKS) if w.op.service not in skipped]
        await asyncio.gather(*(self.collect_walk(scope, walk, context, after) for walk in walks))

    async def collect_walk(self, scope: _Scope, walk: _Walk, context: CallContext, after: int) -> None:
        """A top-level operation and everything below it, then their files.

        The top-level file is written when at least one of its calls succeeded; then the file of
        every per-item operation below it is written too (an empty array when nothing was listed),
        so a reader can tell "collected, nothing there" from "not collected".
        """
        found = await self.walk(scope, walk, walk.op.calls(context), context, after)
        if not found[walk.op.key]:
            return
        for op in (walk.op, *walk.descendants):
            self.write(scope, op.service, op.name, found[op.key])

    async def walk(
        self,
        scope: _Scope,
        walk: _Walk,
        params_list: Sequence[Mapping[str, Any]],
        context: CallContext,
        after: int,
    ) -> dict[str, list[Call]]:
        """``walk``'s operation once per parameters, concurrently, each followed by the per-item
        calls below it as soon as it answers. Returns the successful calls of every operation of
        the walk by key, in call order (parent order, then item order)."""
        branches = await asyncio.gather(*(self.branch(scope, walk, p, context, after) for p in params_list))
        found: dict[str, list[Call]] = {key: [] for key in walk.keys}
        for branch in branches:
            for key, calls in branch.items():
                found[key].extend(calls)
        return found

    async def branch(
        self, scope: _Scope, walk: _Walk, params: Mapping[str, Any], context: CallContext, after: int
    ) -> dict[str, list[Call]]:
        """One call of ``walk``'s operation, then the per-item operations for the items it listed."""
        op = walk.op
        result = await self.fetch(scope, op.service, op.name, params, after=after)
        if result.response is None:
            for below in walk.descendants:
                self.not_reached(scope, below.service, (below.name,))
            return {}
        found = {op.key: [Call(params=dict(params), response=result.response)]}
        if walk.below:
            response = result.response
            parts = await asyncio.gather(
                *(
                    self.walk(
                        scope,
                        child,
                        child.op.item_calls(response, params, context),
                        context,
                        result.depth,
                    )
                    for child in walk.below
                )
            )
            for part in parts:
                found.update(part)
        return found


async def collect(
    config: AuditConfig,
    writer: BundleWriter,
    progress: Progress | None = None,
    *,
    page_size: int | None = None,
    progress_interval: float = PROGRESS_INTERVAL_S,
) -> Manifest:
    """Discover and collect into ``writer`` (not committed); return the manifest to commit with.

    ``progress`` defaults to :meth:`Progress.for_config`. ``page_size`` overrides every paginated
    operation's page size (within what each API accepts); tests use it to force several pages.
    ``progress_interval``: seconds between status lines when stderr is not a terminal.
    Raises :class:`RunError` only when nothing can be audited (no caller identity, or the
    organization's accounts cannot be listed and none were named).
    """
    shown = progress if progress is not None else Progress.for_config(config)
    engine = _Engine(config, writer, shown, page_size)
    engine.progress_interval = progress_interval
    with shown, garbage_collection_for(engine):
        manifest = await engine.run()
    if engine.stats is not None:
        shown.note(f"backup-auditor: {engine.stats.summary()}")
    return manifest


def collect_to_bundle(
    config: AuditConfig,
    out: Path,
    *,
    force: bool = False,
    progress: bool = True,
    page_size: int | None = None,
) -> tuple[Path, Manifest]:
    """Collect into a new bundle at ``out`` (atomically: nothing appears at ``out`` unless the
    collection finished); an existing ``out`` is replaced only with ``force``. ``progress=False``
    turns the bar off (the summary line is still printed); ``page_size`` as for :func:`collect`."""
    with BundleWriter(out, force=force, compress=config.compress) as writer:
        shown = Progress.for_config(config, enabled=progress)
        manifest = asyncio.run(collect(config, writer, shown, page_size=page_size))
        path = writer.commit(manifest)
    return path, manifest


__all__ = [
    "ABSENT_CODES",
    "DEADLINE_CODE",
    "PAGE_SIZES",
    "CollectionStats",
    "collect",
    "collect_to_bundle",
    "merge_pages",
]
