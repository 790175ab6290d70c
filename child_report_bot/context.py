"""The typed ``CallbackContext`` every handler gets: services, the user's language, ``tr``."""

from __future__ import annotations

import dataclasses

from telegram.ext import Application, CallbackContext, ExtBot

from child_report_bot.delivery.sender import OutboxSender
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.languages import DEFAULT_LANGUAGE
from child_report_bot.i18n import Translator
from child_report_bot.services.intake import ReportIntake
from child_report_bot.services.fieldwork import Fieldwork
from child_report_bot.services.volunteers import Volunteers
from child_report_bot.services.casework import Triage
from child_report_bot.services.relay import Relay
from child_report_bot.services.sightings import Sightings
from child_report_bot.settings import Settings
from child_report_bot.storage.db import Database


@dataclasses.dataclass
class Services:
    """What handlers and jobs share; kept in ``application.bot_data["services"]``."""

    settings: Settings
    db: Database
    intake: ReportIntake
    sender: OutboxSender
    triage: Triage
    fieldwork: Fieldwork
    volunteers: Volunteers
    relay: Relay | None = None          # issue 14: ask the reporter
    sightings: Sightings | None = None  # issue 14: repeat sightings

    @property
    def routing(self) -> RoutingConfig:
        return self.settings.routing_config


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Adds ``services``, ``language`` (set once per update in group -1) and ``tr``."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.language: str = DEFAULT_LANGUAGE

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def tr(self) -> Translator:
        return Translator(self.language)
