"""No secret reaches a log line, wherever it hides in the event."""

from __future__ import annotations

import io
import json

import pytest
import structlog

from syncd.ops.logging import bind_run, configure_logging, remember_secrets, unbind_run
from syncd.settings import load_settings

TOKEN = "00D5g000004bXyZ!AQcAQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUkWe6H"


@pytest.fixture
def json_log() -> io.StringIO:
    stream = io.StringIO()
    configure_logging(json=True, stream=stream)
    settings = load_settings(
        {
            "SYNCD_SF_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SYNCD_SF_ACCESS_TOKEN": TOKEN,
        }
    )
    remember_secrets(settings.secrets())
    return stream


def test_the_access_token_from_settings_never_appears_in_output(json_log: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.info("calling org", url=f"https://acme.my.salesforce.com?x={TOKEN}")
    log.info("headers", headers={"Authorization": f"Bearer {TOKEN}", "Accept": "json"})
    log.info("nested", request={"attempts": [{"body": {"session": f"sid={TOKEN}"}}]})
    log.info(f"free text mentions it: {TOKEN}")  # noqa: G004 - the point of the test
    assert TOKEN not in json_log.getvalue()


def test_sensitive_keys_are_redacted_at_any_depth(json_log: io.StringIO) -> None:
    structlog.get_logger("test").info(
        "login",
        form={"grant_type": "password", "password": "hunter2-long", "client_secret": "cs-1"},
    )
    event = json.loads(json_log.getvalue().splitlines()[-1])
    assert event["form"] == {"grant_type": "password", "password": "***", "client_secret": "***"}


def test_a_private_key_pasted_into_a_message_is_removed(json_log: io.StringIO) -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"
    structlog.get_logger("test").warning("bad key file", content=pem)
    assert "MIIEow" not in json_log.getvalue()


def test_a_secret_inside_an_exception_traceback_is_removed(json_log: io.StringIO) -> None:
    def reject() -> None:
        raise RuntimeError(f"token {TOKEN} rejected")

    try:
        reject()
    except RuntimeError:
        structlog.get_logger("test").exception("failed")
    assert TOKEN not in json_log.getvalue()
    assert "failed" in json_log.getvalue()


def test_run_id_is_bound_to_every_event_inside_a_run(json_log: io.StringIO) -> None:
    bind_run("run-42")
    try:
        structlog.get_logger("test").info("pulled", sobject="Lead", count=3)
    finally:
        unbind_run()
    structlog.get_logger("test").info("after")
    first, second = (json.loads(line) for line in json_log.getvalue().splitlines())
    assert first["run_id"] == "run-42"
    assert "run_id" not in second
