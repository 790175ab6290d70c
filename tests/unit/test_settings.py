"""Settings: TOML plus environment, and one clear line with exit status 2 when something is off."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from child_report_bot.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


ONE_QUEUE = '\n[[queues]]\nid = "ngo"\nname_fa = "ان‌جی‌او"\nname_en = "NGO"\n'


def env(tmp_path, text="", **values):
    config = tmp_path / "config.toml"
    config.write_text(text + ONE_QUEUE, encoding="utf-8")
    return {"BOT_CONFIG": str(config), **values}


def test_environment_overrides_the_file(tmp_path):
    settings = load_settings(env(tmp_path, 'database = "from-file.db"\nadmins = [1]\n',
                                 BOT_TOKEN="1:abc", BOT_DATABASE="from-env.db",
                                 BOT_ADMINS="5, 6", BOT_API_URL="http://127.0.0.1:9/bot",
                                 BOT_FILE_URL="http://127.0.0.1:9/file/bot",
                                 BOT_PROXY="socks5://127.0.0.1:1080"))
    assert str(settings.database) == "from-env.db"
    assert settings.admins == (5, 6)
    assert settings.api_url == "http://127.0.0.1:9/bot"
    assert settings.proxy == "socks5://127.0.0.1:1080"
    assert settings.token.get_secret_value() == "1:abc"


def test_a_config_without_queues_is_refused(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="at least one queue"):
        load_settings({"BOT_CONFIG": str(config), "BOT_TOKEN": "1:a"})


def test_the_shipped_config_loads():
    settings = load_settings({"BOT_TOKEN": "1:abc"})
    assert settings.default_language == "fa"


def test_a_token_in_the_file_is_ignored(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, 'token = "1:leaked"\n'))
    assert caught.value.setting == "BOT_TOKEN"


@pytest.mark.parametrize("text,values,setting", [
    ("", {}, "BOT_TOKEN"),
    ("", {"BOT_TOKEN": "1:a", "BOT_ADMINS": "12,abc"}, "BOT_ADMINS"),
    ("", {"BOT_TOKEN": "1:a", "BOT_API_URL": "api.telegram.org"}, "BOT_API_URL"),
    ("", {"BOT_TOKEN": "1:a", "BOT_DEFAULT_LANGUAGE": "de"}, "BOT_DEFAULT_LANGUAGE"),
    ("report_timeout_minutes = -3\n", {"BOT_TOKEN": "1:a"}, "BOT_REPORT_TIMEOUT_MINUTES"),
    ("not toml [[[", {"BOT_TOKEN": "1:a"}, "BOT_CONFIG"),
    ("colour = 'red'\n", {"BOT_TOKEN": "1:a"}, "BOT_CONFIG"),
])
def test_bad_settings_name_the_setting(tmp_path, text, values, setting):
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, text, **values))
    assert caught.value.setting == setting


def run_bot(extra_env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    environment.update(extra_env)
    return subprocess.run([sys.executable, "-m", "child_report_bot"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("extra,setting", [
    ({}, "BOT_TOKEN"),
    ({"BOT_TOKEN": "1:a", "BOT_CONFIG": "/nonexistent/config.toml"}, "BOT_CONFIG"),
    ({"BOT_TOKEN": "1:a", "BOT_ADMINS": "x"}, "BOT_ADMINS"),
])
def test_bot_exits_2_with_one_line_and_no_traceback(extra, setting):
    result = run_bot(extra)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and "Traceback" not in result.stderr
