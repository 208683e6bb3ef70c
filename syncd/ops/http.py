"""The ops HTTP server (werkzeug): `/healthz`, `/readyz`, `/metrics`, the status page and its
retry/ignore actions.

Bound to a loopback address everything is open; bound anywhere else the page, its actions and
`/metrics` need ``Authorization: Bearer <SYNCD_HTTP_TOKEN>`` (or ``?token=`` for a browser),
while `/healthz` and `/readyz` stay open for the orchestrator's probes.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from syncd.ops.metrics import CONTENT_TYPE_LATEST, Metrics
from syncd.ops.status_page import StatusView, render

__all__ = ["OpsApp", "OpsServer", "is_loopback"]

Verdict = tuple[bool, str]


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class OpsApp:
    """The WSGI application; every answer comes from the callables the daemon hands in."""

    snapshot: Callable[[], StatusView]
    health: Callable[[], Verdict]
    ready: Callable[[], Verdict]
    metrics: Metrics
    act: Callable[[int, str], str]  # (outbox entry, "retry" | "ignore") -> what happened
    token: str | None = None  # None: no token needed (loopback)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def _authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        header = request.headers.get("Authorization", "")
        given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        given = given or request.args.get("token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path in ("/healthz", "/readyz"):
            ok, why = (self.health if path == "/healthz" else self.ready)()
            return Response(why + "\n", status=200 if ok else 503, mimetype="text/plain")
        if not self._authorised(request):
            return Response(
                "a bearer token is required (SYNCD_HTTP_TOKEN)\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if path == "/metrics":
            return Response(self.metrics.render(), status=200, content_type=CONTENT_TYPE_LATEST)
        if path == "/" and request.method == "GET":
            suffix = f"?token={quote(request.args['token'])}" if "token" in request.args else ""
            return Response(render(self.snapshot(), action_suffix=suffix), mimetype="text/html")
        parts = path.strip("/").split("/")
        if (
            request.method == "POST"
            and len(parts) == 3
            and parts[0] == "writes"
            and parts[1].isdigit()
            and parts[2] in ("retry", "ignore")
        ):
            said = self.act(int(parts[1]), parts[2])
            back = "/" + (
                f"?token={quote(request.args['token'])}" if "token" in request.args else ""
            )
            return Response(
                said + "\n", status=303, headers={"Location": back}, mimetype="text/plain"
            )
        return Response("not found\n", status=404, mimetype="text/plain")


class _QuietHandler(WSGIRequestHandler):
    """Requests are not logged line by line (probes every few seconds would drown the log)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class OpsServer:
    """The server on its own thread; ``port`` is the bound one (0 in settings picks a free one)."""

    def __init__(self, app: OpsApp, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler
        )
        self.host = host
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="syncd-http", daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
