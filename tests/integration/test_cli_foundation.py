"""The command line keeps its contract: one clear line and exit 2 for bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run_syncd


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_syncd("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert "db" in result.stdout


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://root@localhost/syncd", "unsupported scheme 'mysql'"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot reach the mirror database"),
        ("sqlite:////nonexistent-dir/syncd.db", "cannot reach the mirror database"),
    ],
    ids=["unknown-scheme", "postgres-unreachable", "sqlite-unwritable"],
)
def test_a_bad_database_url_gives_one_line_and_exit_2(
    url: str, needle: str, tmp_path: Path
) -> None:
    result = run_syncd("db", "upgrade", env={"SYNCD_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_twice_creates_then_changes_nothing(database_url: str, tmp_path: Path) -> None:
    env = {"SYNCD_DATABASE_URL": database_url}
    first = run_syncd("db", "upgrade", env=env, cwd=tmp_path)
    second = run_syncd("db", "upgrade", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "upgraded empty -> " in first.stdout
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout


def test_a_password_in_the_database_url_is_not_echoed(tmp_path: Path) -> None:
    url = "postgresql+psycopg://syncd:pg-pass-9@127.0.0.1:1/test"
    result = run_syncd("db", "upgrade", env={"SYNCD_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    assert "pg-pass-9" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["runs", "logs"])
def test_reading_a_mirror_in_a_missing_folder_says_the_folder_does_not_exist(
    command: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'syncd.db'}"
    result = run_syncd(command, env={"SYNCD_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 1
    assert f"the mirror's folder {tmp_path / 'nowhere'} does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("command", ["runs", "logs"])
def test_reading_a_missing_mirror_does_not_create_one(command: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'syncd.db'}"
    result = run_syncd(command, env={"SYNCD_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 1
    assert "no mirror at" in result.stderr
    assert not (tmp_path / "syncd.db").exists()


def test_logs_of_an_empty_mirror_say_there_is_nothing_to_show(tmp_path: Path) -> None:
    env = {"SYNCD_DATABASE_URL": f"sqlite:///{tmp_path / 'syncd.db'}"}
    assert run_syncd("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = run_syncd("logs", env=env, cwd=tmp_path)
    assert result.returncode == 0
    assert "no warnings or errors recorded" in result.stdout.casefold()


def test_check_against_an_instance_nobody_listens_on_says_connection_refused_and_exits_1(
    tmp_path: Path,
) -> None:
    mappings = Path(__file__).resolve().parents[2] / "mappings"
    env = {
        "SYNCD_MAPPINGS_DIR": str(mappings),
        "SYNCD_SF_INSTANCE_URL": "https://127.0.0.1:9",
        "SYNCD_SF_ACCESS_TOKEN": "00Dnever!worked",
    }
    result = run_syncd("check", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "syncd: Salesforce: CONNECT_FAILED: connection refused: https://127.0.0.1:9"
    )
    assert "Traceback" not in result.stderr
    assert "00Dnever!worked" not in result.stderr + result.stdout
