"""The surge: many citizens press Submit within two minutes, all into one queue, with Telegram's
limits on, while a second queue gets reports too and other citizens walk their own reports.

The citizens' drafts are written at the summary step before the bot starts (as if they had
answered every question), and each one's summary message is put in the emulator as the bot had
sent it; so the window holds only the Submit presses, at times spread evenly over it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bench.e2e_walk import Citizen, Steps
from bench.e2e_world import CODE, GROUPS, Process, Watch, bench_config
from bench.table import percentile
from child_report_bot.delivery.budget import is_group
from child_report_bot.storage.db import Database
from child_report_bot.ui.callback_data import make
from tests.support.chat import fingerprint, text_of
from tests.support.emulator import BotAPIEmulator, FakeUser
from tests.support.drafts import finished_draft

SURGE_QUEUE, SECOND_QUEUE = "137", "123"
SURGE_FIRST, SECOND_FIRST, WALKER_FIRST = 300000, 400000, 500000


@dataclasses.dataclass
class SurgeFigures:
    pressed: int
    stored: int
    told: int
    floods: int
    floods_by: list[tuple[str, int]]  # 429s by chat kind and method, commonest first
    too_old: int
    tracebacks: int
    visible: int
    visible_max: float       # seconds from a Submit press to its code in the group, worst
    visible_p50: float
    all_visible_after: float  # from the window's start until the last report was visible
    second_pressed: int
    second_stored: int
    second_post_p99: float   # the second queue's posts, from press to its group
    told_p99: float          # "received" replies to every submitting citizen
    walker_p99: float        # steps of citizens walking other reports
    walker_steps: int
    other_p99: float         # all of the three above together
    bot_cpu_share: float
    emulator_ms_per_request: float
    exceptions: list[tuple[str, int]]  # the commonest in the bot's log


async def _plant(path: Path, emu: BotAPIEmulator, first: int, count: int,
                 activity: str) -> dict[int, str]:
    """Drafts at the summary for ``count`` citizens; ``{user_id: draft_id}``."""
    db = Database(path)
    await db.connect()
    planted = {}
    try:
        for user_id in range(first, first + count):
            # A different crossroads each, about 330 m apart on a grid over central Tehran:
            # 1,000 pins at one spot would be one child seen 1,000 times (a repeat sighting).
            row, column = divmod(user_id - first, 32)
            stored = await finished_draft(
                db, user_id, activity=activity, pin=(35.65 + row * 0.003, 51.33 + column * 0.003),
                photo=(emu.add_file(kind="photo"), f"bench-{user_id}"))
            planted[user_id] = stored.draft_id
    finally:
        await db.close()
    return planted


def _summary_message(emu: BotAPIEmulator, user_id: int, draft_id: str) -> dict:
    """The summary with its Submit button, in the emulator as if the bot had sent it."""
    FakeUser(emu, user_id, language_code="fa").start()
    markup = {"inline_keyboard": [[{"text": "ارسال",
                                    "callback_data": make("rep", "submit", draft_id)}]]}
    with emu._cond:
        return emu._api_send_message({"chat_id": user_id, "text": "خلاصهٔ گزارش",
                                      "reply_markup": markup}, {})


class Submitter:
    """One citizen pressing Submit at a given moment and waiting for the code."""

    def __init__(self, emu: BotAPIEmulator, watch: Watch, user_id: int, message: dict) -> None:
        self.emu, self.watch, self.id, self.message = emu, watch, user_id, message
        self.pressed_at: float | None = None
        self.told_after: float | None = None
        self.code: str | None = None

    async def submit(self, at: float, timeout: float) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        wanted = fingerprint("fa", "report.received")
        future = self.watch.expect(self.id, lambda call: wanted in text_of(call))
        self.pressed_at = time.monotonic()
        FakeUser(self.emu, self.id, language_code="fa").press(
            self.message, self.message["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        try:
            when, call = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return
        self.told_after = when - self.pressed_at
        found = CODE.findall(call.params.get("text") or "")
        self.code = found[0] if found else None


def _floods_by(emu: BotAPIEmulator) -> list[tuple[str, int]]:
    """The emulator's flood refusals (429s it chose, not injected faults) by chat kind and
    method, e.g. ``("private sendMessage", 12)``."""
    with emu._cond:
        refused = [call for call in emu.calls if call.status == 429 and call.fault is None]
    counts = Counter(
        f"{'group' if is_group(_chat(call.params.get('chat_id'))) else 'private'} {call.method}"
        for call in refused)
    return counts.most_common()


def _chat(chat_id: object) -> object:
    try:
        return int(chat_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return chat_id


def _stored(path: Path) -> dict[int, tuple[str, str]]:
    """``{reporter_id: (code, queue)}`` of the reports in the bot's database so far."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        return {row[0]: (row[1], row[2]) for row in
                conn.execute("SELECT reporter_id, code, queue FROM reports")}


async def surge(folder: Path, *, reports: int, second: int, walkers: int, window: float,
                drain: float, seed: int) -> SurgeFigures:
    """Run the surge once against a fresh emulator (limits on) and bot."""
    folder.mkdir(parents=True, exist_ok=True)
    emu = BotAPIEmulator().start()
    process = None
    try:
        emu.limits()
        for chat in GROUPS.values():
            emu.add_group(chat)
        database = folder / "bot.sqlite3"
        planted = await _plant(database, emu, SURGE_FIRST, reports, "flowers")
        planted |= await _plant(database, emu, SECOND_FIRST, second, "scale")
        loop = asyncio.get_running_loop()
        watch = Watch(emu, loop)
        process = Process("bot", emu, folder, bench_config(folder))
        await process.ready()
        submitters = {user_id: Submitter(emu, watch, user_id,
                                         _summary_message(emu, user_id, draft_id))
                      for user_id, draft_id in planted.items()}
        rng = random.Random(seed)
        walking = [Citizen(emu, watch, WALKER_FIRST + n, False, rng) for n in range(walkers)]
        for person in walking:
            person.activity = "waste"  # → the ngo queue: a third group, not the surge's
        start = time.monotonic() + 1.0
        cpu0, served0, requests0 = process.cpu_seconds(), watch.server_cpu, watch.requests
        tasks = [asyncio.create_task(s.submit(start + rng.uniform(0, window), window + drain))
                 for s in submitters.values()]
        steps = Steps()
        tasks += [asyncio.create_task(p.walk(start + window, steps)) for p in walking]
        await asyncio.sleep(window + 1.0)
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline:  # until every stored report shows in its group
            stored = _stored(database)
            pending = sum(1 for s in submitters.values() if s.pressed_at is None)
            if not pending and all(code in watch.first_seen for code, _ in stored.values()):
                break
            await asyncio.sleep(1.0)
        finished = time.monotonic()
        cpu1, served1, requests1 = process.cpu_seconds(), watch.server_cpu, watch.requests
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stored = _stored(database)
        floods = emu.flood_count
        floods_by = _floods_by(emu)
    finally:
        if process is not None:
            process.stop()
        emu.stop()
    return _figures(submitters, stored, watch, steps, floods, floods_by, process, start,
                    (cpu1 - cpu0) / (finished - start),
                    (served1 - served0) * 1000 / max(requests1 - requests0, 1))


def _figures(submitters: dict[int, Submitter], stored: dict, watch: Watch, steps: Steps,
             floods: int, floods_by: list[tuple[str, int]], process: Process, start: float, cpu_share: float,
             emulator_ms: float) -> SurgeFigures:
    surge_ids = [u for u in submitters if u < SECOND_FIRST]
    second_ids = [u for u in submitters if u >= SECOND_FIRST]
    visible, second_posts = [], []
    last_visible = start
    for user_id in surge_ids:
        entry = stored.get(user_id)
        seen = watch.first_seen.get(entry[0]) if entry else None
        if seen is not None and submitters[user_id].pressed_at is not None:
            visible.append(seen - submitters[user_id].pressed_at)
            last_visible = max(last_visible, seen)
    for user_id in second_ids:
        entry = stored.get(user_id)
        seen = watch.first_seen.get(entry[0]) if entry else None
        if seen is not None and submitters[user_id].pressed_at is not None:
            second_posts.append(seen - submitters[user_id].pressed_at)
    told = [s.told_after for s in submitters.values() if s.told_after is not None]
    walked = [took for _, took in steps.done]
    others = told + second_posts + walked

    def p99(values: list[float]) -> float:
        return percentile(values, 0.99) if values else float("nan")

    surge_stored = sum(1 for u in surge_ids if u in stored)
    return SurgeFigures(
        pressed=sum(1 for u in surge_ids if submitters[u].pressed_at is not None),
        stored=surge_stored,
        told=sum(1 for u in surge_ids if submitters[u].told_after is not None),
        floods=floods, floods_by=floods_by, too_old=process.log_count("too old"),
        tracebacks=process.log_count("Traceback"),
        visible=len(visible), visible_max=max(visible, default=float("nan")),
        visible_p50=percentile(visible, 0.5) if visible else float("nan"),
        all_visible_after=(last_visible - start) if len(visible) == surge_stored
        else float("nan"),
        second_pressed=sum(1 for u in second_ids if submitters[u].pressed_at is not None),
        second_stored=sum(1 for u in second_ids if u in stored),
        second_post_p99=p99(second_posts), told_p99=p99(told), walker_p99=p99(walked),
        walker_steps=len(walked), other_p99=p99(others), bot_cpu_share=cpu_share,
        emulator_ms_per_request=emulator_ms,
        exceptions=process.exceptions().most_common(3))
