"""Logging in with each of the four logins; failures are clear and never show a secret."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import responses
from sf_payloads import API, INSTANCE, LOGIN_URL, TOKEN_URL, sf_error, token_response

from syncd.salesforce import AuthError, ErrorKind, RetryPolicy, SalesforceClient, authenticate
from syncd.settings import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    Secret,
    SessionLogin,
)

MY_DOMAIN = "https://acme.my.salesforce.com"
CONSUMER_SECRET = "5A1B2C3D4E5F60718293A4B5C6D7E8F9"
PASSWORD = "Tr0ub4dor&3-horse"
SECURITY_TOKEN = "aBcDeFgHiJkLmNoPqRsT1234"
SOAP_URL = f"{LOGIN_URL}/services/Soap/u/{API}"

SOAP_OK = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><loginResponse><result>
<metadataServerUrl>{INSTANCE}/services/Soap/m/{API}/00D8d000000ABCD</metadataServerUrl>
<passwordExpired>false</passwordExpired><sandbox>false</sandbox>
<serverUrl>{INSTANCE}/services/Soap/u/{API}/00D8d000000ABCD</serverUrl>
<sessionId>00D8d000000ABCD!AQ4AQSoapSession</sessionId>
<userId>0058d00000ABCDEIAA</userId>
</result></loginResponse></soapenv:Body></soapenv:Envelope>"""

SOAP_FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode>
<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.
</faultstring>
<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>
<sf:exceptionMessage>Invalid username, password, security token; or user locked out.
</sf:exceptionMessage>
</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


def form_of(call: Any) -> dict[str, str]:
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {k: v[0] for k, v in parse_qs(text).items()}


def jwt_login(key_file: Path) -> JwtBearerLogin:
    return JwtBearerLogin("integration@acme.com", "3MVG9fakeConsumerKey", key_file, LOGIN_URL)


def test_session_login_is_used_as_is_without_any_request(mocked: responses.RequestsMock) -> None:
    result = authenticate(
        SessionLogin(INSTANCE, Secret("00D!token")), session=requests.Session(), api_version=API
    )

    assert (result.instance_url, result.access_token.reveal(), result.can_refresh) == (
        INSTANCE,
        "00D!token",
        False,
    )
    assert len(mocked.calls) == 0


def test_jwt_bearer_posts_a_signed_assertion_with_the_documented_claims(
    mocked: responses.RequestsMock, rsa_key_pem: tuple[Path, Any]
) -> None:
    key_file, public_key = rsa_key_pem
    token = mocked.post(TOKEN_URL, json=token_response("00D!jwt.token", instance_url=MY_DOMAIN))
    before = int(time.time())

    result = authenticate(jwt_login(key_file), session=requests.Session(), api_version=API)

    form = form_of(mocked.calls[0])
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(form["assertion"], public_key, algorithms=["RS256"], audience=LOGIN_URL)
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "3MVG9fakeConsumerKey",
        "integration@acme.com",
        LOGIN_URL,
    )
    assert before + 170 <= claims["exp"] <= int(time.time()) + 180
    assert jwt.get_unverified_header(form["assertion"])["alg"] == "RS256"
    assert (result.instance_url, result.access_token.reveal(), result.can_refresh) == (
        MY_DOMAIN,
        "00D!jwt.token",
        True,
    )
    assert token.call_count == 1


def test_client_credentials_posts_id_and_secret_and_takes_the_instance_url(
    mocked: responses.RequestsMock,
) -> None:
    token = mocked.post(
        f"{MY_DOMAIN}/services/oauth2/token", json=token_response("00D!cc.token", MY_DOMAIN)
    )
    login = ClientCredentialsLogin("3MVG9fakeConsumerKey", Secret(CONSUMER_SECRET), MY_DOMAIN)

    result = authenticate(login, session=requests.Session(), api_version=API)

    assert form_of(mocked.calls[0]) == {
        "grant_type": "client_credentials",
        "client_id": "3MVG9fakeConsumerKey",
        "client_secret": CONSUMER_SECRET,
    }
    assert result.instance_url == MY_DOMAIN
    assert token.call_count == 1


def test_password_login_goes_through_soap_and_reads_the_server_url(
    mocked: responses.RequestsMock,
) -> None:
    soap = mocked.post(SOAP_URL, body=SOAP_OK, content_type="text/xml")
    login = PasswordLogin("integration@acme.com", Secret(PASSWORD), Secret(SECURITY_TOKEN), "login")

    result = authenticate(login, session=requests.Session(), api_version=API)

    assert result.instance_url == INSTANCE
    assert result.access_token.reveal() == "00D8d000000ABCD!AQ4AQSoapSession"
    assert soap.call_count == 1


def test_invalid_grant_is_a_config_error_with_a_hint(
    mocked: responses.RequestsMock, rsa_key_pem: tuple[Path, Any]
) -> None:
    mocked.post(
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "user hasn't approved this consumer"},
    )

    with pytest.raises(AuthError) as raised:
        authenticate(jwt_login(rsa_key_pem[0]), session=requests.Session(), api_version=API)
    assert raised.value.kind is ErrorKind.CONFIG
    assert raised.value.error_code == "invalid_grant"
    assert "user hasn't approved this consumer" in str(raised.value)
    assert "pre-authorised" in str(raised.value)


def test_a_login_server_outage_is_transient(
    mocked: responses.RequestsMock, rsa_key_pem: tuple[Path, Any]
) -> None:
    mocked.post(TOKEN_URL, status=503, body="")

    with pytest.raises(AuthError) as raised:
        authenticate(jwt_login(rsa_key_pem[0]), session=requests.Session(), api_version=API)
    assert raised.value.kind is ErrorKind.TRANSIENT


def test_an_unreadable_private_key_is_a_config_error(tmp_path: Path) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_text(
        "-----BEGIN PRIVATE KEY-----\nnot really a key\n-----END PRIVATE KEY-----\n"
    )

    with pytest.raises(AuthError, match="not a usable RSA private key") as raised:
        authenticate(jwt_login(key_file), session=requests.Session(), api_version=API)
    assert raised.value.kind is ErrorKind.CONFIG


def _failures(mocked: responses.RequestsMock, sleeps: list[float]) -> list[BaseException]:
    """Every way a login or a session can fail, each with secrets in play."""
    found: list[BaseException] = []
    mocked.post(
        f"{MY_DOMAIN}/services/oauth2/token",
        status=400,
        json={"error": "invalid_client", "error_description": f"bad secret {CONSUMER_SECRET}"},
    )
    mocked.post(SOAP_URL, status=500, body=SOAP_FAULT, content_type="text/xml")
    mocked.get(
        f"{INSTANCE}/services/data/v{API}/limits",
        status=401,
        json=sf_error("INVALID_SESSION_ID", "Session expired or invalid"),
    )
    logins: list[Any] = [
        ClientCredentialsLogin("3MVG9fakeConsumerKey", Secret(CONSUMER_SECRET), MY_DOMAIN),
        PasswordLogin("integration@acme.com", Secret(PASSWORD), Secret(SECURITY_TOKEN), "login"),
        SessionLogin(INSTANCE, Secret("00D8d000000ABCD!AQ4AQBareSessionToken")),
    ]
    for login in logins:
        client = SalesforceClient(
            login, api_version=API, retry=RetryPolicy(jitter=False), sleep=sleeps.append
        )
        try:
            client.limits()
        except AuthError as exc:
            found.append(exc)
        found.append(ValueError(repr(client)))
        found.append(ValueError(repr(login)))
    return found


def test_a_secret_never_appears_in_any_exception_message_or_repr(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    secrets = [CONSUMER_SECRET, PASSWORD, SECURITY_TOKEN, "00D8d000000ABCD!AQ4AQBareSessionToken"]

    failures = _failures(mocked, sleeps)

    assert sum(isinstance(f, AuthError) for f in failures) == 3
    for failure in failures:
        shown = f"{failure} {failure!r} {failure.args!r}"
        assert not [s for s in secrets if s in shown], shown
