"""No secret appears in any output, log event or mirror table.

Short syncs against the simulator with each secret-bearing login (an access token, a client
secret, a JWT private key), a database password and a status-page token configured; a
refused login too. Every log event (captured raw by structlog, before the redactor) and the
stdout/stderr of `syncd` processes are scanned, then every text column of every mirror table.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import MetaData, create_engine, select, text
from structlog.testing import capture_logs

from syncd.settings import load_settings
from syncd.simulator.oauth import OAuthConfig
from syncd.simulator.server import SimulatorHandle, start_simulator
from syncd.sync.runtime import sync_once
from tests.cli_runner import run_syncd
from tests.conftest import PG_ADMIN_URL, _pg_available

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
CLIENT_SECRET = "cs-" + secrets.token_hex(16)
HTTP_TOKEN = "ht-" + secrets.token_hex(16)
DB_PASSWORD = "dbpw-" + secrets.token_hex(8)
BAD_TOKEN = "00Dbad!" + secrets.token_hex(20)


@dataclass
class Org:
    sim: SimulatorHandle
    key_file: Path
    key_pem: str
    consumer_key: str

    def secrets(self) -> dict[str, str]:
        body = [line for line in self.key_pem.splitlines() if "-----" not in line]
        return {
            "access token": self.sim.access_token,
            "client secret": CLIENT_SECRET,
            "private key": self.key_pem.strip(),
            # Any line of the key's body would give it away.
            **{f"private key line {i}": line for i, line in enumerate(body)},
            "status page token": HTTP_TOKEN,
            "database password": DB_PASSWORD,
            "refused token": BAD_TOKEN,
        }


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_file = tmp_path_factory.mktemp("keys") / "server.key"
    key_file.write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    oauth = OAuthConfig(consumer_secret=CLIENT_SECRET, public_key_pem=public.decode())
    with start_simulator(leads=40, seed=11, oauth=oauth) as sim:
        os.environ["REQUESTS_CA_BUNDLE"] = sim.ca_bundle
        try:
            yield Org(sim, key_file, pem.decode(), oauth.consumer_key)
        finally:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PostgreSQL with a password in the URL when there is a server (it trusts local
    connections, so any password works), else SQLite (no password to leak)."""
    if _pg_available() is not None or "@" not in PG_ADMIN_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'mirror.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"syncd_t_secrets_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    user, _, host = PG_ADMIN_URL.rsplit("/", 1)[0].partition("://")[2].partition("@")
    scheme = PG_ADMIN_URL.partition("://")[0]
    try:
        yield f"{scheme}://{user.split(':')[0]}:{DB_PASSWORD}@{host}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def env_for(org: Org, database_url: str, login: str) -> dict[str, str]:
    env = {
        "SYNCD_DATABASE_URL": database_url,
        "SYNCD_MAPPINGS_DIR": str(MAPPINGS),
        "SYNCD_HTTP_TOKEN": HTTP_TOKEN,
        "SYNCD_LOG_FORMAT": "json",
        "REQUESTS_CA_BUNDLE": org.sim.ca_bundle,
    }
    if login == "token":
        env |= {
            "SYNCD_SF_INSTANCE_URL": org.sim.instance_url,
            "SYNCD_SF_ACCESS_TOKEN": org.sim.access_token,
        }
    elif login == "refused token":
        env |= {"SYNCD_SF_INSTANCE_URL": org.sim.instance_url, "SYNCD_SF_ACCESS_TOKEN": BAD_TOKEN}
    elif login == "client secret":
        env |= {
            "SYNCD_SF_CONSUMER_KEY": org.consumer_key,
            "SYNCD_SF_CONSUMER_SECRET": CLIENT_SECRET,
            "SYNCD_SF_LOGIN_URL": org.sim.instance_url,
        }
    else:
        env |= {
            "SYNCD_SF_USERNAME": "integration@syncd.example.com",
            "SYNCD_SF_CONSUMER_KEY": org.consumer_key,
            "SYNCD_SF_PRIVATE_KEY_FILE": str(org.key_file),
            "SYNCD_SF_LOGIN_URL": org.sim.instance_url,
        }
    return env


def leaks(text_: str, org: Org) -> list[str]:
    return [name for name, value in org.secrets().items() if value and value in text_]


@pytest.fixture(scope="module")
def outputs(
    org: Org, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Everything the runs printed or logged, by where it came from."""
    found: dict[str, str] = {}
    # In-process syncs, one per login, their log events captured raw (before redaction).
    for login in ("token", "client secret", "private key", "refused token"):
        settings = load_settings(env_for(org, database_url, login))
        with capture_logs() as events:
            summary = sync_once(settings, dry_run=False, now=org.sim.org.clock)
        assert summary.status == ("failed" if login == "refused token" else "ok"), summary.error
        found[f"logs of a sync with the {login}"] = json.dumps(events, default=str)
        found[f"summary of a sync with the {login}"] = repr(summary) + json.dumps(
            summary.counts(), default=str
        )
    structlog.reset_defaults()
    # The command line as an operator runs it (JSON logs to stderr).
    cwd = tmp_path_factory.mktemp("cli")
    commands = [
        ("client secret", ("sync", "--once")),
        ("refused token", ("check",)),
        ("private key", ("logs",)),
    ]
    with ThreadPoolExecutor(2) as pool:
        runs = list(
            pool.map(
                lambda job: run_syncd(*job[1], env=env_for(org, database_url, job[0]), cwd=cwd),
                commands,
            )
        )
    for (login, args), run in zip(commands, runs, strict=True):
        found[f"syncd {' '.join(args)} ({login})"] = run.stdout + run.stderr
    return found


def test_no_secret_in_any_output_log_event_or_mirror_table(
    outputs: dict[str, str], org: Org, database_url: str
) -> None:
    """One test, so the syncs above run once (xdist would set a module fixture up per worker)."""
    assert "API calls used" in outputs["syncd sync --once (client secret)"]
    assert outputs["syncd logs (private key)"].strip()
    leaked = {where: names for where, text_ in outputs.items() if (names := leaks(text_, org))}
    assert leaked == {}

    engine = create_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    in_tables: list[str] = []
    scanned = 0
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    scanned += 1
                    blob = json.dumps([str(v) for v in row], ensure_ascii=False)
                    in_tables += [f"{table.name}: {name}" for name in leaks(blob, org)]
    finally:
        engine.dispose()
    assert scanned > 100  # the syncs stored the org
    assert in_tables == []


def test_the_log_redactor_knows_every_secret_of_each_login(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key_file = tmp_path / "server.key"
    key_file.write_text(pem, encoding="ascii")
    base = {
        "SYNCD_HTTP_TOKEN": HTTP_TOKEN,
        "SYNCD_DATABASE_URL": f"postgresql+psycopg://syncd:{DB_PASSWORD}@db.example.com/syncd",
    }
    logins = {
        "token": {
            "SYNCD_SF_INSTANCE_URL": "https://x.my.salesforce.com",
            "SYNCD_SF_ACCESS_TOKEN": BAD_TOKEN,
        },
        "client secret": {
            "SYNCD_SF_CONSUMER_KEY": "3MVG9x",
            "SYNCD_SF_CONSUMER_SECRET": CLIENT_SECRET,
        },
        "private key": {
            "SYNCD_SF_USERNAME": "integration@example.com",
            "SYNCD_SF_CONSUMER_KEY": "3MVG9x",
            "SYNCD_SF_PRIVATE_KEY_FILE": str(key_file),
        },
    }
    body = [line for line in pem.splitlines() if "-----" not in line]
    wanted = {
        "token": [BAD_TOKEN],
        "client secret": [CLIENT_SECRET],
        "private key": body,
    }
    for login, env in logins.items():
        known = load_settings(base | env).secrets()
        for value in [HTTP_TOKEN, DB_PASSWORD, *wanted[login]]:
            assert value in known, login
