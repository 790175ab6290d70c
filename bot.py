"""Entry point: settings → one ApplicationBuilder chain → handlers → run.

    BOT_TOKEN=123:abc python bot.py

A configuration problem prints one line naming the setting and exits with status 2.
"""

from __future__ import annotations

import logging
import sys

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
import i18n
import jobs
from context import BotContext, Services
from settings import ConfigError, Settings, load_settings
from storage.db import Database
from storage.persistence import DraftPersistence

logger = logging.getLogger("bot")

COMMANDS = ("report", "myreports", "numbers", "language", "help", "cancel")


async def on_startup(application: Application) -> None:
    """Open the database and tell Telegram the command list in each language."""
    await application.bot_data["services"].db.connect()
    for language in i18n.LANGUAGES:
        commands = [BotCommand(name, i18n.plain(language, f"command.{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, language_code=None if language == i18n.DEFAULT_LANGUAGE else language
        )
    jobs.schedule(application)
    logger.info("bot @%s is up", application.bot.username)


async def on_shutdown(application: Application) -> None:
    """Close the database."""
    await application.bot_data["services"].db.close()


def build_application(settings: Settings) -> Application:
    """The whole bot, ready to ``run_polling`` (or to start by hand in tests)."""
    i18n.compile_catalogs()
    db = Database(settings.database)
    builder = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .persistence(DraftPersistence(db))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    if settings.proxy:
        builder = builder.proxy(settings.proxy).get_updates_proxy(settings.proxy)
    application = builder.build()
    application.bot_data["services"] = Services(settings=settings, db=db)
    handlers.register(application)
    return application


def main() -> int:
    """Load settings, build the bot and poll until stopped."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=settings.log_level
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the token
    build_application(settings).run_polling(allowed_updates=["message", "edited_message",
                                                             "callback_query"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
