"""Whole citizen reports in one call, for tests about what happens after Submit."""

from __future__ import annotations

import datetime as dt

from child_report_bot import i18n
from child_report_bot.domain.clock import FixedClock
from child_report_bot.domain.report_draft import MAX_PHOTOS
from tests.support.chat import Person, text_of

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))
AZADI = (35.6997, 51.3380)          # Azadi square, Tehran
QOM_SHRINE = (34.6416, 50.8789)     # the shrine in Qom
QOM_BRIDGE = (34.6460, 50.8850)     # a bridge nearby


def tehran_time(hour: int, minute: int = 0) -> dt.datetime:
    """A moment on 2026-11-22 at this Tehran wall-clock time, as the bot's clock would give it."""
    return dt.datetime(2026, 11, 22, hour, minute, tzinfo=TEHRAN).astimezone(dt.UTC)


def set_clock(bot, hour: int, minute: int = 0) -> None:
    """Route the next reports as if it were this Tehran time (the intake's clock stands there)."""
    bot.services.intake.clock = FixedClock(tehran_time(hour, minute))


async def file_report(person: Person, *, danger: bool = False, activity: str = "flowers",
                      age: str = "6to12", count: str = "1", pin: tuple[float, float] | None = AZADI,
                      address: str | None = None, photos: int = 1,
                      description: str | None = None, contact: str = "anonymous",
                      other_text: str = "shining shoes") -> str:
    """From /report to Submit; returns the report's code from the bot's confirmation."""
    await person.send("text", "/report", expect="report.ask_danger")
    await person.press("v1:rep:danger:" + ("yes" if danger else "no"),
                       expect="report.ask_activity")
    if activity == "other":
        await person.press("v1:rep:act:other", expect="report.ask_activity_other")
        await person.send("text", other_text, expect="report.ask_age")
    else:
        await person.press(f"v1:rep:act:{activity}", expect="report.ask_age")
    await person.press(f"v1:rep:age:{age}", expect="report.ask_count")
    await person.send("text", count, expect="report.ask_location")
    if address is not None:
        await person.send("text", address, expect="report.confirm_address")
        await person.press("v1:rep:addr:yes", expect="report.ask_photos")
    else:
        await person.send("location", *pin, expect="report.ask_photos")
    if photos:
        for _ in range(photos - 1):
            await person.send("photo", expect="report.photos_so_far")
        if photos == MAX_PHOTOS:  # the last one allowed moves straight on
            await person.send("photo", expect="report.ask_description")
        else:
            await person.send("photo", expect="report.photos_so_far")
            await person.press("v1:rep:photos:done", expect="report.ask_description")
    else:
        await person.press("v1:rep:photos:skip", expect="report.ask_description")
    if description is None:
        await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    else:
        await person.send("text", description, expect="report.ask_contact")
    await person.press(f"v1:rep:contact:{contact}", expect="summary.title")
    received = await person.press("v1:rep:submit", expect="report.received")
    person.last_received = text_of(received)
    return received.params["text"].split("<code>")[1].split("</code>")[0]


def label(person: Person, key: str) -> str:
    return i18n.plain(person.language, key)
