"""The Salesforce client syncd uses: REST query, describe, sObject Collections and Bulk API 2.0.

Every request goes through one path (``_request``): the budget guard, the call counters, the
retry policy, classification of the answer and one re-login on an expired session.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import structlog

from syncd.salesforce.auth import AuthResult, authenticate
from syncd.salesforce.budget import ApiBudget, ApiUsage, parse_limit_info
from syncd.salesforce.bulk import BulkApi
from syncd.salesforce.errors import (
    AuthError,
    ErrorKind,
    RecordOutcome,
    SalesforceError,
    classify_response,
    transient_label,
)
from syncd.salesforce.payloads import (
    COLLECTION_LIMIT,
    DEFAULT_RETRY,
    MAYBE_SENT,
    NO_AUTO_ASSIGN,
    NOT_SENT,
    PollPolicy,
    Record,
    SaveResult,
    json_value,
    parse_bulk_error,
    record_id_of,
    strip_attributes,
    surely_not_processed,
)
from syncd.salesforce.retry import RetryPolicy, Sleep
from syncd.settings import SalesforceLogin, SessionLogin

_log = structlog.get_logger(__name__)


class SalesforceClient(BulkApi):
    """One org, one session. Counts every HTTP request it makes in ``calls_made``."""

    def __init__(
        self,
        login: SalesforceLogin,
        *,
        api_version: str,
        session: requests.Session | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        budget: ApiBudget | None = None,
        sleep: Sleep = time.sleep,
        poll: PollPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 120.0),
    ) -> None:
        self._login = login
        self.api_version = api_version.removeprefix("v")
        self._owns_session = session is None
        # trust_env stays on so REQUESTS_CA_BUNDLE is honoured (the simulator relies on it).
        self._session = session if session is not None else requests.Session()
        if self._session.verify is False:
            raise ValueError("TLS verification must stay on for Salesforce sessions")
        self._retry = retry
        self._budget = budget
        self._sleep = sleep
        self._poll = poll or PollPolicy()
        self._timeout = timeout
        self._auth: AuthResult | None = None
        self._field_types: dict[str, dict[str, str]] = {}
        self.calls_made = 0
        self._answered = False  # any request answered without an error yet
        self.calls_by_kind: Counter[str] = Counter()
        # Warnings a run should show even though they healed (retried 503s, renewed sessions,
        # locked rows sent again): `syncd logs` lists them per run.
        self.transients: Counter[str] = Counter()
        self.usage: ApiUsage | None = None

    def __repr__(self) -> str:
        where = self._auth.instance_url if self._auth else "not connected"
        return f"SalesforceClient({where}, v{self.api_version}, calls_made={self.calls_made})"

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    # -- session ---------------------------------------------------------------------------

    @property
    def instance_url(self) -> str:
        return self._authenticated().instance_url

    def _authenticated(self) -> AuthResult:
        if self._auth is None:
            self._auth = self._log_in()
        return self._auth

    def _log_in(self) -> AuthResult:
        def attempt() -> AuthResult:
            if not isinstance(self._login, SessionLogin):
                self.calls_made += 1
                self.calls_by_kind["auth"] += 1
            return authenticate(self._login, session=self._session, api_version=self.api_version)

        return self._retry.call(attempt, sleep=self._sleep, what="auth", on_retry=self._note_retry)

    def _note_retry(self, error: BaseException | None) -> None:
        self.transients[transient_label(error)] += 1

    def _url(self, path: str) -> str:
        if path.startswith("https://"):
            return path
        instance = self._authenticated().instance_url
        if path.startswith("/"):
            return f"{instance}{path}"
        if path.startswith("services/"):
            return f"{instance}/{path}"
        return f"{instance}/services/data/v{self.api_version}/{path}"

    # -- the one request path --------------------------------------------------------------

    def _spend(self, kind: str) -> None:
        budget = self._budget
        if budget is None:
            return
        if budget.usage is None:
            if kind == "limits":
                budget.record(1)  # asking for the limit itself is always allowed
                return
            if budget.allowance() < 1 and not budget.spent_by_known_limit():
                # The first answer carried no Sforce-Limit-Info: ask /limits once instead of
                # flying blind. (A share already spent by the last known limit asks nothing.)
                self.limits()
        budget.spend(1)

    def _send(self, method: str, path: str, kind: str, **kwargs: Any) -> requests.Response:
        self._spend(kind)
        url = self._url(path)
        headers = {
            "Authorization": f"Bearer {self._authenticated().access_token.reveal()}",
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        self.calls_made += 1
        self.calls_by_kind[kind] += 1
        try:
            response = self._session.request(
                method, url, headers=headers, timeout=self._timeout, **kwargs
            )
        except requests.ConnectTimeout as exc:
            raise SalesforceError(
                ErrorKind.TRANSIENT,
                f"{method} {path.split('?')[0]}: {type(exc).__name__}",
                error_code=NOT_SENT,
            ) from None
        except requests.ConnectionError as exc:
            if "refused" in str(exc).casefold():
                # Nobody listens there: the request never left, and waiting will not help much.
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                raise SalesforceError(
                    ErrorKind.TRANSIENT, f"connection refused: {origin}", error_code=NOT_SENT
                ) from None
            raise SalesforceError(
                ErrorKind.TRANSIENT,
                f"{method} {path.split('?')[0]}: {type(exc).__name__}",
                error_code=MAYBE_SENT,
            ) from None
        except requests.Timeout as exc:
            raise SalesforceError(
                ErrorKind.TRANSIENT,
                f"{method} {path.split('?')[0]}: {type(exc).__name__}",
                error_code=MAYBE_SENT,
            ) from None
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self._observe(usage)
        return response

    def _observe(self, usage: ApiUsage) -> None:
        self.usage = usage
        if self._budget is not None:
            self._budget.observe(usage)

    def _attempt(self, method: str, path: str, kind: str, **kwargs: Any) -> requests.Response:
        response = self._send(method, path, kind, **dict(kwargs))
        error = classify_response(response.status_code, response.content, response.headers)
        if isinstance(error, AuthError) and response.status_code == 401:
            if not self._authenticated().can_refresh:
                # A token refused on its very first use never worked: it did not "expire".
                what = (
                    "the access token was refused on its first use: it is not a valid session "
                    f"for {self.instance_url}"
                    if not self._answered
                    else "session expired; the access token cannot be refreshed (a bare "
                    "session was configured)"
                )
                raise AuthError(
                    ErrorKind.FATAL,
                    f"{what}: set a new SYNCD_SF_ACCESS_TOKEN or use the JWT bearer login",
                    status=401,
                    error_code=error.error_code,
                )
            # Expired session with a refreshable login: log in again once and resend.
            _log.warning("salesforce.session_expired", request=f"{kind} {method}", action="relogin")
            self.transients["session expired and renewed by a new login"] += 1
            self._auth = self._log_in()
            response = self._send(method, path, kind, **dict(kwargs))
            error = classify_response(response.status_code, response.content, response.headers)
            if isinstance(error, AuthError):
                raise AuthError(
                    ErrorKind.FATAL,
                    f"session refused again right after a new login: {error.message}",
                    status=error.status,
                    error_code=error.error_code,
                )
        if error is not None:
            raise error
        self._answered = True
        return response

    def _request(
        self, method: str, path: str, *, kind: str, idempotent: bool = True, **kwargs: Any
    ) -> requests.Response:
        return self._retry.call(
            lambda: self._attempt(method, path, kind, **kwargs),
            sleep=self._sleep,
            what=f"{kind} {method}",
            only=None if idempotent else surely_not_processed,
            on_retry=self._note_retry,
        )

    def _json(
        self, method: str, path: str, *, kind: str, idempotent: bool = True, **kwargs: Any
    ) -> Any:
        response = self._request(method, path, kind=kind, idempotent=idempotent, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise SalesforceError(
                ErrorKind.FATAL,
                f"{method} {path.split('?')[0]} answered {response.status_code} without JSON",
                status=response.status_code,
            ) from None

    def _text(self, path: str, *, kind: str, **kwargs: Any) -> requests.Response:
        response = self._request("GET", path, kind=kind, headers={"Accept": "text/csv"}, **kwargs)
        response.encoding = "utf-8"  # Bulk API CSV is UTF-8 whatever the Content-Type says
        return response

    # -- reading ---------------------------------------------------------------------------

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[Record]]:
        """Pages of records (without ``attributes``), following ``nextRecordsUrl`` to the end.

        ``include_deleted`` uses queryAll, which also returns deleted and merged rows
        (``IsDeleted``, ``MasterRecordId``). ``batch_size`` (200..2,000) is a request; pages
        may be smaller (two long-text fields make Salesforce page at 200).
        """
        headers: dict[str, str] = {}
        if batch_size is not None:
            if not 200 <= batch_size <= 2000:
                raise ValueError("batch_size must be between 200 and 2,000")
            headers["Sforce-Query-Options"] = f"batchSize={batch_size}"
        endpoint = "queryAll" if include_deleted else "query"
        body = self._json("GET", endpoint, kind="query", params={"q": soql}, headers=headers)
        yield from self._pages(body, headers)

    def query_pages_sized(
        self, soql: str, *, include_deleted: bool = False
    ) -> tuple[int, Iterator[list[Record]]]:
        """The query's ``totalSize`` and its pages: the first page is read now (one call), so
        the size decides REST or Bulk without a separate ``COUNT()`` call."""
        endpoint = "queryAll" if include_deleted else "query"
        body = self._json("GET", endpoint, kind="query", params={"q": soql})
        return int(body.get("totalSize", 0)), self._pages(body, {})

    def _pages(self, body: dict[str, Any], headers: dict[str, str]) -> Iterator[list[Record]]:
        while True:
            yield [strip_attributes(r) for r in body.get("records", [])]
            next_url = body.get("nextRecordsUrl")
            # Quirk: pages end with done=true; otherwise nextRecordsUrl names the next page.
            if body.get("done", True) or not next_url:
                return
            body = self._json("GET", next_url, kind="query_more", headers=headers)

    def query(self, soql: str, *, include_deleted: bool = False) -> list[Record]:
        """Every record of a (small) query in one list."""
        return [r for page in self.query_pages(soql, include_deleted=include_deleted) for r in page]

    def count(self, soql: str) -> int:
        """``totalSize`` of a query, e.g. ``SELECT COUNT() FROM Lead WHERE ...``."""
        body = self._json("GET", "query", kind="count", params={"q": soql})
        return int(body["totalSize"])

    def describe(self, sobject: str) -> dict[str, Any]:
        body: dict[str, Any] = self._json("GET", f"sobjects/{sobject}/describe", kind="describe")
        self._field_types[sobject] = {
            str(f["name"]): str(f.get("type", "")) for f in body.get("fields", [])
        }
        return body

    def describe_global(self) -> dict[str, Any]:
        body: dict[str, Any] = self._json("GET", "sobjects", kind="describe_global")
        return body

    def limits(self) -> dict[str, Any]:
        """``GET /limits``; also refreshes ``usage`` and the budget from DailyApiRequests."""
        body: dict[str, Any] = self._json("GET", "limits", kind="limits")
        daily = body.get("DailyApiRequests") or {}
        if "Max" in daily and "Remaining" in daily:
            maximum = int(daily["Max"])
            self._observe(ApiUsage(maximum - int(daily["Remaining"]), maximum))
        return body

    # -- sObject Collections ---------------------------------------------------------------

    def update_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]:
        """Update records (each with ``Id``) 200 per call, ``allOrNone`` false.

        The answer is one SaveResult per input record, in input order. Records refused with
        UNABLE_TO_LOCK_ROW are sent again (alone) with the retry policy's backoff while
        ``retry_locked``; any still locked come back with outcome RETRY. When a call fails
        part-way (budget spent, outage), the error raised carries ``partial_results``.
        """
        payloads = []
        for record in records:
            record_id = record_id_of(record)
            fields = {k: json_value(v) for k, v in record.items() if k not in ("Id", "id")}
            payloads.append({"attributes": {"type": sobject}, "id": record_id, **fields})
        return self._collections("PATCH", payloads, "composite_update", retry_locked)

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]:
        """Create records 200 per call, ``allOrNone`` false; SaveResults in input order."""
        payloads = [
            {"attributes": {"type": sobject}, **{k: json_value(v) for k, v in r.items()}}
            for r in records
        ]
        return self._collections("POST", payloads, "composite_create", retry_locked)

    def _collections(
        self, method: str, payloads: list[Record], kind: str, retry_locked: bool
    ) -> list[SaveResult]:
        results: list[SaveResult | None] = [None] * len(payloads)
        try:
            self._collection_chunks(method, payloads, kind, retry_locked, results)
        except SalesforceError as error:
            # What Salesforce already accepted must reach the outbox, or it would be resent.
            error.partial_results = list(results)
            raise
        return [r for r in results if r is not None]

    def _collection_chunks(
        self,
        method: str,
        payloads: list[Record],
        kind: str,
        retry_locked: bool,
        results: list[SaveResult | None],
    ) -> None:
        for start in range(0, len(payloads), COLLECTION_LIMIT):
            pending = list(range(start, min(start + COLLECTION_LIMIT, len(payloads))))
            attempt = 1
            while pending:
                answers = self._send_collection(method, [payloads[i] for i in pending], kind)
                for index, answer in zip(pending, answers, strict=True):
                    results[index] = answer
                pending = [
                    i
                    for i, answer in zip(pending, answers, strict=True)
                    if answer.outcome is RecordOutcome.RETRY
                ]
                if not (pending and retry_locked and attempt < self._retry.max_attempts):
                    break
                _log.info("salesforce.rows_locked", records=len(pending), attempt=attempt)
                self.transients["records sent again after UNABLE_TO_LOCK_ROW"] += len(pending)
                self._sleep(self._retry.backoff(attempt))
                attempt += 1

    def _send_collection(self, method: str, batch: list[Record], kind: str) -> list[SaveResult]:
        body = self._json(
            method,
            "composite/sobjects",
            kind=kind,
            # A create resent after an ambiguous failure could create the record twice.
            idempotent=method != "POST",
            json={"allOrNone": False, "records": batch},
            headers=NO_AUTO_ASSIGN,
        )
        if not isinstance(body, list) or len(body) != len(batch):
            raise SalesforceError(
                ErrorKind.FATAL,
                f"composite/sobjects answered {len(body) if isinstance(body, list) else 'no'} "
                f"results for {len(batch)} records",
            )
        return [
            SaveResult.from_answer(answer, sent.get("id"))
            for answer, sent in zip(body, batch, strict=True)
        ]


__all__ = [
    "COLLECTION_LIMIT",
    "NO_AUTO_ASSIGN",
    "PollPolicy",
    "SalesforceClient",
    "SaveResult",
    "parse_bulk_error",
    "strip_attributes",
]
