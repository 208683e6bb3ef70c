"""Structured logging: JSON lines for the daemon, readable lines for people, never a secret.

Every event passes through :func:`redact` before it is rendered, so a token, password,
private key or ``Authorization`` header is removed wherever it hides: under a sensitive key,
inside a nested dict or list, or as a known secret value embedded in any string.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, Final, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED: Final = "***"

# Keys whose values are secrets whatever they hold (compared case-insensitively, - and _ alike).
_SENSITIVE_KEYS: Final = frozenset(
    {
        "authorization",
        "access_token",
        "accesstoken",
        "refresh_token",
        "token",
        "session_id",
        "sessionid",
        "password",
        "passwd",
        "security_token",
        "client_secret",
        "consumer_secret",
        "private_key",
        "assertion",
        "secret",
        "api_key",
        "cookie",
        "set_cookie",
    }
)

# (pattern, replacement) pairs applied to every string in an event.
_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # Authorization: Bearer <token> / OAuth <token>, in any string.
    (re.compile(r"(?i)\b(bearer|oauth)\s+[A-Za-z0-9._~+/=!-]{8,}"), rf"\1 {REDACTED}"),
    # PEM private keys pasted anywhere.
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
        ),
        REDACTED,
    ),
    # Salesforce session ids look like 00D<15>!<long token>.
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{20,}"), REDACTED),
    # key=value pairs in URLs and form bodies.
    (
        re.compile(
            r"(?i)\b(access_token|refresh_token|client_secret|password|assertion|sessionid)"
            r"=[^&\s\"']+"
        ),
        rf"\1={REDACTED}",
    ),
    # Passwords inside database URLs.
    (re.compile(r"(?<=://)([^:/@\s]+):([^@/\s]+)@"), rf"\1:{REDACTED}@"),
)


class _Redactor:
    """A structlog processor; also holds the secret values known from settings."""

    def __init__(self) -> None:
        self.known: list[str] = []

    def remember(self, secrets: Iterable[str]) -> None:
        # Longest first so a secret that contains another is removed whole.
        merged = {s for s in [*self.known, *secrets] if len(s) >= 4}
        self.known = sorted(merged, key=len, reverse=True)

    def __call__(self, _logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        return redact(event, self.known)


_redactor = _Redactor()


def remember_secrets(secrets: Iterable[str]) -> None:
    """Register secret values (from settings) to be scrubbed from every log event."""
    _redactor.remember(secrets)


def _is_sensitive(key: str) -> bool:
    normal = key.lower().replace("-", "_")
    return normal in _SENSITIVE_KEYS or normal.endswith(("_token", "_secret", "_password"))


def _scrub_text(text: str, known: Iterable[str]) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, known)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and _is_sensitive(k) else _redact_value(v, known))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v, known) for v in value]
    if isinstance(value, bytes):
        return _scrub_text(value.decode("utf-8", "replace"), known)
    if isinstance(value, BaseException):
        return _scrub_text(f"{type(value).__name__}: {value}", known)
    if value is None or isinstance(value, bool | int | float):
        return value
    # Anything else is rendered as text before it can leak through its own repr.
    return _scrub_text(repr(value) if not hasattr(value, "isoformat") else str(value), known)


def redact(event: MutableMapping[str, Any], known: list[str] | None = None) -> EventDict:
    """Return the event with secrets removed from keys, nested values and strings."""
    secrets = _redactor.known if known is None else known
    out: EventDict = {}
    for key, value in event.items():
        if _is_sensitive(key):
            out[key] = REDACTED
        elif key == "exc_info":
            out[key] = value
        else:
            out[key] = _redact_value(value, secrets)
    return out


def configure_logging(
    *, json: bool, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Configure structlog once per process: JSON lines (daemon) or console (people)."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if json:
        renderer = structlog.processors.JSONRenderer(sort_keys=False)
        # Locals in tracebacks could hold tokens: never render them.
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        shared.append(structlog.processors.format_exc_info)
    # Redaction runs last, after tracebacks have become text, so nothing slips past it.
    shared.append(_redactor)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def bind_run(run_id: str) -> None:
    """Bind ``run_id`` to every event logged in this context (one sync run)."""
    structlog.contextvars.bind_contextvars(run_id=run_id)


def unbind_run() -> None:
    structlog.contextvars.unbind_contextvars("run_id")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
