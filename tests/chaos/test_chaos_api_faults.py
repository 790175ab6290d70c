"""Chaos (b): 10 % of the Bot API calls fail at random (500, 502, 429 with retry_after, timeouts,
dropped connections, a send performed whose answer is lost) while citizens report and staff
claim and close. Prints how often each outbox message arrived and the time to drain
(``chaos faults: …``). Volunteer offers are not walked here (see the report of issue 13)."""

from __future__ import annotations

import asyncio
import collections
import os
import random

import pytest

from tests.chaos.walker import Walk
from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_triage import ADMIN, GROUPS, REZA, command, report_row
from tests.support.chat import Person, text_of
from tests.support.emulator_faults import RandomFaults

CITIZENS = int(os.environ.get("CHAOS_FAULT_CITIZENS", "20"))
QUEUE = "137"


def performed(call) -> bool:
    """Telegram did it: answered, or did it and lost the answer on the way back."""
    return call.error is None or call.fault == "timeout_after_send"


async def staff_press(staff: Person, bot, code: str, data: str, done) -> None:
    """Press a button on the report's post until ``done(row, post)`` holds (a failed call is
    retried the way a person presses again; each try waits for the bot to answer)."""
    for _ in range(10):
        row = report_row(bot, code)
        message = staff.emu.message(row["post_chat_id"], row["post_message_id"])
        if done(row, message):
            return
        buttons = [b.get("callback_data") for line in
                   (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in line]
        if data in buttons:
            mark = staff.emu.mark()
            staff.user.press(message, data)
            try:
                await staff.wait_for(None, after=mark, method="answerCallbackQuery", timeout=15)
            except AssertionError:
                pass  # no answer came: look at the state and press again
        await asyncio.sleep(0.5)  # the post's edit may follow the answer
    raise AssertionError(f"{data} never took effect; status {row['status']}, buttons {buttons}")


def has_button(prefix: str):
    return lambda row, message: any(
        (b.get("callback_data") or "").startswith(prefix) for line in
        (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in line)


async def posted(bot, code: str, timeout: float = 120) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while report_row(bot, code)["post_message_id"] is None:
        assert loop.time() < end, f"{code} was never posted"
        await asyncio.sleep(0.1)


def arrivals(emu, chat_ids, fingerprint_of) -> collections.Counter:
    """How many times each (chat, fingerprint) message was performed."""
    counts = collections.Counter()
    for call in emu.calls:
        if call.method in ("sendMessage", "sendPhoto") and performed(call):
            chat = call.params.get("chat_id")
            if chat in chat_ids:
                for mark in fingerprint_of(chat):
                    if mark in text_of(call):
                        counts[(chat, mark)] += 1
    return counts


@pytest.mark.timeout(1800)
async def test_reports_claims_and_closes_with_a_tenth_of_the_calls_failing(emu, tmp_path):
    bot = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    try:
        admin = Person(emu, ADMIN, "en", first_name="Admin")
        await admin.send("text", "/start", expect="start.welcome")
        await command(admin, f"/bind {QUEUE}", "bind.done", chat_id=GROUPS[QUEUE])
        await command(admin, f"/staff add {REZA} {QUEUE}", "staff.added")
        reza = Person(emu, REZA, "en", first_name="Reza")
        await reza.send("text", "/start", expect="start.welcome")
        from tests.support.flows import set_clock
        set_clock(bot, 12)  # 137's hours (ordinary reports go there at noon)

        faults = RandomFaults(random.Random(int(os.environ.get("CHAOS_SEED", "13"))), 0.10)
        emu.policy_retry_after = 1
        emu.timeout_delay = 6.0
        emu.set_fault_policy(faults)
        walks = [Walk(Person(emu, 21000 + n, "en"), patience=30) for n in range(CITIZENS)]
        for walk in walks:  # ordinary reports, not dangerous: they go to 137 at noon
            walk.danger = False
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(w.run(loop.time() + 900) for w in walks))
        codes = {w.person.id: w.code for w in walks if w.code}
        for code in codes.values():
            await posted(bot, code)
            await staff_press(reza, bot, code, f"v1:tri:claim:{code}",
                              lambda row, post: row["status"] != "new")
            await staff_press(reza, bot, code, f"v1:tri:close:{code}",
                              has_button(f"v1:tri:out:{code}.centre"))
            await staff_press(reza, bot, code, f"v1:tri:out:{code}.centre",
                              lambda row, post: row["status"] == "closed")
        acted = loop.time()
        emu.set_fault_policy(None)  # what is still pending now goes out; how long it takes
        while bot.rows("SELECT 1 FROM outbox WHERE status = 'pending'"):
            assert loop.time() - acted < 600, "the outbox never drained"
            await asyncio.sleep(0.1)
        drained = loop.time() - acted
        emu.set_fault_policy(faults)  # counted below; nothing more is sent
    finally:
        emu.set_fault_policy(None)
        await bot.stop()

    group = GROUPS[QUEUE]
    posts = arrivals(emu, {group}, lambda chat: list(codes.values()))
    notices = arrivals(emu, set(codes), lambda chat: [
        Person(emu, chat, "en").expects("reporter.claimed"),
        Person(emu, chat, "en").expects("reporter.closed_centre")])
    rows = bot.rows("SELECT kind, status FROM outbox")
    spread = collections.Counter()
    for code in codes.values():
        spread[("queue post", posts[(group, code)])] += 1
    for chat in codes:
        for key in ("reporter.claimed", "reporter.closed_centre"):
            spread[("reporter notice", notices[(chat, Person(emu, chat, "en").expects(key))])] += 1
    lost_answers = sum(1 for c in emu.calls if c.fault == "timeout_after_send")
    print(f"\nchaos faults: {faults.count} of {faults.seen} calls failed "
          f"({', '.join(f'{k} {n}' for k, n in sorted(faults.kinds_chosen.items()))}); "
          f"{len(codes)} of {CITIZENS} citizens got a code; outbox rows {len(rows)}")
    for (what, times), count in sorted(spread.items()):
        label = {0: "never", 1: "once", 2: "twice"}.get(times, f"{times} times")
        print(f"chaos faults: {what} delivered {label}: {count}")
    print(f"chaos faults: {lost_answers} sends performed with the answer lost; "
          f"drained {drained:.1f} s after the last staff action, faults then off")
    never = sum(count for (what, times), count in spread.items() if times == 0)
    assert len(codes) == CITIZENS and never == 0
