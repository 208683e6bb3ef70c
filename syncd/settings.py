"""Settings from the environment, validated once, every problem reported together.

The contract lives in DESIGN.md ("Environment"). Secrets are wrapped in :class:`Secret`, whose
``repr`` and ``str`` are ``***`` so a stray log call or traceback can never show them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL: Final = "sqlite:///syncd.db"
DEFAULT_LOGIN_URL: Final = "https://login.salesforce.com"
SANDBOX_LOGIN_URL: Final = "https://test.salesforce.com"
DEFAULT_API_VERSION: Final = "62.0"

# Schemes we can actually drive; anything else is refused before a connection is attempted.
_SQLITE_SCHEMES: Final = ("sqlite", "sqlite+pysqlite")
_POSTGRES_SCHEMES: Final = ("postgresql+psycopg",)
# Plain postgresql:// would make SQLAlchemy look for psycopg2, which we do not ship.
_POSTGRES_ALIASES: Final = ("postgresql", "postgres")


class Secret:
    """A value that must never be printed. ``reveal()`` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class SettingsError(Exception):
    """Invalid configuration; ``problems`` holds every problem found, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SessionLogin:
    """A ready session: instance URL and access token (no way to refresh it)."""

    instance_url: str
    access_token: Secret


@dataclass(frozen=True)
class JwtBearerLogin:
    """OAuth 2.0 JWT bearer flow: the recommended server-to-server login."""

    username: str
    consumer_key: str
    private_key_file: Path
    login_url: str


@dataclass(frozen=True)
class ClientCredentialsLogin:
    """OAuth 2.0 client credentials flow; login_url must be the org's My Domain URL."""

    consumer_key: str
    consumer_secret: Secret
    login_url: str


@dataclass(frozen=True)
class PasswordLogin:
    """Legacy SOAP username + password + security token (Salesforce is retiring it)."""

    username: str
    password: Secret
    security_token: Secret
    domain: str  # "login" or "test", as simple-salesforce expects


SalesforceLogin = SessionLogin | JwtBearerLogin | ClientCredentialsLogin | PasswordLogin


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    mappings_dir: Path = Path("mappings")
    salesforce: SalesforceLogin | None = None
    api_version: str = DEFAULT_API_VERSION
    http_host: str = "127.0.0.1"
    http_port: int = 8765
    # Share of the org's daily API budget syncd may use (the rest belongs to other integrations).
    api_budget_share: float = 0.20
    bulk_query_threshold: int = 10_000
    bulk_write_threshold: int = 2_000
    lookback_seconds: int = 300
    # Go-live switches (syncd.domain.golive): production is written only when enabled;
    # shadow mode records every decision and writes nothing.
    writeback_enabled: bool = False
    shadow: bool = False
    log_format: str = "auto"
    # The daemon's schedule (`syncd run`), in seconds except the nightly reconcile's UTC hour.
    fast_interval_seconds: int = 60
    slow_interval_seconds: int = 900
    sla_sweep_seconds: int = 60
    recycle_interval_seconds: int = 3600
    reconcile_hour_utc: int = 3
    # Housekeeping (nightly, after the reconcile): how long run events are kept, and how long
    # a lead deleted in Salesforce keeps its personal fields in the mirror.
    events_retention_days: int = 90
    deleted_retention_days: int = 30
    # Required for the status page and /metrics when http_host is not a loopback address.
    http_token: Secret | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    # The report's sharp-change alerts (syncd.domain.reporting.alerts says how they judge).
    report_alert_drop: float = 0.30
    report_alert_min_count: int = 30
    report_baseline_weeks: int = 4
    # The daemon's weekly report: where each week's is kept, and when it runs (UTC).
    report_dir: Path = Path("reports")
    report_weekday: int = 0  # Monday
    report_hour_utc: int = 6

    def require_salesforce(self) -> SalesforceLogin:
        if self.salesforce is None:
            raise SettingsError(
                [
                    "no Salesforce login configured: set SYNCD_SF_INSTANCE_URL + "
                    "SYNCD_SF_ACCESS_TOKEN, or SYNCD_SF_USERNAME + SYNCD_SF_CONSUMER_KEY + "
                    "SYNCD_SF_PRIVATE_KEY_FILE, or SYNCD_SF_CONSUMER_KEY + "
                    "SYNCD_SF_CONSUMER_SECRET, or SYNCD_SF_USERNAME + SYNCD_SF_PASSWORD + "
                    "SYNCD_SF_SECURITY_TOKEN"
                ]
            )
        return self.salesforce

    def secrets(self) -> list[str]:
        """Every secret value in these settings, for the log redactor."""
        login = self.salesforce
        found: list[Secret] = []
        if isinstance(login, SessionLogin):
            found.append(login.access_token)
        elif isinstance(login, ClientCredentialsLogin):
            found.append(login.consumer_secret)
        elif isinstance(login, PasswordLogin):
            found += [login.password, login.security_token]
        if self.http_token is not None:
            found.append(self.http_token)
        password = urlsplit(self.database_url).password
        values = [s.reveal() for s in found]
        if isinstance(login, JwtBearerLogin):
            values += _key_lines(login.private_key_file)
        if password:
            values.append(password)
        return [v for v in values if v]


def _key_lines(path: Path) -> list[str]:
    """The body lines of a PEM private key: any one of them printed would give part of it
    away (an error quoting the file, say). Unreadable: nothing to scrub, login will say why."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return []
    return [
        line.strip()
        for line in text.splitlines()
        if len(line.strip()) >= 16 and "-----" not in line
    ]


def normalise_database_url(url: str) -> str:
    """Return the URL SQLAlchemy should use, or raise SettingsError naming the problem."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise SettingsError(
            [
                f"SYNCD_DATABASE_URL {_mask_url(url)!r} is not a URL (expected e.g. sqlite:///syncd.db)"
            ]
        )
    lowered = scheme.lower()
    if lowered in _SQLITE_SCHEMES or lowered in _POSTGRES_SCHEMES:
        return url
    if lowered in _POSTGRES_ALIASES:
        return f"postgresql+psycopg://{rest}"
    raise SettingsError(
        [
            f"SYNCD_DATABASE_URL has unsupported scheme {scheme!r}: use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DB"
        ]
    )


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _login_url(env: Mapping[str, str], problems: list[str]) -> str:
    explicit = env.get("SYNCD_SF_LOGIN_URL", "").strip()
    domain = env.get("SYNCD_SF_DOMAIN", "").strip().lower()
    if domain not in ("", "login", "test"):
        problems.append(f"SYNCD_SF_DOMAIN must be 'login' or 'test', not {domain!r}")
    if explicit:
        if not explicit.startswith("https://"):
            problems.append("SYNCD_SF_LOGIN_URL must start with https:// (TLS is always verified)")
        return explicit.rstrip("/")
    return SANDBOX_LOGIN_URL if domain == "test" else DEFAULT_LOGIN_URL


def _salesforce_login(env: Mapping[str, str], problems: list[str]) -> SalesforceLogin | None:
    def get(name: str) -> str:
        return env.get(name, "").strip()

    instance_url, token = get("SYNCD_SF_INSTANCE_URL"), get("SYNCD_SF_ACCESS_TOKEN")
    username, consumer_key = get("SYNCD_SF_USERNAME"), get("SYNCD_SF_CONSUMER_KEY")
    key_file, consumer_secret = get("SYNCD_SF_PRIVATE_KEY_FILE"), get("SYNCD_SF_CONSUMER_SECRET")
    password, security_token = get("SYNCD_SF_PASSWORD"), get("SYNCD_SF_SECURITY_TOKEN")

    if instance_url or token:
        if not (instance_url and token):
            problems.append("SYNCD_SF_INSTANCE_URL and SYNCD_SF_ACCESS_TOKEN must be set together")
            return None
        if not instance_url.startswith("https://"):
            problems.append("SYNCD_SF_INSTANCE_URL must start with https://")
            return None
        return SessionLogin(instance_url.rstrip("/"), Secret(token))
    if username and consumer_key and key_file:
        path = Path(key_file).expanduser()
        if not path.is_file():
            problems.append(f"SYNCD_SF_PRIVATE_KEY_FILE {str(path)!r} does not exist")
            return None
        return JwtBearerLogin(username, consumer_key, path, _login_url(env, problems))
    if consumer_key and consumer_secret:
        return ClientCredentialsLogin(
            consumer_key, Secret(consumer_secret), _login_url(env, problems)
        )
    if username and (password or security_token):
        if not password:
            problems.append("SYNCD_SF_PASSWORD is required with SYNCD_SF_USERNAME")
            return None
        _login_url(env, problems)
        domain = "test" if get("SYNCD_SF_DOMAIN").lower() == "test" else "login"
        return PasswordLogin(username, Secret(password), Secret(security_token), domain)
    if username or consumer_key or key_file or consumer_secret or password or security_token:
        problems.append(
            "incomplete Salesforce login: give one of (SYNCD_SF_INSTANCE_URL + "
            "SYNCD_SF_ACCESS_TOKEN), (SYNCD_SF_USERNAME + SYNCD_SF_CONSUMER_KEY + "
            "SYNCD_SF_PRIVATE_KEY_FILE), (SYNCD_SF_CONSUMER_KEY + SYNCD_SF_CONSUMER_SECRET), "
            "(SYNCD_SF_USERNAME + SYNCD_SF_PASSWORD + SYNCD_SF_SECURITY_TOKEN)"
        )
    return None


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str], low: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number, not {raw!r}")
        return default
    if value < low:
        problems.append(f"{name} must be at least {low}, not {value}")
    return value


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(env: Mapping[str, str], name: str, problems: list[str]) -> int:
    """A day of the week by its first three letters (mon ... sun); Monday by default."""
    raw = env.get(name, "").strip().casefold()
    if not raw:
        return 0
    if raw[:3] not in WEEKDAYS:
        problems.append(f"{name} must be a day of the week (mon ... sun), not {raw!r}")
        return 0
    return WEEKDAYS.index(raw[:3])


def _fraction(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{name} must be a fraction like 0.3, not {raw!r}")
        return default
    if not 0 < value <= 1:
        problems.append(f"{name} must be in (0, 1], not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    problems.append(f"{name} must be true or false, not {raw!r}")
    return False


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError listing all problems at once."""
    env = os.environ if env is None else env
    problems: list[str] = []

    database_url = env.get("SYNCD_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        database_url = normalise_database_url(database_url)
    except SettingsError as exc:
        problems += exc.problems

    login = _salesforce_login(env, problems)
    port = _int(env, "SYNCD_HTTP_PORT", 8765, problems, 0)
    if port > 65535:
        problems.append(f"SYNCD_HTTP_PORT must be at most 65535, not {port}")

    share_raw = env.get("SYNCD_API_BUDGET_SHARE", "").strip()
    share = 0.20
    if share_raw:
        try:
            share = float(share_raw)
        except ValueError:
            problems.append(
                f"SYNCD_API_BUDGET_SHARE must be a fraction like 0.2, not {share_raw!r}"
            )
        else:
            if not 0 < share <= 1:
                problems.append(f"SYNCD_API_BUDGET_SHARE must be in (0, 1], not {share}")

    log_format = env.get("SYNCD_LOG_FORMAT", "auto").strip().lower() or "auto"
    if log_format not in ("auto", "json", "console"):
        problems.append(f"SYNCD_LOG_FORMAT must be auto, json or console, not {log_format!r}")

    api_version = (
        env.get("SYNCD_SF_API_VERSION", DEFAULT_API_VERSION).strip() or DEFAULT_API_VERSION
    )
    try:
        if float(api_version) < 50.0:
            problems.append(f"SYNCD_SF_API_VERSION must be 50.0 or later, not {api_version}")
    except ValueError:
        problems.append(f"SYNCD_SF_API_VERSION must look like 62.0, not {api_version!r}")

    settings = Settings(
        database_url=database_url,
        mappings_dir=Path(env.get("SYNCD_MAPPINGS_DIR", "").strip() or "mappings"),
        salesforce=login,
        api_version=api_version,
        http_host=env.get("SYNCD_HTTP_HOST", "").strip() or "127.0.0.1",
        http_port=port,
        api_budget_share=share,
        bulk_query_threshold=_int(env, "SYNCD_BULK_QUERY_THRESHOLD", 10_000, problems, 1),
        bulk_write_threshold=_int(env, "SYNCD_BULK_WRITE_THRESHOLD", 2_000, problems, 1),
        lookback_seconds=_int(env, "SYNCD_LOOKBACK_SECONDS", 300, problems, 0),
        writeback_enabled=_bool(env, "SYNCD_WRITEBACK_ENABLED", problems),
        shadow=_bool(env, "SYNCD_SHADOW", problems),
        log_format=log_format,
        fast_interval_seconds=_int(env, "SYNCD_FAST_INTERVAL_SECONDS", 60, problems, 1),
        slow_interval_seconds=_int(env, "SYNCD_SLOW_INTERVAL_SECONDS", 900, problems, 1),
        sla_sweep_seconds=_int(env, "SYNCD_SLA_SWEEP_SECONDS", 60, problems, 1),
        recycle_interval_seconds=_int(env, "SYNCD_RECYCLE_INTERVAL_SECONDS", 3600, problems, 1),
        reconcile_hour_utc=_int(env, "SYNCD_RECONCILE_HOUR_UTC", 3, problems, 0),
        events_retention_days=_int(env, "SYNCD_EVENTS_RETENTION_DAYS", 90, problems, 1),
        deleted_retention_days=_int(env, "SYNCD_DELETED_RETENTION_DAYS", 30, problems, 0),
        http_token=Secret(token) if (token := env.get("SYNCD_HTTP_TOKEN", "").strip()) else None,
        report_alert_drop=_fraction(env, "SYNCD_REPORT_ALERT_DROP", 0.30, problems),
        report_alert_min_count=_int(env, "SYNCD_REPORT_ALERT_MIN_COUNT", 30, problems, 1),
        report_baseline_weeks=_int(env, "SYNCD_REPORT_BASELINE_WEEKS", 4, problems, 1),
        report_dir=Path(env.get("SYNCD_REPORT_DIR", "").strip() or "reports"),
        report_weekday=_weekday(env, "SYNCD_REPORT_DAY", problems),
        report_hour_utc=_int(env, "SYNCD_REPORT_HOUR_UTC", 6, problems, 0),
    )
    if settings.reconcile_hour_utc > 23:
        problems.append(f"SYNCD_RECONCILE_HOUR_UTC must be 0-23, not {settings.reconcile_hour_utc}")
    if settings.report_hour_utc > 23:
        problems.append(f"SYNCD_REPORT_HOUR_UTC must be 0-23, not {settings.report_hour_utc}")
    if problems:
        raise SettingsError(problems)
    return settings
