"""Chaos (a): 100 citizens report at once while the bot process is SIGKILLed at random moments,
at least 10 times, and started again each time. Prints its figures (``chaos kills: …``)."""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import sqlite3

import pytest

from tests.chaos.record import chat_record
from tests.chaos.walker import Walk
from tests.e2e.test_e2e_crash import start_bot_process, stop_process
from tests.support.chat import Person, text_of

CITIZENS = int(os.environ.get("CHAOS_CITIZENS", "100"))
KILLS = int(os.environ.get("CHAOS_KILLS", "10"))
GROUP = -1001100  # danger → queue 110 whatever the hour
ADMIN = 9000


def posts_per_code(emu, codes):
    """How many posts of each code reached the group (sent and answered by Telegram); a post
    carries the Claim button (a reminder or a digest does not)."""
    counts = collections.Counter()
    for call in emu.calls:
        if call.method in ("sendMessage", "sendPhoto") and call.error is None \
                and call.params.get("chat_id") == GROUP \
                and ":tri:claim:" in str(call.params.get("reply_markup")):
            text = text_of(call)
            for code in codes:
                if code in text:
                    counts[code] += 1
    return counts


@pytest.mark.timeout(1800)
async def test_citizens_report_while_the_bot_is_killed_again_and_again(emu, tmp_path):
    database = tmp_path / "bot.sqlite3"
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "13")))
    emu.timeout_delay = 5.0
    with open(tmp_path / "bot.log", "wb") as log:
        process = await start_bot_process(emu, database, log, admins=str(ADMIN))
        try:
            admin = Person(emu, ADMIN, "en")
            mark = emu.mark()
            admin.user.text("/bind 110", chat_id=GROUP)
            await admin.wait_for("bind.done", after=mark, chat_id=GROUP, timeout=30)
            walks = [Walk(Person(emu, 20000 + n, "fa" if n % 2 else "en")) for n in
                     range(CITIZENS)]
            loop = asyncio.get_running_loop()
            deadline = loop.time() + float(os.environ.get("CHAOS_WALK_SECONDS", "900"))
            walking = [asyncio.create_task(walk.run(deadline)) for walk in walks]
            kills = 0
            while kills < KILLS and not all(task.done() for task in walking):
                # A random moment, not a wait-for: up to 7 s after the bot came up, so that
                # (on 2 cores) it handles some of the backlog between kills.
                await asyncio.sleep(rng.uniform(1.0, 7.0))
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                kills += 1
                process = await start_bot_process(emu, database, log, admins=str(ADMIN))
            await asyncio.gather(*walking)
            codes = [walk.code for walk in walks if walk.code]

            def drained():
                with sqlite3.connect(database) as conn:
                    return not conn.execute("SELECT 1 FROM outbox WHERE status = 'pending'"
                                            " AND kind = 'queue_post'").fetchall()
            while not drained() and loop.time() < deadline + 120:
                await asyncio.sleep(0.2)
        finally:
            stop_process(process)
    said = (tmp_path / "bot.log").read_text(errors="replace")
    if os.environ.get("CHAOS_KEEP_LOG"):  # for a look after the run: the log, stuck chats
        with open(os.environ["CHAOS_KEEP_LOG"], "w") as kept:
            kept.write(said)
    replayed = sum(int(line.split(" updates taken")[0].rsplit(" ", 1)[-1])
                   for line in said.splitlines() if "updates taken before the last stop" in line)
    errors = sum(" ERROR " in line or line.startswith("ERROR") for line in said.splitlines())
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT reporter_id FROM reports").fetchall()
        unfinished = conn.execute("SELECT count(*) FROM update_journal"
                                  " WHERE done_at IS NULL").fetchone()[0]
    posts = posts_per_code(emu, codes)
    spread = collections.Counter(posts[code] for code in codes)
    per_reporter = collections.Counter(reporter for (reporter,) in rows)
    duplicates = sum(count - 1 for count in per_reporter.values())
    if os.environ.get("CHAOS_KEEP_LOG"):  # and the chats of the citizens something went wrong for
        with open(os.environ["CHAOS_KEEP_LOG"], "a") as kept:
            for walk in walks:
                if walk.code is None or walk.lost or per_reporter[walk.person.id] > 1:
                    kept.write(f"\n--- citizen {walk.person.id}, asked {walk.asked}\n")
                    kept.write("\n".join(chat_record(emu, walk.person.id)) + "\n")
    lost = sum(walk.lost for walk in walks)
    never = sum(walk.never_answered for walk in walks)
    print(f"\nchaos kills: {kills} SIGKILLs, {CITIZENS} citizens: {len(codes)} codes given, "
          f"{len(rows)} rows stored, {duplicates} duplicate reports")
    print("chaos kills: posts per report " + ", ".join(
        f"{n} post(s): {spread[n]}" for n in sorted(spread)))
    print(f"chaos kills: {lost} acknowledged answers lost, {never} messages never answered "
          f"(within {walks[0].patience:.0f} s), {unfinished} journaled updates left unfinished")
    print(f"chaos kills: {replayed} journaled updates handled again after a kill, "
          f"{errors} ERROR lines in the bot's log")
    assert len(codes) == CITIZENS and len(rows) == CITIZENS
    assert duplicates == 0 and lost == 0
