"""Citizens walking whole reports through a bot (ours or the echo bot), as fast as it answers.

Each citizen sends one update, waits for the bot's answer in its chat (the next question, by
its catalog text; for the echo bot, its one message), then sends the next; after Submit it
starts another report. A step with no answer within ``STALL_SECONDS`` counts as stalled and the
citizen starts over with /cancel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import resource
import time
from collections import Counter
from pathlib import Path

from bench.e2e_world import GROUPS, Process, Watch, bench_config, button_data, \
    newest_with_button
from bench.table import percentile
from tests.support.chat import fingerprint, text_of
from tests.support.emulator import BotAPIEmulator, FakeUser

AZADI = (35.6997, 51.3380)
STALL_SECONDS = 45.0
ACTIVITIES = ("flowers", "scale", "waste")  # → queues 137, 123 and ngo (bench_config's rules)
# (what the citizen does, its argument, the catalog key of the bot's answer)
STEPS = (
    ("text", "/report", "report.ask_danger"),
    ("press", "v1:rep:danger:no", "report.ask_activity"),
    ("press", "v1:rep:act:", "report.ask_age"),
    ("press", "v1:rep:age:6to12", "report.ask_count"),
    ("text", "1", "report.ask_location"),
    ("location", AZADI, "report.ask_photos"),
    ("photo", None, "report.photos_so_far"),
    ("press", "v1:rep:photos:done", "report.ask_description"),
    ("press", "v1:rep:desc:skip", "report.ask_contact"),
    ("press", "v1:rep:contact:anonymous", "summary.title"),
    ("press", "v1:rep:submit", "report.received"),
)


@dataclasses.dataclass
class Steps:
    """Answered steps as (when answered, seconds it took), stalls, reports submitted."""

    done: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    stalled: int = 0
    submitted: int = 0

    def window(self, start: float, end: float) -> list[float]:
        return [took for at, took in self.done if start <= at <= end]


class Citizen:
    """One person in a private chat, walking reports until told to stop."""

    def __init__(self, emu: BotAPIEmulator, watch: Watch, user_id: int, echo: bool,
                 rng: random.Random) -> None:
        self.emu, self.watch, self.echo = emu, watch, echo
        self.user = FakeUser(emu, user_id, language_code="fa")
        self.id = user_id
        self.activity = rng.choice(ACTIVITIES)

    async def act(self, action: str, argument, expect: str, steps: Steps | None,
                  timeout: float = STALL_SECONDS) -> bool:
        """Do one step and wait for its answer; False if it never came."""
        wanted = "echo" if self.echo else fingerprint("fa", expect)
        future = self.watch.expect(self.id, lambda call: wanted in text_of(call))
        if action == "press":
            prefix = "next" if self.echo else argument
            message = newest_with_button(self.emu, self.id, prefix)
            if message is None:
                future.cancel()
                if steps is not None:
                    steps.stalled += 1
                return False
            data = button_data(message, prefix)
            if not self.echo and prefix == "v1:rep:act:":
                data = prefix + self.activity
            started = time.monotonic()
            self.user.press(message, data)
        else:
            started = time.monotonic()
            if action == "text":
                self.user.text(argument)
            elif action == "location":
                # Each report somewhere else in Tehran: one spot for all would be one child
                # seen again and again (folded as repeat sightings, with no post of its own).
                self.user.location(random.uniform(35.60, 35.80), random.uniform(51.20, 51.50))
            else:
                self.user.photo()
        try:
            at, _call = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            if steps is not None:
                steps.stalled += 1
            return False
        if steps is not None:
            steps.done.append((at, at - started))
        return True

    async def walk(self, until: float, steps: Steps) -> None:
        """Report after report until ``until``."""
        while time.monotonic() < until:
            for action, argument, expect in STEPS:
                if time.monotonic() >= until:
                    return
                if not await self.act(action, argument, expect, steps):
                    await self.act("text", "/cancel", "report.cancelled", None, timeout=30)
                    break
            else:
                steps.submitted += 1


@dataclasses.dataclass
class WalkFigures:
    updates_per_second: float
    p50: float
    p99: float
    cpu_ms_per_update: float
    stalled: int
    submitted: int
    floods: int
    errors: int
    emulator_ms_per_request: float
    driver_cpu_share: float  # of one core: the emulator and the citizens together
    main_thread_ms_per_update: float  # the bot's event loop; the rest is SQLite's thread & co.
    calls_per_update: dict[str, float]  # answered Bot API calls by method (no getUpdates)


async def walk(folder: Path, *, echo: bool, limits: bool, citizens: int, seconds: float,
               warmup: float, seed: int, profile: Path | None = None,
               options: tuple[str, ...] = ()) -> WalkFigures:
    """Run ``citizens`` walkers against a fresh emulator and bot for ``warmup + seconds``."""
    folder.mkdir(parents=True, exist_ok=True)
    emu = BotAPIEmulator().start()
    process = None
    try:
        if limits:
            emu.limits()
        for chat in GROUPS.values():
            emu.add_group(chat)
        watch = Watch(emu, asyncio.get_running_loop())
        config = None if echo else bench_config(folder)
        process = Process("echo" if echo else "bot", emu, folder, config,
                          rate_limiter=limits, profile=profile, options=options)
        await process.ready()
        rng = random.Random(seed)
        people = [Citizen(emu, watch, 200000 + number, echo, rng) for number in range(citizens)]
        steps = Steps()
        begin = time.monotonic()
        until = begin + warmup + seconds
        tasks = [asyncio.create_task(person.walk(until, steps)) for person in people]
        await asyncio.sleep(warmup)
        cpu0, self0, main0 = process.cpu_seconds(), _self_cpu(), process.main_thread_cpu()
        served0, requests0, mark0 = watch.server_cpu, watch.requests, emu.mark()
        await asyncio.sleep(seconds)
        cpu1, self1, main1 = process.cpu_seconds(), _self_cpu(), process.main_thread_cpu()
        served1, requests1, mark1 = watch.server_cpu, watch.requests, emu.mark()
        methods = Counter(call.method for call in emu.calls[mark0:mark1]
                          if call.method != "getUpdates" and call.error is None)
        await asyncio.gather(*tasks)
        took = steps.window(begin + warmup, begin + warmup + seconds)
        floods = emu.flood_count
    finally:
        if process is not None:
            process.stop()
        emu.stop()
    count = len(took) or 1
    return WalkFigures(
        updates_per_second=len(took) / seconds,
        p50=percentile(took, 0.5) if took else float("nan"),
        p99=percentile(took, 0.99) if took else float("nan"),
        cpu_ms_per_update=(cpu1 - cpu0) * 1000 / count,
        stalled=steps.stalled, submitted=steps.submitted, floods=floods,
        errors=process.log_count("Traceback", " ERROR "),
        emulator_ms_per_request=(served1 - served0) * 1000 / max(requests1 - requests0, 1),
        driver_cpu_share=(self1 - self0) / seconds,
        main_thread_ms_per_update=(main1 - main0) * 1000 / count,
        calls_per_update={method: number / count for method, number in methods.most_common()})


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
