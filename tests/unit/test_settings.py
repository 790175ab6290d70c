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


def test_operations_settings_have_their_defaults(tmp_path):
    settings = load_settings(env(tmp_path, BOT_TOKEN="1:a"))
    assert settings.startup_timeout_seconds == 30 and settings.health_port is None
    assert settings.health_stale_seconds == 120 and settings.log_format == "text"
    assert settings.webhook_url is None and settings.webhook_port == 8443
    assert settings.webhook_listen == "0.0.0.0" and settings.webhook_secret is None


@pytest.mark.parametrize("values,setting", [
    ({"BOT_PROXY": "socks4://127.0.0.1:1080"}, "BOT_PROXY"),
    ({"BOT_LOG_FORMAT": "xml"}, "BOT_LOG_FORMAT"),
    ({"BOT_HEALTH_PORT": "70000"}, "BOT_HEALTH_PORT"),
    ({"BOT_STARTUP_TIMEOUT_SECONDS": "0"}, "BOT_STARTUP_TIMEOUT_SECONDS"),
    ({"BOT_WEBHOOK_URL": "bot.example.org/hook"}, "BOT_WEBHOOK_URL"),
    ({"BOT_WEBHOOK_SECRET": "has spaces"}, "BOT_WEBHOOK_SECRET"),
])
def test_bad_operations_settings_name_the_setting(tmp_path, values, setting):
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, BOT_TOKEN="1:a", **values))
    assert caught.value.setting == setting


def test_unknown_bot_variables_are_named_with_the_closest_setting():
    from child_report_bot.settings import unknown_environment

    found = unknown_environment({"BOT_LOGLEVEL": "DEBUG", "BOT_TOKEN": "1:a", "HOME": "/",
                                 "BOT_QQ": "1"})
    assert found == [("BOT_LOGLEVEL", "BOT_LOG_LEVEL"), ("BOT_QQ", None)]


def test_the_webhook_secret_is_derived_from_the_token_and_stable(tmp_path):
    from child_report_bot.bot import webhook_secret

    settings = load_settings(env(tmp_path, BOT_TOKEN="1:abc"))
    secret = webhook_secret(settings, "1:abc")
    assert secret == webhook_secret(settings, "1:abc") and "abc" not in secret
    assert len(secret) == 64 and secret != webhook_secret(settings, "1:abd")
