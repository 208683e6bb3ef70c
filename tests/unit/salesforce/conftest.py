"""Fixtures for the Salesforce adapter tests: mocked HTTP, a recorded sleep, client builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from sf_payloads import API, INSTANCE

from syncd.salesforce import RetryPolicy, SalesforceClient
from syncd.settings import Secret, SessionLogin

SESSION_TOKEN = "00D8d000000ABCD!AQ4AQFakeSessionToken.9x8y7z"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Every HTTP request must hit a registered mock, and every mock must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def sleeps() -> list[float]:
    """Waits the code asked for, recorded instead of slept: retry tests take no wall time."""
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Callable[..., SalesforceClient]:
    """A client on a ready session (no login call) with the recorded sleep and no jitter."""

    def build(**overrides: Any) -> SalesforceClient:
        options: dict[str, Any] = {
            "api_version": API,
            "retry": RetryPolicy(jitter=False),
            "sleep": sleeps.append,
        }
        options.update(overrides)
        login = options.pop("login", SessionLogin(INSTANCE, Secret(SESSION_TOKEN)))
        return SalesforceClient(login, **options)

    return build


@pytest.fixture(scope="session")
def rsa_key_pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """A fresh RSA key for the JWT bearer flow: (path of the private PEM, public key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("jwt") / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path, key.public_key()
