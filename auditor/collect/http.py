"""HTTP for the collectors: every client of a run shares TLS context and connection pool.

aiobotocore gives each client its own aiohttp connector with a freshly built SSL context (loading
the CA bundle costs ~25 ms of CPU per client) and its own connections. With one client per
(account, region, service) that is paid ~120,000 times at organization scale, and connections to
the same regional endpoint are re-opened for every account. :class:`ConnectionPool` keeps one
connector per TLS setting for the whole run; ``session_class()`` returns the
``AioConfig(http_session_cls=...)`` that uses it (aiobotocore's documented extension point).

Answers that are not AWS documents are not allowed to end a run (:class:`TolerantParserFactory`,
installed on the run's session with :func:`install_tolerant_parsing`): an error status whose body
the protocol's parser cannot read (an HTML page from a proxy, load balancer or web server, an empty
body) becomes an error response with the status as its code, so botocore retries a 5xx like any
other 5xx; a bare 429 (no error code) is given ``TooManyRequestsException`` so it is retried as
throttling. An unreadable 200 still raises ``ResponseParserError`` (the engine retries the call).
:func:`limit_timeout_retries` gives timed-out attempts fewer retries than throttling.
"""

from __future__ import annotations

import re
import ssl
import urllib.request
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final

import aiohttp
from aiobotocore.httpsession import AIOHTTPSession
from aiobotocore.parsers import AioResponseParserFactory
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.httpsession import create_urllib3_context, get_cert_path
from botocore.parsers import ResponseParserError

KEEPALIVE_S = 12.0
THROTTLING_CODE: Final = "TooManyRequestsException"
"""Code given to a 429 without one: one of botocore's throttling codes, so it is retried as such."""
UNPARSEABLE_CODE: Final = "UnparseableResponse"
SNIPPET_CHARS: Final = 120
_TAGS = re.compile(rb"<[^>]*>")
_SPACES = re.compile(rb"\s+")


def proxies_configured() -> bool:
    """Whether the environment names an HTTP(S) proxy (then aiobotocore's own sessions are used)."""
    return bool(urllib.request.getproxies())


class ConnectionPool:
    """One aiohttp connector per TLS setting, shared by every client of one run (one event loop)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._connectors: dict[tuple[str, str | None, str | None], aiohttp.TCPConnector] = {}

    def connector(self, verify: Any, cert_file: str | None, key_file: str | None) -> aiohttp.TCPConnector:
        ca_path = get_cert_path(verify) if verify else None
        key = ("verify" if verify else "no-verify", str(ca_path) if ca_path else None, cert_file)
        found = self._connectors.get(key)
        if found is None or found.closed:
            context: ssl.SSLContext | bool = False
            if verify:
                tls = create_urllib3_context()
                if cert_file:
                    tls.load_cert_chain(cert_file, key_file)
                if ca_path:
                    tls.load_verify_locations(ca_path, None, None)
                context = tls
            found = aiohttp.TCPConnector(
                limit=self.limit, limit_per_host=0, ssl=context, keepalive_timeout=KEEPALIVE_S
            )
            self._connectors[key] = found
        return found

    async def close(self) -> None:
        for connector in self._connectors.values():
            await connector.close()
        self._connectors.clear()

    def session_class(self) -> type[AIOHTTPSession]:
        pool = self

        class SharedPoolSession(AIOHTTPSession):
            """aiobotocore's HTTP session, drawing connections from the run's shared pool."""

            def __init__(
                self,
                verify: Any = True,
                proxies: dict[str, str] | None = None,
                timeout: Any = None,
                max_pool_connections: int = 10,
                socket_options: Any = None,
                client_cert: Any = None,
                proxies_config: Any = None,
                connector_args: Any = None,
            ) -> None:
                super().__init__(
                    verify=verify,
                    proxies=proxies,
                    timeout=timeout,
                    max_pool_connections=max_pool_connections,
                    socket_options=socket_options,
                    client_cert=client_cert,
                    proxies_config=proxies_config,
                    connector_args=connector_args,
                )
                connect, read = timeout if isinstance(timeout, list | tuple) else (timeout, timeout)
                self._shared_timeout = aiohttp.ClientTimeout(sock_connect=connect, sock_read=read)
                cert, key = (client_cert, None) if not isinstance(client_cert, tuple) else client_cert
                self._shared_tls = (verify, cert if isinstance(cert, str) else None, key)
                self._shared_session: aiohttp.ClientSession | None = None

            async def _get_session(self, proxy_url: str | None) -> aiohttp.ClientSession:
                # Called by AIOHTTPSession.send for every request. Proxies are excluded by the
                # engine (proxies_configured), so proxy_url is always None here.
                if self._shared_session is None:
                    verify, cert, key = self._shared_tls
                    self._shared_session = aiohttp.ClientSession(
                        connector=pool.connector(verify, cert, key),
                        connector_owner=False,
                        timeout=self._shared_timeout,
                        skip_auto_headers={"CONTENT-TYPE"},
                        auto_decompress=False,
                    )
                return self._shared_session

            async def __aexit__(
                self,
                exc_type: type[BaseException] | None,
                exc_val: BaseException | None,
                tb: TracebackType | None,
            ) -> None:
                if self._shared_session is not None:
                    await self._shared_session.close()
                    self._shared_session = None
                await super().__aexit__(exc_type, exc_val, tb)

        return SharedPoolSession


def body_snippet(body: bytes | None) -> str:
    """The start of a body as one line of text (tags and runs of white space removed)."""
    text = _SPACES.sub(b" ", _TAGS.sub(b" ", body or b"")).strip()
    return text[:SNIPPET_CHARS].decode("utf-8", errors="replace") or "(empty body)"


class _TolerantParser:
    """A protocol parser whose error answers never fail to parse (see the module docstring)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def parse(self, response: Mapping[str, Any], shape: Any) -> dict[str, Any]:
        status = int(response.get("status_code", 0))
        try:
            parsed: dict[str, Any] = await self._inner.parse(response, shape)
        except ResponseParserError:
            if status < 300:
                raise
            parsed = {
                "Error": {
                    "Code": str(status),
                    "Message": f"HTTP {status} answer that is not an AWS error document: "
                    f"{body_snippet(response.get('body'))}",
                },
                "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": response.get("headers", {})},
            }
        error = parsed.get("Error")
        if isinstance(error, dict) and status >= 300 and error.get("Code") == str(status):
            # botocore's fallback for a body without an AWS error code: its message is the raw body
            error["Message"] = (
                f"HTTP {status} answer that is not an AWS error document: {body_snippet(response.get('body'))}"
            )
        if status == 429 and isinstance(error, dict) and error.get("Code") in (None, "", "429"):
            error["Code"] = THROTTLING_CODE
            error["Message"] = f"HTTP 429 without an error code: {body_snippet(response.get('body'))}"
        return parsed


class TolerantParserFactory(AioResponseParserFactory):
    def create_parser(self, protocol_name: str) -> Any:
        return _TolerantParser(super().create_parser(protocol_name))


def install_tolerant_parsing(session: Any) -> None:
    """Make every client created from ``session`` (an aioboto3 ``Session``) parse tolerantly."""
    botocore_session = getattr(session, "_session", session)
    botocore_session.register_component("response_parser_factory", TolerantParserFactory())


TIMEOUT_ERRORS: Final = (
    ReadTimeoutError,
    ConnectTimeoutError,
    EndpointConnectionError,
    aiohttp.ServerTimeoutError,
)
"""An endpoint that does not answer in time, or cannot be connected to at all."""


def limit_timeout_retries(client: Any, attempts: int) -> None:
    """At most ``attempts`` attempts of a call whose latest attempt timed out or could not connect
    (botocore would retry those as often as throttling: ``max_attempts``)."""

    def on_needs_retry(caught_exception: BaseException | None = None, **kwargs: Any) -> None:
        tried = int(kwargs.get("attempts", 0))
        if isinstance(caught_exception, TIMEOUT_ERRORS) and tried >= attempts:
            raise caught_exception

    client.meta.events.register_first("needs-retry", on_needs_retry)
