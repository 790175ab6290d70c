"""Shared fixtures: a Bot API emulator on loopback and the real bot polling it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from child_report_bot import i18n
from child_report_bot.bot import build_application
from child_report_bot.settings import load_settings
from child_report_bot.storage.db import Database
from tests.support.emulator import BotAPIEmulator
from tests.support.fake_geocoder import FakeGeocoder

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token-for-the-emulator"


def pytest_configure(config):
    """Compile the catalogs as the bot does at start, so a test never reads a stale ``.mo``."""
    i18n.compile_catalogs()


@pytest.fixture
async def db(tmp_path):
    """A real, migrated SQLite file for storage-level tests."""
    database = Database(tmp_path / "bot.sqlite3")
    await database.connect()
    yield database
    await database.close()


@pytest.fixture
def emu():
    """A fresh, strict Bot API emulator for one test.

    The test fails if the bot passed a method a parameter it does not take (Telegram would
    ignore it silently) or HTML that Telegram shows literally, unless the test called
    ``emu.allow_unsupported()``.
    """
    emulator = BotAPIEmulator()
    emulator.start()
    yield emulator
    emulator.stop()
    if emulator.unsupported and not emulator.unsupported_allowed:
        pytest.fail("the bot sent what Telegram ignores or shows literally:\n  "
                    + "\n  ".join(dict.fromkeys(emulator.unsupported)), pytrace=False)


def bot_settings(emu, tmp_path, **overrides):
    environ = {"BOT_TOKEN": TOKEN, "BOT_CONFIG": str(ROOT / "config.toml")}
    values = {"database": tmp_path / "bot.sqlite3", "api_url": emu.base_url,
              "file_url": emu.file_base_url,
              # Most tests file many reports at one crossroads: each must be posted on its
              # own. The repeat-sighting tests switch linking on.
              "sightings": {"link_nearby": False},
              # Test people answer at machine speed; the bot's pacing of a citizen's chat
              # (a burst, then one a second) is the subject of tests that say so.
              "delivery": {"per_chat_burst": 1000}}
    values.update(overrides)
    return load_settings(environ, **values)


def offline_config(tmp_path) -> Path:
    """The shipped config.toml with address lookups switched off, for a bot run as a process."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace("# enabled = true", "enabled = false"), encoding="utf-8")
    return path


class RunningBot:
    """The application started by hand exactly as ``run_polling`` would, minus signals.

    It never reaches the network: the Bot API is the emulator and the geocoder a fake.
    """

    def __init__(self, settings, geocoder=None):
        self.settings = settings
        self.geocoder = geocoder if geocoder is not None else FakeGeocoder()
        self.app = build_application(settings, geocoder=self.geocoder)

    @property
    def services(self):
        return self.app.bot_data["services"]

    async def start(self):
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self

    async def stop(self):
        """The same order as PTB's run_polling on the way out."""
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        if self.app.post_stop:
            await self.app.post_stop(self.app)
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)

    def rows(self, sql, params=()):
        """Read the database file directly, as an operator would."""
        with sqlite3.connect(self.settings.database) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, params).fetchall()


@pytest.fixture
async def bot(emu, tmp_path):
    """The bot, running against ``emu`` with a database file in ``tmp_path``."""
    running = await RunningBot(bot_settings(emu, tmp_path)).start()
    yield running
    await running.stop()
