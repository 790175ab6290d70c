"""Entry point: settings → one ApplicationBuilder chain → services and handlers → run.

    BOT_TOKEN=123:abc python -m child_report_bot

A configuration problem prints one line naming the setting and exits with status 2.
"""

from __future__ import annotations

import logging
import sys

from geopy.geocoders.base import Geocoder
from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from child_report_bot import handlers, i18n, jobs
from child_report_bot.context import BotContext, Services
from child_report_bot.domain.languages import DEFAULT_LANGUAGE, LANGUAGES
from child_report_bot.settings import ConfigError, Settings, load_settings
from child_report_bot.storage.db import Database
from child_report_bot.storage.persistence import DraftPersistence
from child_report_bot.handlers.concurrency import PerChatUpdates
from child_report_bot.wiring import CONFIGURED, build_services

logger = logging.getLogger("bot")

COMMANDS = ("report", "myreports", "numbers", "language", "volunteer", "help", "cancel")


async def on_startup(application: Application) -> None:
    """Open the database, tell Telegram the command list in each language, start the sender."""
    services: Services = application.bot_data["services"]
    await services.db.connect()
    for language in LANGUAGES:
        commands = [BotCommand(name, i18n.plain(language, f"command.{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, language_code=None if language == DEFAULT_LANGUAGE else language
        )
    jobs.schedule(application)
    services.sender.start()  # whatever a crash left in the outbox goes out first
    logger.info("bot @%s is up", application.bot.username)


async def on_stop(application: Application) -> None:
    """Stop sending before the HTTP client and the database go away."""
    await application.bot_data["services"].sender.stop()


async def on_shutdown(application: Application) -> None:
    """Close the database."""
    await application.bot_data["services"].db.close()


def build_application(settings: Settings,
                      geocoder: Geocoder | None | str = CONFIGURED) -> Application:
    """The whole bot, ready to ``run_polling`` (or to start by hand in tests).

    ``geocoder``: a geopy geocoder to use instead of the configured one (tests pass a fake).
    """
    i18n.compile_catalogs()
    db = Database(settings.database)
    application = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .proxy(settings.proxy)  # None: no proxy
        .get_updates_proxy(settings.proxy)
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .persistence(DraftPersistence(db))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(PerChatUpdates())  # one busy chat delays only itself (issue 13)
        .post_init(on_startup)
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
        .build()
    )
    application.bot_data["services"] = build_services(settings, db, application.bot, geocoder)
    handlers.register(application)
    return application


def main() -> int:
    """Load settings, build the bot and poll until stopped."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(  # stdout only: the service manager or Docker rotates it (README)
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=settings.log_level,
        stream=sys.stdout)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the token
    build_application(settings).run_polling(allowed_updates=["message", "edited_message",
                                                             "callback_query"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
