"""Malformed mapping and policy files: each is refused alike by `syncd check --offline`,
`syncd sync --once` and the daemon's reload, naming the file, the path inside it and the
line where there is one, with exit code 2 and never a traceback.

Every case is a copy of `mappings/` with one thing broken, and names what it breaks. The
commands run in-process through the typer application (the same code path as the `syncd`
binary, without ~3 s of interpreter start per run); the cases the issue lists as broken
once run as real processes too (`run_syncd`).
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from syncd.cli import app
from syncd.config import FIELDS_FILE, POLICY_FILE, Config, Problem, load_config, read_config
from syncd.daemon.config_watch import ConfigWatcher
from tests.cli_runner import run_syncd

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"

Edit = Callable[[Path], None]


def replace(old: str, new: str, *, count: int = 1) -> Edit:
    """Replace the first ``count`` occurrences of ``old`` (which must be there)."""

    def edit(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def write_bytes(data: bytes) -> Edit:
    def edit(path: Path) -> None:
        path.write_bytes(data)

    return edit


def append_bytes(data: bytes) -> Edit:
    def edit(path: Path) -> None:
        path.write_bytes(path.read_bytes() + data)

    return edit


def make_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside.yaml").write_text("version: 1\n", encoding="utf-8")


def pad_to_ten_megabytes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    filler = ("# " + "x" * 98 + "\n") * 100_000
    path.write_text(text + filler, encoding="utf-8")


ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def alias_bomb_under(anchor: str) -> Edit:
    """The billion laughs, nested under a key the file already has."""

    def edit(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        bomb = "".join(f"  {line}\n" for line in ALIAS_BOMB.splitlines())
        assert anchor in text
        path.write_text(text.replace(anchor, f"{anchor}\nlaughs:\n{bomb}", 1), encoding="utf-8")

    return edit


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    edit: Edit
    path: str  # the problem's path starts with this ("" = the file as a whole)
    line: bool = True  # the problem names a line
    says: str = ""  # a word the message must contain


F, P = FIELDS_FILE, POLICY_FILE

CASES: list[Case] = [
    # --- fields.yaml -----------------------------------------------------------------------
    Case(
        "fields-yaml-syntax-unclosed-list",
        F,
        replace("recycle_count, data_quality]", "recycle_count, data_quality"),
        "",
        says="YAML",
    ),
    Case("fields-yaml-tab-indent", F, replace("    pull:", "\tpull:"), "", says="YAML"),
    Case("fields-empty-file", F, write_bytes(b""), "", line=False, says="empty"),
    Case("fields-only-comments", F, write_bytes(b"# nothing here\n"), "", line=False),
    # Bytes that are not UTF-8, in a comment at the end (the message gives line and byte).
    Case("fields-non-utf8", F, append_bytes(b"# caf\xe9\n"), "", says="UTF-8"),
    Case("fields-directory-in-place", F, make_directory, "", line=False, says="directory"),
    Case("fields-10-megabytes", F, pad_to_ten_megabytes, "", line=False, says="bytes"),
    Case("fields-alias-bomb", F, alias_bomb_under("version: 1"), "", line=False, says="alias"),
    Case("fields-top-level-list", F, write_bytes(b"- Lead\n- Task\n"), "", says="mapping"),
    Case("fields-unknown-top-key", F, replace("objects:", "objetcs:"), "objetcs"),
    Case("fields-unknown-object-key", F, replace("    pull:", "    pul:"), "objects.Lead"),
    Case(
        "fields-duplicate-object",
        F,
        replace("  Holiday:\n", "  Lead:\n    pull: {Id: id}\n  Holiday:\n"),
        "objects.Lead",
        says="duplicate",
    ),
    Case(
        "fields-duplicate-pull-field",
        F,
        replace("      Email: email\n", "      Email: email\n      Email: email\n"),
        "objects.Lead.pull.Email",
        says="duplicate",
    ),
    Case(
        "fields-pull-wrong-type",
        F,
        replace("  User:\n    pull:\n", "  User:\n    pull: [Id, Name]\n    old_pull:\n"),
        "objects.User",
    ),
    Case("fields-version-wrong-type", F, replace("version: 1", 'version: "one"'), "version"),
    Case(
        "fields-where-unclosed-quote",
        F,
        replace("where: \"Type = 'Queue'\"", 'where: "Type = \'Queue"'),
        "objects.Group.where",
        says="quote",
    ),
    Case(
        "fields-where-unbalanced-parens",
        F,
        replace("where: \"Type = 'Queue'\"", "where: \"(Type = 'Queue'\""),
        "objects.Group.where",
        says="parenthes",
    ),
    Case(
        "fields-where-invalid-token",
        F,
        replace("where: \"Type = 'Queue'\"", "where: \"Type == 'Queue'; DELETE\""),
        "objects.Group.where",
    ),
    Case(
        "fields-where-injects-a-clause",
        F,
        replace("where: \"Type = 'Queue'\"", "where: \"Type = 'Queue' LIMIT 5\""),
        "objects.Group.where",
    ),
    Case("fields-where-a-number", F, replace("where: \"Type = 'Queue'\"", "where: 5"), "objects"),
    Case(
        "fields-missing-writeback-section",
        F,
        replace("    writeback:", "    written:"),
        "objects.Lead",
    ),
    Case("fields-missing-required-id", F, replace("      Id: id\n", ""), "objects.Lead.pull"),
    Case(
        "fields-boolean-key",
        F,
        replace("      Title: title\n", "      yes: title\n"),
        "objects.Lead.pull.yes",
        says="quotes",
    ),
    Case(
        "fields-unknown-daemon-owned-output",
        F,
        replace("daemon_owned: [score,", "daemon_owned: [scroe,"),
        "objects.Lead.daemon_owned",
    ),
    Case("fields-unknown-object", F, replace("  Campaign:\n", "  Campain:\n"), "objects.Campain"),
    # --- policy.yaml -----------------------------------------------------------------------
    Case("policy-yaml-syntax", P, replace("  max_fit: 100", "  max_fit: [100"), "", says="YAML"),
    Case("policy-non-utf8", P, append_bytes(b"# na\xefve \xff\n"), "", says="UTF-8"),
    Case("policy-directory-in-place", P, make_directory, "", line=False, says="directory"),
    Case("policy-empty-file", P, write_bytes(b""), "", line=False, says="empty"),
    Case("policy-10-megabytes", P, pad_to_ten_megabytes, "", line=False, says="bytes"),
    Case(
        "policy-alias-bomb",
        P,
        alias_bomb_under('version: "2026.11-default"'),
        "",
        line=False,
        says="alias",
    ),
    Case(
        "policy-duplicate-inbound-pool",
        P,
        replace("    emea:\n", "    inbound:\n      members: [{user: x@example.com}]\n    emea:\n"),
        "routing.pools.inbound",
        says="duplicate",
    ),
    Case(
        "policy-duplicate-section",
        P,
        replace("# --- Recycle", "sla: {}\n# --- Recycle"),
        "sla",
        says="duplicate",
    ),
    Case(
        "policy-regex-does-not-compile",
        P,
        replace('regex: "(?i)\\\\b(ceo|cto', 'regex: "(?i)\\\\b((ceo|cto'),
        "scoring.fit[0]",
    ),
    Case("policy-negative-cap", P, replace("      cap: 30\n", "      cap: -30\n"), "scoring"),
    Case(
        "policy-weight-wrong-type",
        P,
        replace("weight: 2}", "weight: two}"),
        "routing.pools.inbound.members[0]",
    ),
    Case(
        "policy-negative-daily-cap",
        P,
        replace("daily_cap: 25", "daily_cap: -25"),
        "routing.pools.inbound",
    ),
    Case(
        "policy-unknown-field",
        P,
        replace("{field: industry, in:", "{field: industri, in:"),
        "scoring.fit",
    ),
    Case("policy-missing-routing", P, replace("routing:\n  timezone", "routin:\n  timezone"), ""),
    Case("policy-unknown-section", P, replace("hygiene:\n", "hygeine:\n"), "hygeine"),
    Case("policy-min-score-text", P, replace("min_score: 60", "min_score: high"), "lifecycle"),
    Case("policy-version-mapping", P, replace('version: "2026.11-default"', "version: {a: 1}"), ""),
    Case("policy-bad-duration", P, replace("window: 10d", "window: 10 days"), "sla.touches"),
    Case(
        "policy-unknown-timezone",
        P,
        replace("timezone: America/New_York", "timezone: Mars/Base"),
        "routing",
    ),
    Case("policy-unknown-grade", P, replace("by_grade: {A: 1h,", "by_grade: {Z: 1h,"), "sla"),
    Case("policy-top-level-text", P, write_bytes(b"just a sentence\n"), "", says="mapping"),
    Case(
        "policy-bad-placeholder",
        P,
        replace('"Score {score} (grade', '"Score {scroe} (grade'),
        "alerts.handoff_description",
    ),
]


BY_ID = {c.id: c for c in CASES}


def broken_copy(tmp_path: Path, case: Case) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, folder)
    case.edit(folder / case.file)
    return folder


def assert_named(problems: list[Problem] | tuple[Problem, ...], case: Case) -> Problem:
    """One of the problems is in the case's file, at its path, with a line where expected."""
    assert problems, "no problem reported"
    mine = [p for p in problems if p.file == case.file and p.path.startswith(case.path)]
    assert mine, [p.render() for p in problems]
    fitting = [
        p
        for p in mine
        if (p.line is not None or not case.line) and case.says.lower() in p.message.lower()
    ]
    assert fitting, [p.render() for p in mine]
    return fitting[0]


@functools.cache
def expected_problem(case_id: str) -> Problem:
    """The loader's problem for a case (computed once; the commands must print it)."""
    case = BY_ID[case_id]
    with tempfile.TemporaryDirectory() as tmp:
        return assert_named(read_config(broken_copy(Path(tmp), case))[1], case)


@functools.cache
def good_config() -> Config:
    return load_config(MAPPINGS)


def assert_printed(output: str, problem: Problem) -> None:
    assert "Traceback" not in output
    assert problem.file in output
    assert problem.path in output
    assert problem.message in output
    if problem.line is not None:
        assert f"line {problem.line}" in output


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_loader_names_file_path_and_line(case: Case, tmp_path: Path) -> None:
    folder = broken_copy(tmp_path, case)
    config, problems = read_config(folder)
    assert config is None
    assert_named(problems, case)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI configures structlog for its process; put the test defaults back after."""
    yield
    structlog.reset_defaults()


def cli_env(tmp_path: Path, folder: Path) -> dict[str, str]:
    return {
        "SYNCD_MAPPINGS_DIR": str(folder),
        "SYNCD_DATABASE_URL": f"sqlite:///{tmp_path / 'mirror.db'}",
        # An address nothing listens on: the files must be refused before any call.
        "SYNCD_SF_INSTANCE_URL": "https://127.0.0.1:9",
        "SYNCD_SF_ACCESS_TOKEN": "00Dfake!token",
        "SYNCD_LOG_FORMAT": "console",
    }


@pytest.mark.parametrize(
    "command", [["check", "--offline"], ["sync", "--once"]], ids=["check", "sync"]
)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.usefixtures("restore_logging")
def test_check_and_sync_refuse_it_with_exit_2(
    case: Case, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = broken_copy(tmp_path, case)
    for key, value in cli_env(tmp_path, folder).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, command)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert isinstance(result.exception, SystemExit), output
    assert result.exit_code == 2, output
    assert_printed(output, expected_problem(case.id))
    # Refused before anything else: no mirror was created, no call made.
    assert not (tmp_path / "mirror.db").exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_daemon_keeps_its_last_good_config(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, folder)
    good = good_config()
    watcher = ConfigWatcher(folder, good)
    case.edit(folder / case.file)
    assert watcher.current() is good
    rejected = watcher.rejected
    assert rejected is not None
    assert expected_problem(case.id).render() in rejected.problems


def test_an_alias_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    """A billion laughs expands to 387 million values: refused after a bounded count (both
    files share the reader; the policy's bomb is refused alike in the cases above)."""
    case = BY_ID["fields-alias-bomb"]
    folder = broken_copy(tmp_path, case)
    started = time.perf_counter()
    assert read_config(folder)[0] is None
    assert time.perf_counter() - started < 5
    tracemalloc.start()
    try:
        config, problems = read_config(folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert config is None
    assert_named(problems, case)
    assert peak < 100 * 1024 * 1024


def test_as_processes_check_and_sync_exit_2(tmp_path: Path) -> None:
    """Two the issue found broken (an alias bomb ran out of memory, a directory in place of
    policy.yaml gave a traceback), as real processes (python -m syncd), both at once."""
    folder = broken_copy(tmp_path, BY_ID["fields-alias-bomb"])
    BY_ID["policy-directory-in-place"].edit(folder / POLICY_FILE)
    env = cli_env(tmp_path, folder)
    with ThreadPoolExecutor(2) as pool:
        runs = list(
            pool.map(
                lambda args: run_syncd(*args, env=env, cwd=tmp_path),
                [("check", "--offline"), ("sync", "--once")],
            )
        )
    for run in runs:
        output = run.stdout + run.stderr
        assert run.returncode == 2, output
        assert "fields.yaml" in output
        assert "alias" in output
        assert "policy.yaml" in output
        assert "is a directory" in output
        assert "Traceback" not in output
