"""Fault injection for the sandbox: a WSGI layer in front of moto that answers chosen requests with
what real networks and AWS endpoints sometimes send instead of a result.

A :class:`FaultPlan` is a list of :class:`FaultRule` (matched in order, the first that fires wins)
and a seed. A rule matches a request by service, operation, account and region (each ``None`` =
any) and fires with ``probability``, at most ``times`` times. Whether it fires is drawn from the
seed, the rule and the request itself (its path, query and body, and how many times that same
request came before), not from the order in which concurrent requests arrive: the same plan and
the same run give the same faults. Kinds (``KINDS``):

- ``throttle``: the service's own throttling error (EC2 ``RequestLimitExceeded`` 503, query
  ``Throttling`` 400, JSON ``ThrottlingException`` 400), in the protocol's error body;
- ``bare-429``: status 429 with an empty body and no error code (what some proxies send);
- ``server-error``: ``status`` (default 500) with an AWS ``InternalFailure`` /
  ``ServiceUnavailable`` body;
- ``html-error``: ``status`` (default 502) with an HTML page that is not valid XML;
- ``reset``: the connection is closed with a TCP reset, no response;
- ``hang``: the request is held ``seconds`` (default 30) and then answered normally;
- ``denied``: 403 with the protocol's access-denied error (``UnauthorizedOperation`` for EC2);
- ``truncated``: the real response's headers, half its body, then the connection is reset.

Requests are identified the way AWS does: region and service from the SigV4 credential scope,
account from the access key (moto's mapping), operation from ``Action`` (query protocols),
``X-Amz-Target`` (JSON) or method and path (REST, moto's router over botocore's model).
``/moto-api`` and ``/_sandbox`` requests are never faulted. ``/_sandbox/faults`` manages the plan
over HTTP: ``GET`` (the plan, how often each rule fired, and the first ``LOG_SIZE`` faults
injected: kind, service, operation, account, region, and ``sent``: how many times that very
request reached the sandbox, so a client's resend of it shows), ``POST`` (replace the plan with
the JSON body), ``DELETE`` (no faults).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

from auditor.sandbox.wsgi import WsgiApp

KINDS: Final = (
    "throttle",
    "bare-429",
    "server-error",
    "html-error",
    "reset",
    "hang",
    "denied",
    "truncated",
)
CONTROL_PATH: Final = "/_sandbox/faults"
LOG_SIZE: Final = 10_000
_UNFAULTED_PREFIXES: Final = ("/moto-api", "/_sandbox")
# SigV4 signing names that differ from botocore's service names.
_SIGNING_ALIASES: Final = {"elasticfilesystem": "efs", "timestream": "timestream-write"}
"""Signing name -> boto3 client name where they differ (``timestream`` also signs timestream-query,
which the auditor never calls)."""
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
HTML_PAGE: Final = (
    b"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server did not answer.<br><hr>"
    b"<address>proxy</address></body></html>\n"
)


class FaultPlanError(ValueError):
    """A fault plan that cannot be used (message names the rule and the field)."""


@dataclass(frozen=True)
class FaultRule:
    """One kind of fault, for the requests it matches (``None`` = any)."""

    kind: str
    service: str | None = None
    """botocore service name (``ec2``, ``backup``, ``efs``, ...)."""
    operation: str | None = None
    """API operation name (``DescribeRegions``)."""
    account: str | None = None
    region: str | None = None
    probability: float = 1.0
    times: int | None = None
    """Fire at most this many times (``None``: no limit)."""
    status: int | None = None
    """HTTP status of ``server-error`` (default 500) and ``html-error`` (default 502)."""
    seconds: float = 30.0
    """How long ``hang`` holds the request."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultPlanError(f"unknown fault kind {self.kind!r} (kinds: {', '.join(KINDS)})")
        if not 0.0 <= self.probability <= 1.0:
            raise FaultPlanError(f"{self.kind}: probability must be between 0 and 1")
        if self.times is not None and self.times < 0:
            raise FaultPlanError(f"{self.kind}: times must not be negative")
        if self.status is not None and not 400 <= self.status <= 599:
            raise FaultPlanError(f"{self.kind}: status must be 4xx or 5xx")
        if self.seconds < 0:
            raise FaultPlanError(f"{self.kind}: seconds must not be negative")

    def matches(self, request: RequestId) -> bool:
        return (
            (self.service is None or self.service == request.service)
            and (self.operation is None or self.operation == request.operation)
            and (self.account is None or self.account == request.account)
            and (self.region is None or self.region == request.region)
        )


@dataclass(frozen=True)
class FaultPlan:
    """Rules in order, and the seed of the draws (same seed and requests: same faults)."""

    rules: tuple[FaultRule, ...] = ()
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "rules": [asdict(r) for r in self.rules]}

    @classmethod
    def from_json(cls, data: object) -> FaultPlan:
        if not isinstance(data, Mapping):
            raise FaultPlanError("a fault plan is a JSON object with 'rules' (and optionally 'seed')")
        rules = data.get("rules", [])
        seed = data.get("seed", 0)
        if not isinstance(rules, list) or not isinstance(seed, int):
            raise FaultPlanError("'rules' must be a list and 'seed' a whole number")
        known = set(FaultRule.__dataclass_fields__)
        parsed: list[FaultRule] = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, Mapping):
                raise FaultPlanError(f"rule [{i}]: must be an object")
            unknown = sorted(set(rule) - known)
            if unknown:
                raise FaultPlanError(f"rule [{i}]: unknown field(s) {', '.join(unknown)}")
            try:
                parsed.append(FaultRule(**rule))
            except (TypeError, FaultPlanError) as exc:
                raise FaultPlanError(f"rule [{i}]: {exc}") from None
        return cls(tuple(parsed), seed)

    @classmethod
    def from_file(cls, path: Path) -> FaultPlan:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FaultPlanError(f"{path}: cannot read a fault plan: {exc}") from None
        try:
            return cls.from_json(data)
        except FaultPlanError as exc:
            raise FaultPlanError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class RequestId:
    service: str | None
    operation: str | None
    account: str | None
    region: str | None


@dataclass
class _State:
    plan: FaultPlan = field(default_factory=FaultPlan)
    fired: list[int] = field(default_factory=list)
    seen: dict[tuple[int, str], int] = field(default_factory=dict)
    arrivals: dict[str, int] = field(default_factory=dict)
    """How many times each request (by fingerprint) reached the sandbox while this plan is set."""
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class FaultMiddleware:
    """Answers matching requests with a fault (see the module docstring); others pass through."""

    def __init__(self, app: WsgiApp, plan: FaultPlan | None = None) -> None:
        self.app = app
        self.state = _State()
        self.set_plan(plan or FaultPlan())

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the plan; requests held by a ``hang`` of the old plan are released."""
        with self.state.lock:
            self.state.stopping.set()
            self.state.stopping = threading.Event()
            self.state.plan = plan
            self.state.fired = [0] * len(plan.rules)
            self.state.seen = {}
            self.state.arrivals = {}
            self.state.log = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.rstrip("/") == CONTROL_PATH:
            return self._control(environ, start_response)
        if path.startswith(_UNFAULTED_PREFIXES) or not self.state.plan.rules:
            return self.app(environ, start_response)
        body = _buffer_body(environ)
        request = identify(environ, body)
        fingerprint = "|".join(
            (
                str(environ.get("REQUEST_METHOD")),
                str(environ.get("PATH_INFO")),
                str(environ.get("QUERY_STRING")),
                str(request),
                hashlib.sha256(body).hexdigest(),
            )
        )
        rule = self._draw(request, fingerprint)
        if rule is None:
            return self.app(environ, start_response)
        return self._inject(rule, environ, start_response)

    def _draw(self, request: RequestId, fingerprint: str) -> FaultRule | None:
        with self.state.lock:
            self.state.arrivals[fingerprint] = self.state.arrivals.get(fingerprint, 0) + 1
            for i, rule in enumerate(self.state.plan.rules):
                if not rule.matches(request):
                    continue
                if rule.times is not None and self.state.fired[i] >= rule.times:
                    continue
                if rule.probability < 1.0:
                    n = self.state.seen.get((i, fingerprint), 0)
                    self.state.seen[(i, fingerprint)] = n + 1
                    draw = random.Random(f"{self.state.plan.seed}:{i}:{fingerprint}:{n}").random()
                    if draw >= rule.probability:
                        continue
                self.state.fired[i] += 1
                if len(self.state.log) < LOG_SIZE:
                    self.state.log.append({"kind": rule.kind, **asdict(request), "request": fingerprint})
                return rule
        return None

    def _inject(
        self, rule: FaultRule, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        service = identify_service(environ)
        if rule.kind == "hang":
            with self.state.lock:
                released = self.state.stopping
            released.wait(rule.seconds)
            return self.app(environ, start_response)
        if rule.kind == "reset":
            _reset_on_close(environ)
            raise ConnectionResetError("sandbox fault: connection reset")
        if rule.kind == "truncated":
            return _truncated(self.app, environ, start_response)
        if rule.kind == "bare-429":
            return _respond(start_response, 429, "text/plain", b"")
        if rule.kind == "html-error":
            return _respond(start_response, rule.status or 502, "text/html; charset=utf-8", HTML_PAGE)
        status, code, message = _ERRORS[rule.kind](service, rule.status)
        return _aws_error(start_response, service, status, code, message)

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method == "POST":
            try:
                self.set_plan(FaultPlan.from_json(json.loads(_buffer_body(environ) or b"{}")))
            except (FaultPlanError, json.JSONDecodeError) as exc:
                return _json(start_response, 400, {"error": str(exc)})
        elif method == "DELETE":
            self.set_plan(FaultPlan())
        elif method != "GET":
            return _json(start_response, 405, {"error": "use GET, POST or DELETE"})
        with self.state.lock:
            arrivals = self.state.arrivals
            answer = {
                **self.state.plan.to_json(),
                "fired": list(self.state.fired),
                "log": [_logged(entry, arrivals) for entry in self.state.log],
            }
        return _json(start_response, 200, answer)


def _logged(entry: Mapping[str, Any], arrivals: Mapping[str, int]) -> dict[str, Any]:
    """A log entry as ``GET`` shows it: ``sent``, how many times its very request has reached the
    sandbox so far (more than once: the client sent it again, e.g. after its read timeout expired
    before the fault was even drawn, so it never read the fault)."""
    out = {k: v for k, v in entry.items() if k != "request"}
    out["sent"] = arrivals.get(str(entry["request"]), 1)
    return out


# ----------------------------------------------------------------------- identifying a request


def _buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the request body once and put it back for the app behind."""
    cached = environ.get("auditor.sandbox.body")
    if isinstance(cached, bytes):
        return cached
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["auditor.sandbox.body"] = body
    return body


def _scope(environ: Mapping[str, Any]) -> tuple[str, str, str] | None:
    found = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    if found is None:
        return None
    key, region, service = found.groups()
    return key, region, _SIGNING_ALIASES.get(service, service)


def identify_service(environ: Mapping[str, Any]) -> str | None:
    scope = _scope(environ)
    return None if scope is None else scope[2]


def identify(environ: Mapping[str, Any], body: bytes) -> RequestId:
    """Service, operation, account and region of a signed AWS request (``None`` where unknown)."""
    scope = _scope(environ)
    if scope is None:
        return RequestId(None, None, None, None)
    key, region, service = scope
    return RequestId(service, _operation(service, environ, body), _account(key), region)


def _account(access_key: str) -> str | None:
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def _operation(service: str, environ: Mapping[str, Any], body: bytes) -> str | None:
    protocol = _protocol(service)
    if protocol in ("query", "ec2"):
        params = urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")))
        if body:
            params.update(urllib.parse.parse_qs(body.decode("utf-8", errors="replace")))
        action = params.get("Action")
        return action[0] if action else None
    if protocol == "json":
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        return target.rpartition(".")[2] or None
    return _rest_operation(service, environ)


@cache
def _protocol(service: str) -> str | None:
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return None
    return str(model.protocol)


@cache
def _routes(service: str) -> tuple[tuple[str, re.Pattern[str], frozenset[str], int, str], ...]:
    """(method, path pattern, literal query keys, literal length, operation) of every operation
    of a REST service, from botocore's model; most specific first."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = str(http.get("requestUri", "/")).partition("?")
        pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        keys = frozenset(k.split("=")[0] for k in query.split("&") if k)
        literal = len(re.sub(r"\{[^}]+\}", "", path)) + len(keys)
        routes.append(
            (str(http.get("method", "GET")), re.compile(pattern.rstrip("/") + "/?$"), keys, literal, name)
        )
    routes.sort(key=lambda r: -r[3])
    return tuple(routes)


def _rest_operation(service: str, environ: Mapping[str, Any]) -> str | None:
    """The operation whose method and path template match (the most literal one wins)."""
    method = str(environ.get("REQUEST_METHOD", "GET"))
    path = str(environ.get("PATH_INFO", "/"))
    query = set(urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
    for verb, pattern, keys, _, name in _routes(service):
        if verb == method and pattern.match(path) and keys <= query:
            return name
    return None


# ----------------------------------------------------------------------- answers


def _throttle(service: str | None, status: int | None) -> tuple[int, str, str]:
    protocol = _protocol(service) if service else None
    if protocol == "ec2":
        return 503, "RequestLimitExceeded", "Request limit exceeded."
    if protocol == "query":
        return 400, "Throttling", "Rate exceeded"
    return 400, "ThrottlingException", "Rate exceeded"


def _server_error(service: str | None, status: int | None) -> tuple[int, str, str]:
    code = status or 500
    if code == 503:
        return 503, "ServiceUnavailable", "The service is unavailable. Please try again shortly."
    return code, "InternalFailure", "The request processing has failed because of an unknown error."


def _denied(service: str | None, status: int | None) -> tuple[int, str, str]:
    protocol = _protocol(service) if service else None
    message = "User is not authorized to perform this operation (sandbox fault)"
    if protocol == "ec2":
        return 403, "UnauthorizedOperation", message
    if protocol == "query":
        return 403, "AccessDenied", message
    return 403, "AccessDeniedException", message


_ERRORS: Final[Mapping[str, Callable[[str | None, int | None], tuple[int, str, str]]]] = {
    "throttle": _throttle,
    "server-error": _server_error,
    "denied": _denied,
}


def _aws_error(
    start_response: Callable[..., Any], service: str | None, status: int, code: str, message: str
) -> Iterable[bytes]:
    """An error in the service protocol's own shape (what botocore parses into Code / Message)."""
    request_id = "fa017000-0000-4000-8000-000000000000"
    protocol = _protocol(service) if service else None
    if protocol == "ec2":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return _respond(start_response, status, "text/xml", body.encode())
    if protocol == "query":
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return _respond(start_response, status, "text/xml", body.encode())
    payload = json.dumps({"__type": code, "message": message}).encode()
    return _respond(
        start_response,
        status,
        "application/x-amz-json-1.1",
        payload,
        [("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)],
    )


def _respond(
    start_response: Callable[..., Any],
    status: int,
    content_type: str,
    body: bytes,
    extra: Sequence[tuple[str, str]] = (),
) -> list[bytes]:
    reason = {429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Error")
    start_response(
        f"{status} {reason}",
        [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra],
    )
    return [body]


def _json(start_response: Callable[..., Any], status: int, payload: object) -> list[bytes]:
    return _respond(start_response, status, "application/json", json.dumps(payload).encode())


def _reset_on_close(environ: dict[str, Any]) -> None:
    """Drop this connection without an answer: shut down at once, and closed with a TCP reset
    (SO_LINGER with a zero timeout) when the server closes it."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError as exc:  # the client went away first: nothing left to drop
            environ["auditor.sandbox.reset_error"] = str(exc)


def _truncated(app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    """The real answer's status and headers (full Content-Length), half its body, then a reset."""
    captured: list[Any] = []

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
        captured[:] = [status, headers]
        return lambda data: None

    body = b"".join(app(environ, capture))
    status, headers = captured
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    start_response(status, [*kept, ("Content-Length", str(len(body)))])
    yield body[: len(body) // 2]
    time.sleep(0.01)  # let the half body leave before the connection drops
    _reset_on_close(environ)
    raise ConnectionResetError("sandbox fault: truncated body")
