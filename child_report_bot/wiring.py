"""The services the handlers share, built once from the settings and the application's bot."""

from __future__ import annotations

import functools

from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from telegram import Bot

from child_report_bot.context import Services
from child_report_bot.delivery.alerts import DeliveryFailures, RefusalAlerts
from child_report_bot.delivery.render import Renderer
from child_report_bot.delivery.digest import Digests
from child_report_bot.delivery.sender import OutboxSender
from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.handlers.storage_faults import NOTICES, FaultAlerts
from child_report_bot.services.casework import Triage
from child_report_bot.services.fieldwork import Fieldwork
from child_report_bot.services.geocoding import AddressLocator
from child_report_bot.services.intake import ReportIntake
from child_report_bot.domain.relay import RelayLimits
from child_report_bot.services.relay import Relay
from child_report_bot.services.sightings import Sightings
from child_report_bot.services.volunteers import Volunteers
from child_report_bot.settings import Settings
from child_report_bot.storage.db import Database
from child_report_bot.storage.queues import queue_chats

CONFIGURED = "configured"  # ``geocoder=`` left as is: Nominatim as the settings say


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


def build_services(settings: Settings, db: Database, bot: Bot,
                   geocoder: Geocoder | None | str = CONFIGURED,
                   clock: Clock = system_clock) -> Services:
    """Every service, connected: the outbox sender, its failure hooks, intake, triage, fieldwork.

    ``geocoder``: a geopy geocoder to use instead of the configured one (tests pass a fake).
    """
    routing = settings.routing_config
    chats = functools.partial(queue_chats, db, routing.queues)
    renderer = Renderer(bot, db, routing, settings.delivery.staff_language,
                        settings.default_language, settings.delivery.send_timeout_seconds)
    sender = OutboxSender(db, renderer, chats, config_chats={
        queue.id: queue.chat_id for queue in routing.queues if queue.chat_id is not None},
        budget=getattr(getattr(bot, "rate_limiter", None), "budget", None), clock=clock,
        admins=settings.admins)
    sender.digests = renderer.digests = Digests(
        renderer, sender.budget, settings.delivery.digest_after_seconds, clock,
        settings.delivery.digest_mode)
    if geocoder == CONFIGURED:
        geocoder = default_geocoder(settings)
    locator = AddressLocator(geocoder, db, timeout=settings.geocoding.timeout_seconds,
                             country_codes=settings.geocoding.country_codes or None, clock=clock)
    sightings = Sightings(db, settings.sightings, settings.admins, sender.wake, clock)
    intake = ReportIntake(db, routing, locator, chats, settings.admins, sender.wake, clock,
                          settings.privacy, sightings=sightings)
    relay = Relay(db, RelayLimits(settings.relay.max_open_questions,
                                  settings.relay.max_questions_per_hour,
                                  settings.relay.max_length), settings.admins, sender.wake, clock)
    triage = Triage(db, routing, settings.admins, sender.wake, clock)
    volunteers = Volunteers(db, settings.admins, sender.wake,
                            approver_queues=settings.privacy.volunteer_approver_queues)
    fieldwork = Fieldwork(db, triage, volunteers, settings.volunteers.answer_minutes,
                          sender.wake, clock)
    # The hooks need the services the sender is built before, so they are set last.
    sender.on_failure = DeliveryFailures(
        RefusalAlerts(db, settings.admins, sender.wake, clock), fieldwork)
    NOTICES.attach(FaultAlerts(db, settings.admins, sender.wake, routing.zone, clock))
    return Services(settings=settings, db=db, intake=intake, sender=sender, triage=triage,
                    fieldwork=fieldwork, volunteers=volunteers, relay=relay,
                    sightings=sightings)
