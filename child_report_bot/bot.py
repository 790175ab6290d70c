"""Entry point: settings → one ApplicationBuilder chain → handlers → run.

    BOT_TOKEN=123:abc python -m child_report_bot

A configuration problem prints one line naming the setting and exits with status 2.
"""

from __future__ import annotations

import logging
import sys

from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from child_report_bot import handlers
from child_report_bot import i18n
from child_report_bot import jobs
from child_report_bot.context import BotContext, Services
from child_report_bot.delivery.alerts import DeliveryFailures, RefusalAlerts
from child_report_bot.delivery.render import Renderer
from child_report_bot.delivery.sender import OutboxSender
from child_report_bot.services.geocoding import AddressLocator
from child_report_bot.services.fieldwork import Fieldwork
from child_report_bot.services.volunteers import Volunteers
from child_report_bot.services.intake import ReportIntake
from child_report_bot.services.casework import Triage
from child_report_bot.settings import ConfigError, Settings, load_settings
from child_report_bot.storage.db import Database
from child_report_bot.storage.persistence import DraftPersistence
from child_report_bot.storage.queues import queue_chats

logger = logging.getLogger("bot")

COMMANDS = ("report", "myreports", "numbers", "language", "volunteer", "help", "cancel")


async def on_startup(application: Application) -> None:
    """Open the database, tell Telegram the command list in each language, start the sender."""
    services: Services = application.bot_data["services"]
    await services.db.connect()
    for language in i18n.LANGUAGES:
        commands = [BotCommand(name, i18n.plain(language, f"command.{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, language_code=None if language == i18n.DEFAULT_LANGUAGE else language
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


def default_geocoder(settings: Settings) -> Geocoder | None:
    """Nominatim as configured, or ``None`` when looking addresses up is switched off."""
    options = settings.geocoding
    if not options.enabled:
        return None
    extra = {}
    if settings.proxy and settings.proxy.startswith("http"):  # geopy's urllib speaks HTTP only
        extra["proxies"] = settings.proxy
    return Nominatim(user_agent=options.user_agent, domain=options.domain,
                     timeout=options.timeout_seconds, **extra)


def build_application(settings: Settings, geocoder: Geocoder | None | str = "default") -> Application:
    """The whole bot, ready to ``run_polling`` (or to start by hand in tests).

    ``geocoder``: a geopy geocoder to use instead of the configured one (tests pass a fake).
    """
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
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
    )
    if settings.proxy:
        builder = builder.proxy(settings.proxy).get_updates_proxy(settings.proxy)
    application = builder.build()
    routing = settings.routing_config

    async def chats() -> dict[str, int]:
        return await queue_chats(db, routing.queues)

    renderer = Renderer(application.bot, db, routing, settings.delivery.staff_language,
                        settings.default_language, settings.delivery.send_timeout_seconds)
    sender = OutboxSender(db, renderer, chats, config_chats={
        queue.id: queue.chat_id for queue in routing.queues if queue.chat_id is not None})
    if geocoder == "default":
        geocoder = default_geocoder(settings)
    locator = AddressLocator(geocoder, db, timeout=settings.geocoding.timeout_seconds,
                             country_codes=settings.geocoding.country_codes or None)
    intake = ReportIntake(db, routing, locator, chats, settings.admins, sender.wake)
    triage = Triage(db, routing, settings.admins, sender.wake)
    volunteers = Volunteers(db, settings.admins, sender.wake)
    fieldwork = Fieldwork(db, triage, volunteers, settings.volunteers.answer_minutes,
                          sender.wake)
    sender.on_failure = DeliveryFailures(
        RefusalAlerts(db, settings.admins, sender.wake), fieldwork)
    application.bot_data["services"] = Services(settings=settings, db=db, intake=intake,
                                                sender=sender, triage=triage,
                                                fieldwork=fieldwork, volunteers=volunteers)
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
