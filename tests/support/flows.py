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
    """From /report to Submit; returns the report's code from the bot's confirmation.

    In danger the report is sent once the place is given and no photo is asked for (``photos``
    is ignored); the other answers follow and are added to it."""
    if danger:
        return await file_danger_report(person, activity=activity, age=age, count=count,
                                        pin=pin, address=address, description=description,
                                        contact=contact, other_text=other_text)
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


async def give_place(person: Person, pin: tuple[float, float] | None, address: str | None,
                     expect: str):
    """Answer the location question with a typed address (confirmed) or a pin."""
    if address is not None:
        await person.send("text", address, expect="report.confirm_address")
        return await person.press("v1:rep:addr:yes", expect=expect)
    return await person.send("location", *pin, expect=expect)


async def file_danger_report(person: Person, *, activity: str = "flowers", age: str = "6to12",
                             count: str = "1", pin: tuple[float, float] | None = AZADI,
                             address: str | None = None, description: str | None = None,
                             contact: str = "anonymous", other_text: str = "shining shoes",
                             finish_at: str | None = None) -> str:
    """Danger first: yes, the place (the report goes out), then the optional questions, up to
    ``finish_at`` (a step's name, then "Finish") or to the end; returns the code."""
    await person.send("text", "/report", expect="report.ask_danger")
    await person.press("v1:rep:danger:yes", expect="danger.ask_location")
    sent = await give_place(person, pin, address, expect="danger.sent")
    person.last_received = text_of(sent)
    code = sent.params["text"].split("<code>")[1].split("</code>")[0]
    answers = [
        ("activity", "press", f"v1:rep:act:{activity}",
         "report.ask_activity_other" if activity == "other" else "report.ask_age"),
        ("other", "send", other_text, "report.ask_age"),
        ("age", "press", f"v1:rep:age:{age}", "report.ask_count"),
        ("count", "send", count, "report.ask_description"),
        ("description", "press" if description is None else "send",
         "v1:rep:desc:skip" if description is None else description, "report.ask_contact"),
        ("contact", "press", f"v1:rep:contact:{contact}",
         "report.ask_phone" if contact == "phone" else "danger.all_added"),
    ]
    for name, how, what, expect in answers:
        if name == "other" and activity != "other":
            continue
        if name == finish_at:
            await person.press("v1:rep:fin", expect="danger.all_added")
            return code
        if how == "press":
            await person.press(what, expect=expect)
        else:
            await person.send("text", what, expect=expect)
    if contact == "phone":
        await person.send("contact", "+989121234567", expect="danger.all_added")
    return code


def label(person: Person, key: str) -> str:
    return i18n.plain(person.language, key)
