"""Start moto's server (plus the sandbox extensions) on 127.0.0.1 on a free port.

In-process (a daemon thread, the default) for tests, or in its own process (``own_process=True``)
for benchmarks, so the server's CPU does not compete with the client's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from types import TracebackType
from typing import Any

from auditor.sandbox.faults import CONTROL_PATH, FaultMiddleware, FaultPlan
from auditor.sandbox.wsgi import LatencyMiddleware, WsgiApp

FAKE_CREDENTIALS: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
"""Credentials a client uses against the sandbox; they map to moto's default account."""

HOST = "127.0.0.1"
_START_TIMEOUT_S = 60.0

_in_process_lock = threading.Lock()
_in_process_busy = False
"""Whether this process already serves a sandbox in a thread. moto keeps its state in module
globals, so two in-process sandboxes would share (and reset) each other's state: a process holds at
most one, and further sandboxes get their own process."""


def build_app(latency_ms: float = 0.0) -> WsgiApp:
    """moto's WSGI application with every sandbox extension registered, optionally slowed down."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from auditor.sandbox.extensions import install

    install()
    dispatcher = DomainDispatcherApplication(create_backend_app)
    from auditor.sandbox.extensions import dlm, rbin, redshift_serverless

    rbin.register_app(dispatcher)
    redshift_serverless.register_app(dispatcher)
    dlm.register_app(dispatcher)  # backups made outside AWS Backup (BKP-017)
    # -- issue 9: Storage Gateway, AWS Backup gateway, Systems Manager for SAP
    from auditor.sandbox.extensions import backup_gateway, ssm_sap, storagegateway

    for extension in (storagegateway, backup_gateway, ssm_sap):
        extension.register_app(dispatcher)
    # -- end of issue 9
    app: WsgiApp = dispatcher
    from auditor.sandbox.extensions.control import ControlMiddleware  # after install()

    app = ControlMiddleware(app)
    if latency_ms > 0:
        app = LatencyMiddleware(app, latency_ms)
    return FaultMiddleware(app)  # no faults until a plan is set (``Sandbox.set_faults``)


class Sandbox:
    """A running sandbox endpoint. Use as a context manager or call ``stop()``."""

    __slots__ = ("_process", "_server", "_stopped", "_thread", "endpoint_url")

    def __init__(
        self,
        endpoint_url: str,
        *,
        server: Any = None,
        thread: threading.Thread | None = None,
        process: subprocess.Popen[str] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self._server = server
        self._thread = thread
        self._process = process
        self._stopped = False

    def __repr__(self) -> str:
        return f"Sandbox(endpoint_url={self.endpoint_url!r})"

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    def reset(self) -> None:
        """Forget every resource (moto's ``/moto-api/reset``; sandbox-added state lives on the same
        backend objects, so it goes too)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def set_faults(self, plan: FaultPlan) -> None:
        """Inject faults from now on (``auditor.sandbox.faults``); replaces the previous plan."""
        self._fault_control("POST", plan.to_json())

    def clear_faults(self) -> None:
        """No more faults; requests held by a ``hang`` are released."""
        self._fault_control("DELETE", None)

    def faults_fired(self) -> list[int]:
        """How many times each rule of the current plan fired, in rule order."""
        fired = self._fault_control("GET", None)["fired"]
        return [int(n) for n in fired]

    def faults_log(self) -> list[dict[str, Any]]:
        """The faults injected so far (kind, service, operation, account, region, and ``sent``:
        how many times that very request reached the sandbox), oldest first."""
        log: list[dict[str, Any]] = self._fault_control("GET", None)["log"]
        return log

    def _fault_control(self, method: str, body: object) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint_url}{CONTROL_PATH}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def client_env(self) -> dict[str, str]:
        """Environment variables pointing an AWS SDK at this sandbox with fake credentials."""
        return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    @property
    def in_process(self) -> bool:
        """Served by a thread of this process (False: by a child process)."""
        return self._server is not None

    def stop(self) -> None:
        global _in_process_busy
        if self._stopped:
            return
        self._stopped = True
        if self._server is not None:
            try:
                self.clear_faults()  # release held requests before shutting down
                self.reset()  # leave no state behind for the next in-process sandbox
            finally:
                self._server.shutdown()
                self._server.server_close()
                with _in_process_lock:
                    _in_process_busy = False
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            if self._process.stdout is not None:
                self._process.stdout.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(*, port: int = 0, own_process: bool = False, latency_ms: float = 0.0) -> Sandbox:
    """Start the sandbox on 127.0.0.1; ``port=0`` picks a free port. Returns once it accepts requests.

    ``own_process=False``: a thread of this process, starting empty. moto's state is global to a
    process, so while one in-process sandbox is alive, the next one gets its own process instead
    (``Sandbox.in_process`` tells which): sandboxes never share state.
    ``own_process=True``: always a child process (benchmarks: its CPU does not compete with yours)."""
    global _in_process_busy
    if not own_process:
        with _in_process_lock:
            claimed = not _in_process_busy
            _in_process_busy = True
        if claimed:
            try:
                return _start_thread(port, latency_ms)
            except BaseException:
                with _in_process_lock:
                    _in_process_busy = False
                raise
    return _start_process(port, latency_ms)


def make_wsgi_server(port: int, latency_ms: float) -> Any:
    """A threaded werkzeug server on 127.0.0.1 (``port=0``: a free one) serving ``build_app()``."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """No access log: thousands of requests per test run."""

    server = make_server(HOST, port, build_app(latency_ms), threaded=True, request_handler=QuietHandler)
    # serve_forever polls, then accepts: on a blocking socket, a connection gone from the queue
    # between the two (taken by another process holding the socket, or reset) blocks accept()
    # for good, and shutdown() with it (seen once at the end of a test run). Non-blocking, that
    # accept() raises BlockingIOError, which socketserver ignores; the connections it accepts
    # stay blocking (socket.accept gives them the default timeout).
    server.socket.setblocking(False)
    return server


def _start_thread(port: int, latency_ms: float) -> Sandbox:
    server = make_wsgi_server(port, latency_ms)
    bound_port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{bound_port}", daemon=True)
    thread.start()
    sandbox = Sandbox(f"http://{HOST}:{bound_port}", server=server, thread=thread)
    sandbox.reset()  # moto state left in this process by earlier use (e.g. moto's own mocks)
    return sandbox


def _start_process(port: int, latency_ms: float) -> Sandbox:
    command = [
        sys.executable,
        "-m",
        "auditor.sandbox._child",
        "--port",
        str(port),
        "--latency-ms",
        str(latency_ms),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stdout is not None
    result: list[str] = []

    def read_first_line() -> None:
        assert process.stdout is not None
        result.append(process.stdout.readline())

    reader = threading.Thread(target=read_first_line, daemon=True)
    reader.start()
    reader.join(_START_TIMEOUT_S)
    line = result[0].strip() if result else ""
    if not line.startswith("http://"):
        process.kill()
        process.wait(timeout=10)
        raise RuntimeError(
            f"sandbox process did not start (exit code {process.poll()}, first output line {line!r})"
        )
    return Sandbox(line, process=process)
