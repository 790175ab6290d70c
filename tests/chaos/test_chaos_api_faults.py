"""Chaos (b): 10 % of the Bot API calls fail at random (500, 502, 429 with retry_after, timeouts,
dropped connections, a send performed whose answer is lost) while citizens report and staff
claim, offer the report to a volunteer who accepts, and close. Prints how often each outbox
message arrived (queue posts, reporter notices, volunteer offers and their pins) and the time
to drain (``chaos faults: …``)."""

from __future__ import annotations

import asyncio
import os
import random

import pytest

from tests.chaos.deliveries import delivery_spread, spread_lines
from tests.chaos.record import chat_record
from tests.chaos.walker import Walk
from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_assignment import approved
from tests.e2e.test_e2e_triage import ADMIN, GROUPS, REZA, command, report_row
from tests.support.chat import Person, plain_text
from tests.support.flows import AZADI
from tests.support.emulator_faults import RandomFaults

CITIZENS = int(os.environ.get("CHAOS_FAULT_CITIZENS", "20"))
QUEUE = "137"
VOLUNTEERS = 5


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
            await press_once(staff, message, data)
        await asyncio.sleep(0.5)  # the post's edit may follow the answer
    raise AssertionError(f"{data} never took effect; status {row['status']}, buttons {buttons}")


async def press_once(person: Person, message: dict, data: str) -> None:
    """Press ``data`` on ``message`` and wait up to 15 s for the bot's answer; under faults none
    may come, and the caller looks at the state and presses again, as a person would."""
    mark = person.emu.mark()
    person.user.press(message, data)
    try:
        await person.wait_for(None, after=mark, method="answerCallbackQuery", timeout=15)
    except AssertionError:
        pass


async def press_until(person: Person, find, data_prefix: str, done, what: str) -> None:
    """Press the button starting with ``data_prefix`` on ``find()`` (a message, or None while it
    has not arrived) until ``done()``; a failed call is retried as a person presses again."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 180
    while not done():
        assert loop.time() < end, f"{what} never took effect"
        message = find()
        data = next((b.get("callback_data") for line in
                     ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
                     for b in line if (b.get("callback_data") or "").startswith(data_prefix)),
                    None)
        if data is not None:
            await press_once(person, message, data)
        await asyncio.sleep(0.5)  # an edit or a queued message may follow the answer


def newest_with(emu, chat_id: int, prefix: str, code: str | None = None):
    for message in reversed(emu.messages(chat_id)):
        if code is not None and code not in plain_text(message.get("text")):
            continue
        if prefix in str(message.get("reply_markup")):
            return message
    return None


def assignment(bot, code: str):
    rows = bot.rows("SELECT a.volunteer_id, a.status FROM assignments a JOIN reports r"
                    " USING (report_id) WHERE r.code = ? AND a.status IN ('offered', 'accepted')",
                    (code,))
    return rows[0] if rows else None


async def offer_and_accept(emu, bot, reza: Person, code: str) -> int:
    """Reza opens the volunteers near the report and picks the first; they accept."""
    post = lambda: emu.message(report_row(bot, code)["post_chat_id"],  # noqa: E731
                               report_row(bot, code)["post_message_id"])
    menu = lambda: newest_with(emu, REZA, f"v1:asg:pick:{code}.")  # noqa: E731
    await press_until(reza, post, f"v1:asg:menu:{code}", lambda: menu() is not None,
                      f"the volunteer menu of {code}")
    await press_until(reza, menu, f"v1:asg:pick:{code}.", lambda: assignment(bot, code),
                      f"the offer of {code}")
    volunteer = assignment(bot, code)["volunteer_id"]
    sara = Person(emu, volunteer, "fa")
    await press_until(sara, lambda: newest_with(emu, volunteer, "v1:asg:acc:", code),
                      "v1:asg:acc:", lambda: assignment(bot, code)["status"] == "accepted",
                      f"the acceptance of {code}")
    # The exact place follows Accept through the outbox; a close before it would withhold it.
    loop = asyncio.get_running_loop()
    end = loop.time() + 180
    while bot.rows("SELECT 1 FROM outbox o JOIN reports r USING (report_id) WHERE r.code = ?"
                   " AND o.kind = 'volunteer_pin' AND o.status = 'pending'", (code,)):
        assert loop.time() < end, f"the pin of {code} never went out"
        await asyncio.sleep(0.2)
    return volunteer


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
        for n in range(VOLUNTEERS):  # near where the walkers report
            await approved(emu, bot, 23000 + n, f"Volunteer {n}", AZADI, 10)

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
        if os.environ.get("CHAOS_KEEP_LOG"):  # the chats of the citizens with no code
            with open(os.environ["CHAOS_KEEP_LOG"], "w") as kept:
                for walk in walks:
                    if walk.code is None:
                        kept.write(f"\n--- citizen {walk.person.id}, asked {walk.asked}, "
                                   f"never answered {walk.never_answered}\n")
                        kept.write("\n".join(chat_record(emu, walk.person.id)) + "\n")
        offered_to: dict[str, int] = {}
        for code in codes.values():
            await posted(bot, code)
            await staff_press(reza, bot, code, f"v1:tri:claim:{code}",
                              lambda row, post: row["status"] != "new")
            offered_to[code] = await offer_and_accept(emu, bot, reza, code)
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

    spread = delivery_spread(emu, bot)
    rows = bot.rows("SELECT kind, status FROM outbox")
    lost_answers = sum(1 for c in emu.calls if c.fault == "timeout_after_send")
    print(f"\nchaos faults: {faults.count} of {faults.seen} calls failed "
          f"({', '.join(f'{k} {n}' for k, n in sorted(faults.kinds_chosen.items()))}); "
          f"{len(codes)} of {CITIZENS} citizens got a code; outbox rows {len(rows)}")
    for line in spread_lines("chaos faults: ", spread):
        print(line)
    print(f"chaos faults: {lost_answers} sends performed with the answer lost; "
          f"drained {drained:.1f} s after the last staff action, faults then off")
    never = sum(count for (what, times), count in spread.items() if times == 0)
    extra = sum(count * (times - 1) for (what, times), count in spread.items()
                if isinstance(times, int) and times > 1)
    print(f"chaos faults: {extra} extra copies from the outbox, {never} never delivered")
    assert len(codes) == CITIZENS and never == 0 and len(offered_to) == len(codes)
    assert extra <= lost_answers  # only a send whose answer was lost can leave a copy
