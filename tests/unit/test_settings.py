"""Settings: the environment contract, validated once, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.settings import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    Secret,
    SessionLogin,
    SettingsError,
    load_settings,
)


def test_defaults_give_an_embedded_sqlite_mirror_and_no_login() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///syncd.db"
    assert settings.mappings_dir == Path("mappings")
    assert settings.salesforce is None
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8765)


def test_plain_postgresql_urls_are_driven_by_psycopg_3() -> None:
    settings = load_settings({"SYNCD_DATABASE_URL": "postgresql://postgres@127.0.0.1/test"})
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/test"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "SYNCD_SF_INSTANCE_URL": "https://acme.my.salesforce.com",
                "SYNCD_SF_ACCESS_TOKEN": "00Dx!tok",
            },
            SessionLogin,
        ),
        (
            {"SYNCD_SF_CONSUMER_KEY": "3MVG9ck", "SYNCD_SF_CONSUMER_SECRET": "s3cr3t-value"},
            ClientCredentialsLogin,
        ),
        (
            {
                "SYNCD_SF_USERNAME": "int@acme.com",
                "SYNCD_SF_PASSWORD": "pw-value",
                "SYNCD_SF_SECURITY_TOKEN": "tok",
            },
            PasswordLogin,
        ),
    ],
    ids=["access-token", "client-credentials", "legacy-password"],
)
def test_each_login_is_recognised(env: dict[str, str], expected: type) -> None:
    assert isinstance(load_settings(env).salesforce, expected)


def test_jwt_bearer_login_needs_a_readable_key_file(tmp_path: Path) -> None:
    key = tmp_path / "server.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n")
    env = {
        "SYNCD_SF_USERNAME": "integration@acme.com",
        "SYNCD_SF_CONSUMER_KEY": "3MVG9ck",
        "SYNCD_SF_PRIVATE_KEY_FILE": str(key),
    }
    login = load_settings(env).salesforce
    assert isinstance(login, JwtBearerLogin)
    assert login.login_url == "https://login.salesforce.com"


def test_sandbox_domain_logs_in_at_test_salesforce_com(tmp_path: Path) -> None:
    env = {
        "SYNCD_SF_CONSUMER_KEY": "3MVG9ck",
        "SYNCD_SF_CONSUMER_SECRET": "s3cr3t-value",
        "SYNCD_SF_DOMAIN": "test",
    }
    login = load_settings(env).salesforce
    assert isinstance(login, ClientCredentialsLogin)
    assert login.login_url == "https://test.salesforce.com"


def test_every_problem_is_reported_together() -> None:
    env = {
        "SYNCD_DATABASE_URL": "mysql://root@localhost/syncd",
        "SYNCD_HTTP_PORT": "eighty",
        "SYNCD_API_BUDGET_SHARE": "1.5",
        "SYNCD_SF_INSTANCE_URL": "https://acme.my.salesforce.com",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    problems = "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 4
    for needle in ("mysql", "SYNCD_HTTP_PORT", "SYNCD_API_BUDGET_SHARE", "SYNCD_SF_ACCESS_TOKEN"):
        assert needle in problems


def test_a_secret_shows_as_stars_in_repr_str_and_containing_objects() -> None:
    settings = load_settings(
        {
            "SYNCD_SF_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SYNCD_SF_ACCESS_TOKEN": "00Dx!tok-value",
        }
    )
    assert repr(Secret("hunter2")) == "***"
    assert str(Secret("hunter2")) == "***"
    assert "00Dx!tok-value" not in repr(settings)
    assert settings.secrets() == ["00Dx!tok-value"]


def test_a_database_password_counts_as_a_secret() -> None:
    settings = load_settings(
        {"SYNCD_DATABASE_URL": "postgresql+psycopg://syncd:pg-pass-9@db/syncd"}
    )
    assert settings.secrets() == ["pg-pass-9"]


def test_the_weekly_report_day_hour_and_directory_come_from_settings() -> None:
    settings = load_settings(
        {"SYNCD_REPORT_DAY": "Friday", "SYNCD_REPORT_HOUR_UTC": "7", "SYNCD_REPORT_DIR": "/r"}
    )
    assert (settings.report_weekday, settings.report_hour_utc) == (4, 7)
    assert settings.report_dir == Path("/r")


def test_a_report_day_that_is_no_weekday_is_refused_with_its_name() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"SYNCD_REPORT_DAY": "someday", "SYNCD_REPORT_HOUR_UTC": "25"})
    text = str(caught.value)
    assert "SYNCD_REPORT_DAY must be a day of the week (mon ... sun), not 'someday'" in text
    assert "SYNCD_REPORT_HOUR_UTC must be 0-23, not 25" in text
