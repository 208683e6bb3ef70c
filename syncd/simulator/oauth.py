"""Sessions and the OAuth 2.0 token endpoint (JWT bearer and client credentials grants)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID = "00D5g000004SIMAEAW"


@dataclass
class _Session:
    user_id: str
    issued_at: datetime
    calls: int = 0


class TokenStore:
    """Access tokens, each optionally expiring after N calls or N seconds (org clock)."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        ttl_calls: int | None = None,
        ttl_seconds: float | None = None,
    ) -> None:
        self._clock = clock
        self.ttl_calls = ttl_calls
        self.ttl_seconds = ttl_seconds
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str) -> str:
        # Shaped like a real session id: the org id, "!", then an opaque secret.
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._sessions[token] = _Session(user_id, self._clock())
        return token

    def authenticate(self, token: str) -> str | None:
        """The session's user id, counting one call; None when unknown or expired."""
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            expired = (self.ttl_calls is not None and session.calls >= self.ttl_calls) or (
                self.ttl_seconds is not None
                and self._clock() - session.issued_at >= timedelta(seconds=self.ttl_seconds)
            )
            if expired:
                del self._sessions[token]
                return None
            session.calls += 1
            return session.user_id

    def set_ttl_calls(self, ttl_calls: int | None) -> None:
        """Let every session live ``ttl_calls`` more calls (a runtime fault: expiry every N)."""
        with self._lock:
            self.ttl_calls = ttl_calls
            for session in self._sessions.values():
                session.calls = 0

    def expire_all(self) -> None:
        """Invalidate every session (a fault: the admin revoked them, or they timed out)."""
        with self._lock:
            self._sessions.clear()


@dataclass
class OAuthConfig:
    """The connected app the token endpoint accepts."""

    consumer_key: str = "3MVG9SIMULATOR.consumer.key"
    consumer_secret: str = "simulator-consumer-secret"
    public_key_pem: str | None = None
    audiences: set[str] = field(
        default_factory=lambda: {"https://login.salesforce.com", "https://test.salesforce.com"}
    )
    # The run-as user of the client credentials flow; None means the integration user.
    client_credentials_user: str | None = None


@dataclass(frozen=True)
class OAuthError(Exception):
    """An OAuth refusal: 400 with ``{"error", "error_description"}`` as Salesforce sends."""

    error: str
    description: str
    status: int = 400

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def token_response(
    *, token: str, user_id: str, instance_url: str, issued_at: datetime, secret: str
) -> dict[str, Any]:
    """The token endpoint's success body (``signature`` is HMAC-SHA256 of id + issued_at)."""
    issued_ms = str(int(issued_at.timestamp() * 1000))
    identity = f"{instance_url}/id/{ORG_ID}/{user_id}"
    signature = base64.b64encode(
        hmac.new(secret.encode(), (identity + issued_ms).encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "access_token": token,
        "instance_url": instance_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_ms,
        "signature": signature,
        "scope": "api",
    }


def grant(
    form: Mapping[str, str],
    *,
    config: OAuthConfig,
    find_user: Callable[[str], tuple[str, bool] | None],
    now: datetime,
    default_user: str,
) -> str:
    """Check a token request; the user id to issue a session for, or raise OAuthError.

    ``find_user(username)`` answers (user id, is active) or None; ``default_user`` runs
    client-credentials sessions unless the config names another user.
    """
    grant_type = form.get("grant_type", "")
    if grant_type == JWT_BEARER_GRANT:
        return _jwt_bearer(form.get("assertion", ""), config=config, find_user=find_user, now=now)
    if grant_type == "client_credentials":
        if not (
            hmac.compare_digest(form.get("client_id", ""), config.consumer_key)
            and hmac.compare_digest(form.get("client_secret", ""), config.consumer_secret)
        ):
            raise OAuthError("invalid_client", "invalid client credentials")
        return config.client_credentials_user or default_user
    raise OAuthError("unsupported_grant_type", "grant type not supported")


def _jwt_bearer(
    assertion: str,
    *,
    config: OAuthConfig,
    find_user: Callable[[str], tuple[str, bool] | None],
    now: datetime,
) -> str:
    if not assertion:
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if unverified.get("iss") != config.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if config.public_key_pem is None:
        raise OAuthError("invalid_grant", "no certificate configured for this connected app")
    try:
        claims = jwt.decode(
            assertion,
            config.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False},
        )
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    audience = str(claims.get("aud", "")).rstrip("/")
    if audience not in {a.rstrip("/") for a in config.audiences}:
        raise OAuthError("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    # The JWT's exp is checked against the org's clock, which tests can move.
    if not isinstance(exp, int | float) or exp <= now.timestamp():
        raise OAuthError("invalid_grant", "expired authorization code")
    found = find_user(str(claims.get("sub", "")))
    if found is None or not found[1]:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return found[0]
