"""Logging in to Salesforce with each of the four logins of the environment contract."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final

import jwt
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin as soap_login

from syncd.salesforce.errors import AuthError, ErrorKind, SalesforceError
from syncd.settings import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    SalesforceLogin,
    Secret,
    SessionLogin,
)

JWT_BEARER_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Salesforce accepts a JWT whose exp is at most 3 minutes ahead.
JWT_LIFETIME_SECONDS: Final = 180
TOKEN_TIMEOUT: Final = (10.0, 60.0)

# What an admin should check for each OAuth error Salesforce's token endpoint returns.
_OAUTH_HINTS: Final = {
    "invalid_grant": "check the username, that the connected app is pre-authorised for this "
    "user (or the user approved it), the certificate matches the private key, and the login "
    "URL (sandbox: https://test.salesforce.com)",
    "invalid_client_id": "check SYNCD_SF_CONSUMER_KEY (the connected app's consumer key)",
    "invalid_client": "check SYNCD_SF_CONSUMER_KEY / SYNCD_SF_CONSUMER_SECRET and that the "
    "client credentials flow is enabled with a run-as user",
    "invalid_request": "check SYNCD_SF_LOGIN_URL: client credentials need the org's My Domain URL",
    "unsupported_grant_type": "check SYNCD_SF_LOGIN_URL: this endpoint does not accept the flow",
    "inactive_user": "the integration user is inactive",
    "inactive_org": "the org is locked, closed or suspended",
}


@dataclass(frozen=True)
class AuthResult:
    """A usable session. ``can_refresh``: a new one can be had without a person."""

    instance_url: str
    access_token: Secret
    can_refresh: bool


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _jwt_assertion(login: JwtBearerLogin) -> str:
    try:
        key = login.private_key_file.read_bytes()
    except OSError as exc:
        raise AuthError(
            ErrorKind.CONFIG,
            f"cannot read the JWT private key {str(login.private_key_file)!r}: {exc.strerror}",
        ) from None
    claims = {
        "iss": login.consumer_key,
        "sub": login.username,
        "aud": login.login_url,
        "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        # The exception text never includes the key; its type tells an admin enough.
        raise AuthError(
            ErrorKind.CONFIG,
            f"SYNCD_SF_PRIVATE_KEY_FILE {str(login.private_key_file)!r} is not a usable RSA "
            f"private key in PEM form ({type(exc).__name__})",
        ) from None


def _token_request(
    login_url: str, form: dict[str, str], *, session: requests.Session, secrets: list[str]
) -> AuthResult:
    url = f"{login_url.rstrip('/')}/services/oauth2/token"
    try:
        response = session.post(
            url, data=form, headers={"Accept": "application/json"}, timeout=TOKEN_TIMEOUT
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SalesforceError(
            ErrorKind.TRANSIENT, f"cannot reach {url}: {type(exc).__name__}"
        ) from None
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code >= 500:
        raise AuthError(
            ErrorKind.TRANSIENT,
            f"the login server {url} answered HTTP {response.status_code}",
            status=response.status_code,
        )
    if response.status_code != 200 or "access_token" not in body:
        error = str(body.get("error") or f"HTTP {response.status_code}")
        description = _redact(str(body.get("error_description") or ""), secrets)
        hint = _OAUTH_HINTS.get(error, "check the Salesforce login settings")
        raise AuthError(
            ErrorKind.CONFIG,
            f"Salesforce login at {url} refused: {error}"
            + (f" ({description})" if description else "")
            + f"; {hint}",
            status=response.status_code,
            error_code=error,
        )
    instance_url = str(body.get("instance_url") or "").rstrip("/")
    if not instance_url.startswith("https://"):
        raise AuthError(ErrorKind.FATAL, f"the token response from {url} has no https instance_url")
    return AuthResult(instance_url, Secret(str(body["access_token"])), can_refresh=True)


def _password_login(
    login: PasswordLogin, *, session: requests.Session, api_version: str
) -> AuthResult:
    # Legacy path: SOAP login() is being retired by Salesforce (unavailable from API v65 and
    # off by default in new orgs); prefer the JWT bearer flow.
    secrets = [login.password.reveal(), login.security_token.reveal()]
    try:
        session_id, host = soap_login(
            username=login.username,
            password=login.password.reveal(),
            security_token=login.security_token.reveal(),
            domain=login.domain,
            sf_version=api_version,
            session=session,
        )
    except SalesforceAuthenticationFailed as exc:
        # A SOAP fault (bad login) is a config problem; an unparseable 5xx is an outage.
        outage = isinstance(exc.code, int) and exc.code >= 500
        raise AuthError(
            ErrorKind.TRANSIENT if outage else ErrorKind.CONFIG,
            f"Salesforce SOAP login refused for {login.username}: "
            f"{_redact(str(exc.code), secrets)}: {_redact(str(exc.message), secrets)}",
            error_code=str(exc.code),
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SalesforceError(
            ErrorKind.TRANSIENT,
            f"cannot reach the {login.domain} login server: {type(exc).__name__}",
        ) from None
    return AuthResult(f"https://{host}", Secret(session_id), can_refresh=True)


def authenticate(
    login: SalesforceLogin, *, session: requests.Session, api_version: str
) -> AuthResult:
    """Log in with ``login`` and return the session to use.

    Raises AuthError (CONFIG: credentials or settings are wrong; TRANSIENT: the login server
    is down) or SalesforceError(TRANSIENT) when it cannot be reached. Messages never contain a
    secret.
    """
    if isinstance(login, SessionLogin):
        return AuthResult(login.instance_url.rstrip("/"), login.access_token, can_refresh=False)
    if isinstance(login, JwtBearerLogin):
        form = {"grant_type": JWT_BEARER_GRANT, "assertion": _jwt_assertion(login)}
        return _token_request(login.login_url, form, session=session, secrets=[])
    if isinstance(login, ClientCredentialsLogin):
        secret = login.consumer_secret.reveal()
        form = {
            "grant_type": "client_credentials",
            "client_id": login.consumer_key,
            "client_secret": secret,
        }
        return _token_request(login.login_url, form, session=session, secrets=[secret])
    return _password_login(login, session=session, api_version=api_version)
