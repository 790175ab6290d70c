"""Danger first: from the place being given to the report's post in the police group.

    scripts/benchmark --danger           # 10 citizens one after another, then 30 at once
    scripts/benchmark --danger --quick   # 5, then 10

The whole bot (AIORateLimiter on, as it runs) polls the project's Bot API emulator; citizens
answer "yes, in danger" and, when the place question arrives, send a pin. The clock starts when
the pin is handed to the emulator and stops when the emulator answers the post in the 110 group:
everything in between is the bot (polling, storing, routing, the outbox, the sender). Figures,
never asserts.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import bind_all, shipped_settings
from bench.table import Table, percentile
from child_report_bot.bot import build_application
from child_report_bot.storage.db import Database
from tests.support.chat import Person, text_of
from tests.support.emulator import BotAPIEmulator

POSTS = ("sendMessage", "sendPhoto")
FIRST_CITIZEN = 880_000


async def _to_the_place(person: Person) -> None:
    """/report, then "yes, in danger": the place question is on screen."""
    mark = person.emu.mark()
    person.user.text("/report")
    await person.wait_for("report.ask_danger", after=mark, timeout=60)
    message = await person.await_button("v1:rep:danger:yes", timeout=60)
    mark = person.emu.mark()
    person.user.press(message, person.button_data("v1:rep:danger:yes", message))
    await person.wait_for("danger.ask_location", after=mark, timeout=60)


async def _place_to_post(emu: BotAPIEmulator, person: Person, police: int) -> float:
    """Send the pin; seconds until the report's post was accepted in the police group."""
    started = time.time()
    mark = emu.mark()
    person.user.location(35.6997, 51.3380)
    sent = await person.wait_for("danger.sent", after=mark, timeout=60)
    code = sent.params["text"].split("<code>")[1].split("</code>")[0]
    post = await emu.await_call(
        lambda call: call.method in POSTS and call.error is None
        and call.params.get("chat_id") == police and code in text_of(call),
        after=mark, timeout=60)
    return post.time - started


async def measure(one_by_one: int, at_once: int, folder: Path) -> dict:
    """Seconds from place to post: citizens one after another, then all at the same moment."""
    emu = BotAPIEmulator().start()
    app = None
    try:
        settings = shipped_settings(database=folder / "bot.sqlite3", api_url=emu.base_url,
                                    file_url=emu.file_base_url)
        db = Database(settings.database)
        await db.connect()
        chats = await bind_all(db, settings.routing_config)
        await db.close()
        for chat in chats.values():
            emu.add_group(chat)
        app = build_application(settings, geocoder=None)
        await app.initialize()  # as tests/conftest.py RunningBot.start, i.e. run_polling
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        people = [Person(emu, FIRST_CITIZEN + n, "fa") for n in range(one_by_one + at_once)]
        for person in people:
            person.user.start()
        alone = []
        for person in people[:one_by_one]:
            await _to_the_place(person)
            alone.append(await _place_to_post(emu, person, chats["110"]))
        crowd = people[one_by_one:]
        await asyncio.gather(*(_to_the_place(person) for person in crowd))
        together = await asyncio.gather(*(_place_to_post(emu, person, chats["110"])
                                          for person in crowd))
    finally:
        if app is not None:  # the order of RunningBot.stop, i.e. run_polling on the way out
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.post_stop(app)
            await app.shutdown()
            await app.post_shutdown(app)
        emu.stop()
    return {"alone": sorted(alone), "together": sorted(together)}


def run(table: Table, one_by_one: int, at_once: int, folder: Path) -> None:
    """The danger-first section of the table."""
    figures = asyncio.run(measure(one_by_one, at_once, folder))
    alone, together = figures["alone"], figures["together"]
    table.section(f"Danger first: place given → post in the 110 group ({one_by_one} alone, "
                  f"{at_once} at once)")
    table.add("one citizen at a time, median", percentile(alone, 0.5), "s", below=3, digits=2)
    table.add("one citizen at a time, slowest", alone[-1], "s", below=5, digits=2)
    table.add(f"{at_once} citizens at the same moment, median", percentile(together, 0.5), "s",
              digits=2)
    table.add(f"{at_once} citizens at the same moment, slowest", together[-1], "s", digits=2)
    table.note("D", "Danger first: the whole bot polls the Bot API emulator; each citizen says "
               "\"yes, in danger\" and sends a pin when asked where. Measured from handing the "
               "pin to the emulator to the emulator accepting the report's post in the 110 "
               "group. The crowd gives its places at the same moment, so their posts share one "
               "group: the bot's own AIORateLimiter keeps Telegram's 20 a minute per group "
               "(the emulator's limits are off), and posts beyond that wait their turn.")


def main(quick: bool) -> None:
    """``scripts/benchmark --danger``: only this figure."""
    one_by_one, at_once = (5, 10) if quick else (10, 30)
    table = Table()
    with tempfile.TemporaryDirectory(prefix="bench-danger-") as name:
        run(table, one_by_one, at_once, Path(name))
    print(table.render())
    print("Nothing is asserted. Timings come from a shared machine: run again before trusting "
          "one bad figure.")
