"""Entry point: settings → one ApplicationBuilder chain → services and handlers → run.

    BOT_TOKEN=123:abc python -m child_report_bot

A configuration problem prints one line naming the setting and exits with status 2; a start-up
check that fails (``ops.startup``) prints one line and exits 2 (a wrong setting) or 3 (a service
that cannot be reached), within ``startup_timeout_seconds``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from geopy.geocoders.base import Geocoder
from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)

from child_report_bot import handlers, i18n, jobs
from child_report_bot.context import BotContext, Services
from child_report_bot.delivery.limiter import ChatRateLimiter, limits_of
from child_report_bot.domain.languages import DEFAULT_LANGUAGE, LANGUAGES
from child_report_bot.handlers import held_notices
from child_report_bot.handlers.concurrency import PerChatUpdates
from child_report_bot.metrics import HANDLER_SECONDS, UPDATES
from child_report_bot.ops import journal
from child_report_bot.ops.health import HealthServer
from child_report_bot.ops.journal import (AnswerRequest, JournalApplication, JournalQueue,
                                          JournalRequest)
from child_report_bot.ops.logs import configure_logging, redact
from child_report_bot.ops.startup import (
    Deadline,
    StartupFailure,
    check_database,
    lock_instance,
    prepare_folder,
    reach_bot_api,
    retry_transient,
)
from child_report_bot.settings import ConfigError, Settings, load_settings, unknown_environment
from child_report_bot.storage.db import Database
from child_report_bot.storage.persistence import DraftPersistence
from child_report_bot.wiring import CONFIGURED, build_services

logger = logging.getLogger("bot")

COMMANDS = ("report", "myreports", "numbers", "language", "volunteer", "privacy", "delete", "help",
            "cancel")


class CountedUpdates(PerChatUpdates):
    """Chats handled side by side, each chat's updates in order; each counted and timed for
    ``/metrics``."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async def counted() -> None:
            with HANDLER_SECONDS.time():
                await coroutine
            UPDATES.inc()
        await super().do_process_update(update, counted())


async def on_startup(application: Application) -> None:
    """Open the database, tell Telegram the command list in each language, start the sender."""
    services: Services = application.bot_data["services"]
    deadline = application.bot_data.get("startup_deadline") or Deadline(
        services.settings.startup_timeout_seconds)
    await services.db.connect()
    await journal.replay(application)  # handled first, once the application starts
    for language in LANGUAGES:
        commands = [BotCommand(name, i18n.plain(language, f"command.{name}")) for name in COMMANDS]
        code = None if language == DEFAULT_LANGUAGE else language
        try:  # a 5xx or a dropped connection at start is no reason to die (issue 13)
            await retry_transient(
                lambda c=commands, lc=code: application.bot.set_my_commands(c, language_code=lc),
                deadline)
        except (TelegramError, asyncio.TimeoutError) as exc:
            raise StartupFailure("BOT_API_URL", "setMyCommands kept failing: "
                                 f"{getattr(exc, 'message', 'no answer')}", 3) from None
    jobs.schedule(application)
    if services.settings.health_port is not None:
        health = HealthServer(services.db, services.settings.health_port,
                              services.settings.health_stale_seconds)
        await health.start()
        application.bot_data["health"] = health
        if services.settings.webhook_url is not None:
            # Polling shows every few seconds that the Bot API answers; a webhook makes no
            # call of its own, so /healthz would go stale on a quiet day without this.
            application.job_queue.run_repeating(
                ping_bot_api, interval=max(5.0, services.settings.health_stale_seconds / 4),
                first=1, name="bot-api-ping")
    services.sender.start()  # whatever a crash left in the outbox goes out first
    logger.info("bot @%s is up", application.bot.username)


async def ping_bot_api(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask the Bot API something cheap; ``WatchedRequest`` notes the answer for /healthz."""
    try:
        await context.bot.get_me()
    except TelegramError as exc:  # an outage: /healthz turns 503 once it lasts
        logger.debug("Bot API ping failed: %s", exc.message)


async def on_stop(application: Application) -> None:
    """Stop sending (and answering health checks) before the HTTP client and database go."""
    await application.bot_data["services"].sender.stop()
    if "health" in application.bot_data:
        await application.bot_data.pop("health").stop()


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
        # PTB's own client and pool sizes, noting when the Bot API last answered (/healthz)
        # and which update's answers it did not take (handled again: ops/journal.py).
        .request(AnswerRequest(connection_pool_size=256, proxy=settings.proxy))
        # getUpdates' client writes each answer's updates to the journal before PTB reads them.
        .get_updates_request(JournalRequest(db, connection_pool_size=1, proxy=settings.proxy))
        .update_queue(JournalQueue(db, journal_puts=settings.webhook_url is not None))
        .application_class(JournalApplication)
        .concurrent_updates(CountedUpdates())
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True),
                           protect_content=settings.privacy.protect_content))
        .context_types(ContextTypes(context=BotContext))
        .persistence(DraftPersistence(db))
        .rate_limiter(ChatRateLimiter(limits_of(settings.delivery), max_retries=3))
        .post_init(on_startup)
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
        .build()
    )
    application.bot_data["services"] = build_services(settings, db, application.bot, geocoder)
    handlers.register(application)
    application.add_handler(held_notices.handler(), group=-10)  # before every other group
    return application


def check_before_start(settings: Settings, deadline: Deadline) -> object:
    """The database's folder, the instance lock, then the file itself; returns the held lock."""
    prepare_folder(settings.database)
    lock = lock_instance(settings.database)
    check_database(settings.database, deadline)
    return lock


ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
BOOTSTRAP_RETRIES = 5  # deleteWebhook / setWebhook at start, with PTB's growing pauses


def webhook_secret(settings: Settings, token: str) -> str:
    """``BOT_WEBHOOK_SECRET``, or one derived from the token (the same after every restart)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return hashlib.sha256(b"child-report-bot webhook:" + token.encode()).hexdigest()


def run(application: Application, settings: Settings, token: str) -> None:
    """Poll, or listen for Telegram's POSTs when ``BOT_WEBHOOK_URL`` is set (PTB, tornado)."""
    if settings.webhook_url is None:
        # PTB's default is no retry of deleteWebhook at start: one dropped connection ended it.
        application.run_polling(allowed_updates=ALLOWED_UPDATES,
                                bootstrap_retries=BOOTSTRAP_RETRIES)
        return
    path = urlsplit(settings.webhook_url).path.strip("/")
    logger.info("webhook mode: listening on %s:%s/%s", settings.webhook_listen,
                settings.webhook_port, path)
    # PTB's server answers 403 to a request without the right secret header and handles nothing.
    application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                            url_path=path, webhook_url=settings.webhook_url,
                            secret_token=webhook_secret(settings, token),
                            allowed_updates=ALLOWED_UPDATES,
                            bootstrap_retries=BOOTSTRAP_RETRIES)


def main() -> int:
    """Load settings, check what the bot needs, and poll until stopped."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    token = settings.token.get_secret_value()
    configure_logging(settings.log_level, settings.log_format, token)
    for name, closest in unknown_environment(os.environ):
        logger.warning("%s is not a setting and is ignored%s", name,
                       f"; did you mean {closest}?" if closest else "")
    deadline = Deadline(settings.startup_timeout_seconds)
    try:
        lock = check_before_start(settings, deadline)  # held until the process ends
        application = build_application(settings)
        application.bot_data["startup_deadline"] = deadline
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # run_polling below uses this same loop
        loop.run_until_complete(reach_bot_api(application.bot, deadline, settings.api_url,
                                              settings.proxy, token))
        run(application, settings, token)
    except StartupFailure as exc:
        print(redact(f"start-up failed: {exc}", token), file=sys.stderr)
        return exc.status
    except Exception as exc:  # noqa: BLE001 (one line, never a traceback that could hold the token)
        print(redact(f"the bot stopped: {type(exc).__name__}: {exc}", token), file=sys.stderr)
        return 1
    del lock
    return 0


if __name__ == "__main__":
    sys.exit(main())
