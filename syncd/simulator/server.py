"""The simulator's HTTPS server: a WSGI app over the org, plus a handle to run it in a thread.

Request pipeline for ``/services/data/vNN.N/...``: version check, session check (401),
daily budget (403), injected latency and 503s, then the resource; every answer carries
``Sforce-Limit-Info``. ``/services/oauth2/token`` issues sessions; ``/__sim/`` is the
admin API (never counted as API calls).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
import trustme
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from syncd.simulator.admin import SimAdmin, handle_admin
from syncd.simulator.admin import json_response as _json
from syncd.simulator.bulk import BulkApi, CsvReply
from syncd.simulator.errors import SalesforceApiError, not_found
from syncd.simulator.faults import Faults, FaultSettings
from syncd.simulator.limits import DEFAULT_DAILY_BUDGET, ApiUsage, Stats
from syncd.simulator.oauth import OAuthConfig, OAuthError, TokenStore, grant, token_response
from syncd.simulator.org import Org, SimClock
from syncd.simulator.rest import RequestContext, RestApi, Result

MIN_VERSION = 50.0
MAX_VERSION = 68.0  # Winter '27 (released October 2026)
_VERSION = re.compile(r"^/services/data/v(\d+\.\d)(/.*)?$")
_ID_SEGMENT = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")

_log = logging.getLogger("syncd.simulator")

RepsTick = Callable[[Org], Any]


class Simulator:
    """Everything the server serves: org, sessions, budget, faults, stats, REST and Bulk."""

    def __init__(
        self,
        org: Org,
        *,
        daily_budget: int = DEFAULT_DAILY_BUDGET,
        token_ttl_calls: int | None = None,
        token_ttl_seconds: float | None = None,
        faults: FaultSettings | None = None,
        oauth: OAuthConfig | None = None,
        reps_tick: RepsTick | None = None,
    ) -> None:
        self.org = org
        self.usage = ApiUsage(daily_budget, org.clock)
        self.stats = Stats()
        self.faults = Faults(faults)
        self.tokens = TokenStore(
            org.clock, ttl_calls=token_ttl_calls, ttl_seconds=token_ttl_seconds
        )
        self.oauth = oauth or OAuthConfig()
        self.rest = RestApi(org, self.faults, self.stats)
        self.bulk = BulkApi(org, self.rest, self.stats)
        self.reps_tick = reps_tick
        self.outcomes: Any = None  # the seeded outcome plan (syncd.simulator.outcomes), if any
        self.instance_url = ""
        self.connection: dict[str, str] = {}

    # --- WSGI ---

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except Exception:  # noqa: BLE001 - a bug must answer 500 like Salesforce, not kill the thread
            _log.exception("simulator error on %s %s", request.method, request.path)
            response = _json(
                500,
                [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}],
            )
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/__sim/"):
            return self.admin(request, path[len("/__sim/") :].strip("/"))
        if path.rstrip("/") == "/services/oauth2/token":
            return self.token(request)
        if path.rstrip("/") == "/services/data":
            return _json(
                200,
                [
                    {"label": f"v{v}", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
                    for v in range(int(MIN_VERSION), int(MAX_VERSION) + 1)
                ],
            )
        match = _VERSION.match(path)
        if match is None or not MIN_VERSION <= float(match.group(1)) <= MAX_VERSION:
            return _json(404, [not_found().to_error()])
        return self.api(request, match.group(1), (match.group(2) or "/").strip("/"))

    def api(self, request: Request, version: str, rest_path: str) -> Response:
        segments = rest_path.split("/") if rest_path else []
        endpoint = f"{request.method} {_endpoint_label(segments)}"
        self.stats.count_call(endpoint)
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        user_id = self.tokens.authenticate(token) if token else None
        if user_id is None:
            return self._limited(
                _json(
                    401,
                    [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                )
            )
        latency = self.faults.settings.latency_ms
        if latency:
            time.sleep(latency / 1000)
        if self.faults.should_fail_503():
            response = _json(
                503,
                [
                    {
                        "message": "Server temporarily unavailable; try again later.",
                        "errorCode": "SERVER_UNAVAILABLE",
                    }
                ],
            )
            retry_after = self.faults.settings.retry_after_seconds
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return self._limited(response)
        # An unavailable server never reached the API, so only calls past this point count.
        if not self.usage.try_consume():
            return self._limited(
                _json(
                    403,
                    [
                        {
                            "message": "TotalRequests Limit exceeded.",
                            "errorCode": "REQUEST_LIMIT_EXCEEDED",
                        }
                    ],
                )
            )
        try:
            payload: Any = None
            if request.mimetype == "application/json" or (
                request.method in ("POST", "PATCH")
                and request.mimetype != "text/csv"
                and request.data
            ):
                try:
                    payload = json.loads(request.get_data(as_text=True) or "null")
                except json.JSONDecodeError as exc:
                    raise SalesforceApiError(
                        400, "JSON_PARSER_ERROR", f"Unexpected character: {exc.msg}"
                    ) from None
            ctx = RequestContext(
                method=request.method,
                version=version,
                user_id=user_id,
                args=request.args,
                headers={k.lower(): v for k, v in request.headers.items()},
                json=payload,
            )
            status, body = self.route(ctx, segments, request)
        except SalesforceApiError as exc:
            status, body = exc.status, [exc.to_error()]
        return self._limited(_reply(status, body))

    def _limited(self, response: Response) -> Response:
        response.headers["Sforce-Limit-Info"] = self.usage.header()
        return response

    def route(self, ctx: RequestContext, seg: list[str], request: Request) -> Result:
        method = ctx.method
        n = len(seg)
        head = seg[0] if seg else ""
        if n == 0 and method == "GET":
            return 200, {
                name: f"{ctx.base}/{name}"
                for name in ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
            }
        if head == "limits" and n == 1 and method == "GET":
            return 200, self.usage.limits_body()
        if head in ("query", "queryAll") and method == "GET":
            include_deleted = head == "queryAll"
            if n == 1:
                return self.rest.query(ctx, include_deleted=include_deleted)
            if n == 2:
                return self.rest.query_more(ctx, seg[1], head)
        if head == "sobjects":
            return self._sobjects(ctx, seg)
        if seg[:2] == ["composite", "sobjects"] and n == 2 and method in ("POST", "PATCH"):
            return self.rest.collection(ctx, creating=method == "POST")
        if seg[:2] == ["composite", "sobjects"] and n == 3 and method in ("GET", "POST"):
            return self.rest.collection_retrieve(ctx, self.org.object_def(seg[2]))
        if head == "jobs" and n >= 2 and seg[1] in ("query", "ingest"):
            return self._jobs(ctx, seg, request)
        raise not_found()

    def _sobjects(self, ctx: RequestContext, seg: list[str]) -> Result:
        method, n = ctx.method, len(seg)
        if n == 1 and method == "GET":
            return self.rest.describe_global(ctx)
        if n < 2:
            raise not_found()
        objdef = self.org.object_def(seg[1])
        if n == 2:
            if method == "GET":
                return self.rest.sobject_info(ctx, objdef)
            if method == "POST":
                return self.rest.create_record(ctx, objdef)
        elif n == 3:
            if seg[2] == "describe" and method == "GET":
                return self.rest.describe(ctx, objdef)
            if seg[2] == "updated" and method == "GET":
                return self.rest.updated(ctx, objdef)
            if seg[2] == "deleted" and method == "GET":
                return self.rest.deleted(ctx, objdef)
            if method == "GET":
                return self.rest.get_record(ctx, objdef, seg[2])
            if method == "PATCH":
                return self.rest.update_record(ctx, objdef, seg[2])
            if method == "DELETE":
                return self.rest.delete_record(ctx, objdef, seg[2])
        raise not_found()

    def _jobs(self, ctx: RequestContext, seg: list[str], request: Request) -> Result:
        method, n = ctx.method, len(seg)
        query = seg[1] == "query"
        if n == 2:
            if method == "POST":
                return (
                    self.bulk.create_query_job(ctx) if query else self.bulk.create_ingest_job(ctx)
                )
            if method == "GET":
                return self.bulk.list_jobs(query=query)
        elif n == 3:
            if method == "GET":
                return 200, self.bulk.job(seg[2], query=query).info()
            if method == "PATCH":
                return self.bulk.set_state(ctx, seg[2], query=query)
            if method == "DELETE":
                return self.bulk.delete(seg[2], query=query)
        elif n == 4:
            if query and seg[3] == "results" and method == "GET":
                return self.bulk.query_results(ctx, seg[2])
            if not query and seg[3] == "batches" and method == "PUT":
                return self.bulk.upload(ctx, seg[2], request.get_data())
            if (
                not query
                and method == "GET"
                and seg[3]
                in (
                    "successfulResults",
                    "failedResults",
                    "unprocessedrecords",
                )
            ):
                return self.bulk.ingest_results(seg[2], seg[3])
        raise not_found()

    # --- OAuth ---

    def token(self, request: Request) -> Response:
        if request.method != "POST":
            return _json(
                405, {"error": "invalid_request", "error_description": "must use HTTP POST"}
            )
        form = dict(request.form.items())

        def find_user(username: str) -> tuple[str, bool] | None:
            with self.org.lock:
                for user in self.org.table("User").values():
                    if user.get("Username") == username:
                        return user["Id"], bool(user.get("IsActive"))
            return None

        try:
            user_id = grant(
                form,
                config=self.oauth,
                find_user=find_user,
                now=self.org.now(),
                default_user=self.org.integration_user_id,
            )
        except OAuthError as exc:
            return _json(exc.status, exc.body())
        token = self.tokens.issue(user_id)
        return _json(
            200,
            token_response(
                token=token,
                user_id=user_id,
                instance_url=self.instance_url,
                issued_at=self.org.now(),
                secret=self.oauth.consumer_secret,
            ),
        )

    # --- admin ---

    def reseed(self, leads: int, seed: int) -> Any:
        """Replace the org's data with a freshly generated one (same ids for the same seed)."""
        seed_module = importlib.import_module("syncd.simulator.seed")
        with self.org.lock:
            if self.outcomes is not None:
                self.outcomes.retire()  # its leads are about to go
                self.outcomes = None
            self.org.clear()
            # The API sessions belong to the integration user, whose id survives clear().
            summary = seed_module.generate_org(self.org, leads=leads, seed=seed, now=self.org.now())
            self.org.writes.reset()
            return summary

    def admin(self, request: Request, path: str) -> Response:
        return handle_admin(self, request, path)


def _endpoint_label(segments: list[str]) -> str:
    """A stable name for counting calls: ids, locators and job ids become placeholders."""
    out: list[str] = []
    for i, seg in enumerate(segments):
        if i > 0 and segments[0] in ("query", "queryAll"):
            out.append("{locator}")
        elif i > 0 and segments[0] == "sobjects" and i == 1:
            out.append(seg)
        elif _ID_SEGMENT.match(seg) and any(c.isdigit() for c in seg):
            out.append("{id}")
        else:
            out.append(seg)
    return "/".join(out) or "/"


def _reply(status: int, body: Any) -> Response:
    if status == 204 or (body is None and status in (201, 204)):
        return Response(status=status)
    if isinstance(body, CsvReply):
        response = Response(body.text, status=status, content_type="text/csv")
        for key, value in body.headers.items():
            response.headers[key] = value
        return response
    return _json(status, body)


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (the benchmarks make tens of thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def log(self, type: str, message: str, *args: Any) -> None:
        return


# --- running it ----------------------------------------------------------------------------


class SimulatorHandle:
    """A running simulator: URL, token and CA file to connect with; ``stop()`` when done."""

    def __init__(
        self,
        sim: Simulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        workdir: Path | None = None,
        connection_file: Path | None = None,
    ) -> None:
        self.sim = sim
        self.org = sim.org
        self.admin = SimAdmin(sim)
        self._tmp = tempfile.TemporaryDirectory(prefix="syncd-sim-") if workdir is None else None
        directory = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        self.ca_bundle = str(directory / "sim-ca.pem")
        ca.cert_pem.write_to_path(self.ca_bundle)
        self._server = make_server(
            host, port, sim, threaded=True, ssl_context=context, request_handler=_QuietHandler
        )
        self.port: int = self._server.server_port
        self.instance_url = f"https://{host}:{self.port}"
        sim.instance_url = self.instance_url
        sim.oauth.audiences.add(self.instance_url)
        self.access_token = sim.tokens.issue(sim.org.integration_user_id)
        sim.connection = {
            "instance_url": self.instance_url,
            "access_token": self.access_token,
            "ca_bundle": self.ca_bundle,
        }
        self._thread = threading.Thread(
            # A short poll interval keeps stop() (and every test teardown) quick.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="syncd-simulator",
            daemon=True,
        )
        self._thread.start()
        self.connection_file: Path | None = None
        if connection_file is not None:
            # Written once the server listens, in one rename: whoever sees the file can connect.
            connection_file.parent.mkdir(parents=True, exist_ok=True)
            partial = connection_file.with_name(connection_file.name + ".partial")
            partial.write_text(json.dumps({**sim.connection, "pid": os.getpid()}, indent=2) + "\n")
            os.replace(partial, connection_file)
            self.connection_file = connection_file

    @property
    def connection(self) -> dict[str, str]:
        return dict(self.sim.connection)

    def session(self) -> requests.Session:
        """A requests session that trusts the simulator's CA (and nothing from the environment).

        ``trust_env`` is off because an environment REQUESTS_CA_BUNDLE overrides ``verify``.
        """
        session = requests.Session()
        session.verify = self.ca_bundle
        session.trust_env = False
        return session

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_simulator(
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    leads: int = 0,
    seed: int = 0,
    connection_file: str | Path | None = None,
    daily_budget: int = DEFAULT_DAILY_BUDGET,
    token_ttl_calls: int | None = None,
    token_ttl_seconds: float | None = None,
    faults: FaultSettings | None = None,
    oauth: OAuthConfig | None = None,
    reps: bool = False,
    assignment_rule: bool = True,
    production: bool = False,
    org: Org | None = None,
    now: datetime | None = None,
    workdir: Path | None = None,
    outcomes: Any = None,
) -> SimulatorHandle:
    """Build (and seed, when ``leads`` > 0) an org and serve it over HTTPS in a thread.

    The seed comes from ``syncd.simulator.seed.generate_org``; ``now`` pins the org clock's
    start (the seed spreads data over the 90 days before it). ``assignment_rule`` is the
    org's active lead assignment rule, which re-owns API-written leads to the Unassigned
    queue unless the request sends ``Sforce-Auto-Assign: FALSE``. The org is a sandbox
    unless ``production`` (its Organization record's ``IsSandbox``). ``outcomes`` (an
    ``OutcomeSeed``) seeds calibration leads whose outcomes follow known rule weights; the
    rep tick (``/__sim/reps/tick``, and ``sim.reps_tick``) plays those that are due, and
    ``sim.outcomes`` holds the plan.
    """
    if org is None:
        org = Org(clock=SimClock(now))
    org.assignment_rule_active = assignment_rule
    if production:
        org.set_sandbox(False)
    plan: Any = None
    if leads > 0:
        seed_module = importlib.import_module("syncd.simulator.seed")
        summary = seed_module.generate_org(
            org, leads=leads, seed=seed, now=org.now(), outcomes=outcomes
        )
        plan = summary.outcomes
    elif outcomes is not None:
        raise ValueError("outcomes need seeded leads (leads > 0)")
    # The write log starts empty once the org is served: seeding and test setup are not
    # writes a client made.
    org.writes.reset()
    ticks: list[RepsTick] = []
    if reps:
        reps_module = importlib.import_module("syncd.simulator.reps")
        ticks.append(_reps_ticker(reps_module, org, seed))
    if plan is not None:
        # The reps play each lead's seeded outcome once the org's clock reaches it.
        ticks.append(importlib.import_module("syncd.simulator.outcomes").outcome_ticker(plan))
    reps_tick = _combined(ticks)
    sim = Simulator(
        org,
        daily_budget=daily_budget,
        token_ttl_calls=token_ttl_calls,
        token_ttl_seconds=token_ttl_seconds,
        faults=faults,
        oauth=oauth,
        reps_tick=reps_tick,
    )
    sim.outcomes = plan
    path = Path(connection_file) if connection_file is not None else None
    return SimulatorHandle(sim, host=host, port=port, workdir=workdir, connection_file=path)


def _combined(ticks: list[RepsTick]) -> RepsTick | None:
    if len(ticks) <= 1:
        return ticks[0] if ticks else None
    return lambda org: [tick(org) for tick in ticks]


def _reps_ticker(module: Any, org: Org, seed: int) -> RepsTick:
    """One ``syncd.simulator.reps.RepBehaviour`` for the org, ticked at the org's "now"."""
    behaviour = module.RepBehaviour(org, seed=seed)
    return lambda ticked: behaviour.tick(ticked.now())
