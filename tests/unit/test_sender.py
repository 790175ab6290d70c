"""delivery/sender.py with a real database and a plain render function as the seam to Telegram:
what each answer from Telegram does to an outbox row, the order of sending, and the task."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram import Chat, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from child_report_bot.delivery import sender as sender_module
from child_report_bot.delivery.sender import MAX_BACKOFF, OutboxSender, backoff
from child_report_bot.domain import report_draft as d
from child_report_bot.storage import drafts, outbox, reports, users
from child_report_bot.storage.db import Database
from tests.support.outbox_rows import put as enqueue_row, row
from child_report_bot.storage.outbox import URGENT, OutboxItem
from child_report_bot.storage.reports import Routed

QUEUE_CHAT = -100137


class FakeTelegram:
    """The render seam: records every call, answers with a Message or raises what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.errors: dict[str, Exception] = {}  # dedupe_key -> raised on every attempt
        self.next_id = 500

    async def __call__(self, item: OutboxItem, chat_id: int) -> Message:
        self.calls.append((item.dedupe_key, chat_id))
        error = self.errors.get(item.dedupe_key)
        if error is not None:
            raise error
        self.next_id += 1
        return Message(message_id=self.next_id, date=dt.datetime.now(dt.UTC),
                       chat=Chat(chat_id, Chat.SUPERGROUP))

    def rendered(self) -> list[str]:
        return [key for key, _ in self.calls]


class Chats:
    """The queue → group resolver; a test binds groups by changing ``bound``."""

    def __init__(self, bound: dict[str, int] | None = None) -> None:
        self.bound = dict(bound or {})

    async def __call__(self) -> dict[str, int]:
        return dict(self.bound)


class Failures:
    def __init__(self) -> None:
        self.seen: list[tuple[str, TelegramError]] = []

    async def __call__(self, item: OutboxItem, error: TelegramError) -> None:
        self.seen.append((item.dedupe_key, error))


@pytest.fixture
def telegram():
    return FakeTelegram()


@pytest.fixture
def failures():
    return Failures()


@pytest.fixture
def sender(db, telegram, failures):
    return OutboxSender(db, telegram, Chats({"137": QUEUE_CHAT}), on_failure=failures)


async def put(db: Database, key: str, **fields) -> None:
    """Queue a row that must be new."""
    assert await enqueue_row(db, key, **fields)


async def make_due(db: Database, key: str) -> None:
    """Pretend the retry time has come (for the row and for its chat)."""
    await db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00'"
                     " WHERE dedupe_key = ?", (key,))
    await db.execute("DELETE FROM outbox_chats")


def seconds_from_now(stored: str) -> float:
    return (dt.datetime.fromisoformat(stored) - dt.datetime.now(dt.UTC)).total_seconds()


ROUNDING = 1.0  # retry times are stored to the whole second, rounded up


async def test_a_delivered_row_is_marked_sent_once_and_never_sent_again(db, sender, telegram):
    await put(db, "hello", chat_id=42)
    assert await sender.deliver_due() == 1
    assert telegram.calls == [("hello", 42)]
    stored = await row(db, "hello")
    assert (stored["status"], stored["sent_message_id"], stored["attempts"]) == ("sent", 501, 1)
    assert await sender.deliver_due() == 0
    assert telegram.calls == [("hello", 42)]


async def test_render_returning_none_still_counts_as_sent(db):
    async def render(item, chat_id):
        return None  # e.g. an edit that changed nothing

    quiet = OutboxSender(db, render, Chats())
    await put(db, "edit")
    assert await quiet.deliver_due() == 1
    stored = await row(db, "edit")
    assert (stored["status"], stored["sent_message_id"]) == ("sent", None)


async def test_a_queue_post_goes_to_its_group_and_the_report_remembers_it(db, sender, telegram):
    await users.touch_user(db, 7, "fa")
    stored = await drafts.start_draft(db, 7, 7)
    draft = stored.draft
    d.set_danger(draft, True)
    d.set_activity(draft, "begging")
    d.set_age_band(draft, "under6")
    d.set_children_count(draft, "1")
    d.set_pin(draft, 35.7, 51.4)
    d.finish_photos(draft)
    d.set_description(draft, None)
    d.set_contact_mode(draft, "anonymous")
    await drafts.save_draft(db, stored)

    async def queue_post(conn, report_id, code):
        await outbox.enqueue(conn, f"post:{code}", "queue_post", queue_id="137",
                             report_id=report_id, priority=URGENT)

    routed = Routed("137", "public_space", "tehran", 35.7, 51.4, False, True)
    submitted = await reports.submit_draft(db, 7, stored.draft_id, "fa", None, routed,
                                           on_stored=queue_post)
    assert await sender.deliver_due() == 1
    assert telegram.calls == [(f"post:{submitted.code}", QUEUE_CHAT)]
    report = await reports.get_report_by_id(db, submitted.report_id)
    assert (report.post_chat_id, report.post_message_id) == (QUEUE_CHAT, 501)


async def test_flood_limit_waits_as_long_as_telegram_says(db, sender, telegram, failures):
    await put(db, "busy")
    telegram.errors["busy"] = RetryAfter(retry_after=7)
    assert await sender.deliver_due() == 0
    assert telegram.rendered() == ["busy"]  # tried once, not again in the same pass
    stored = await row(db, "busy")
    assert stored["status"] == "pending" and stored["attempts"] == 1
    assert 6 <= seconds_from_now(stored["next_attempt_at"]) <= 7 + ROUNDING
    assert "429" in stored["last_error"]
    assert await sender.deliver_due() == 0 and telegram.rendered() == ["busy"]  # not due yet
    assert failures.seen == []


async def test_flood_limit_given_as_a_timedelta_is_understood(db, sender, telegram):
    await put(db, "busy")
    telegram.errors["busy"] = RetryAfter(retry_after=dt.timedelta(seconds=90))
    await sender.deliver_due()
    assert 88 <= seconds_from_now((await row(db, "busy"))["next_attempt_at"]) <= 90 + ROUNDING


@pytest.mark.parametrize("error", [TimedOut(), NetworkError("Bad Gateway")],
                         ids=["timed-out", "bad-gateway"])
async def test_network_errors_back_off_and_keep_the_row(db, sender, telegram, failures, error):
    await put(db, "flaky")
    telegram.errors["flaky"] = error
    assert await sender.deliver_due() == 0
    stored = await row(db, "flaky")
    assert stored["status"] == "pending" and stored["attempts"] == 1
    # backoff(0): 1 s ± 20 %
    assert 0.5 <= seconds_from_now(stored["next_attempt_at"]) <= 1.2 + ROUNDING
    assert stored["last_error"].startswith(type(error).__name__)
    assert failures.seen == []

    # The fifth failure in a row waits about 2**4 s…
    await db.execute("UPDATE outbox SET attempts = 4 WHERE dedupe_key = 'flaky'")
    await make_due(db, "flaky")
    await sender.deliver_due()
    stored = await row(db, "flaky")
    assert stored["attempts"] == 5
    assert 16 * 0.8 - 1 <= seconds_from_now(stored["next_attempt_at"]) <= 16 * 1.2 + ROUNDING

    # …and however many there were, never much more than MAX_BACKOFF.
    await db.execute("UPDATE outbox SET attempts = 40 WHERE dedupe_key = 'flaky'")
    await make_due(db, "flaky")
    await sender.deliver_due()
    stored = await row(db, "flaky")
    assert stored["status"] == "pending"
    assert MAX_BACKOFF * 0.8 - 1 <= seconds_from_now(stored["next_attempt_at"]) <= (
        MAX_BACKOFF * 1.2 + ROUNDING)
    assert len(telegram.calls) == 3

    telegram.errors.clear()  # the network is back
    await make_due(db, "flaky")
    assert await sender.deliver_due() == 1
    assert (await row(db, "flaky"))["status"] == "sent"


def test_backoff_doubles_and_is_capped(monkeypatch):
    monkeypatch.setattr(sender_module.random, "uniform", lambda low, high: 1.0)
    assert [backoff(n) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert backoff(-3) == 1.0
    assert backoff(8) == 256.0
    assert backoff(9) == backoff(50) == backoff(1000) == MAX_BACKOFF


async def test_a_row_that_failed_a_thousand_times_still_waits_the_maximum(db, sender, telegram):
    """2.0 ** 1024 overflows a float: a row failing for days (an internet shutdown) must still
    be rescheduled, not raise out of the sender and be re-sent every few seconds."""
    await put(db, "outage")
    await db.execute("UPDATE outbox SET attempts = 1024 WHERE dedupe_key = 'outage'")
    telegram.errors["outage"] = TimedOut()
    await sender.deliver_due()
    stored = await row(db, "outage")
    assert stored["status"] == "pending" and stored["attempts"] == 1025
    assert seconds_from_now(stored["next_attempt_at"]) >= MAX_BACKOFF * 0.8 - 1


def test_backoff_jitter_stays_within_a_fifth():
    for attempts in (0, 3, 9, 100):
        base = min(MAX_BACKOFF, 2.0 ** attempts)
        values = {backoff(attempts) for _ in range(50)}
        assert all(base * 0.8 <= value <= base * 1.2 for value in values)
        assert len(values) > 1  # jittered, so retries do not march in step


@pytest.mark.parametrize("error", [BadRequest("Chat not found"),
                                   Forbidden("Forbidden: bot was blocked by the user")],
                         ids=["bad-request", "forbidden"])
async def test_a_refusal_for_good_fails_the_row_and_tells_the_hook_once(
        db, sender, telegram, failures, error):
    await put(db, "refused")
    await put(db, "fine")
    telegram.errors["refused"] = error
    assert await sender.deliver_due() == 1  # the next row still goes
    stored = await row(db, "refused")
    assert (stored["status"], stored["attempts"]) == ("failed", 1)
    assert stored["last_error"] == f"{type(error).__name__}: {error.message}"
    assert [(key, exc) for key, exc in failures.seen] == [("refused", error)]
    assert (await row(db, "fine"))["status"] == "sent"

    assert await sender.deliver_due() == 0
    assert telegram.rendered() == ["refused", "fine"]  # never tried again
    assert len(failures.seen) == 1


async def test_a_refusal_without_a_hook_is_just_recorded(db, telegram):
    telegram.errors["refused"] = Forbidden("Forbidden: bot was kicked from the group chat")
    plain = OutboxSender(db, telegram, Chats())
    await put(db, "refused")
    assert await plain.deliver_due() == 0
    assert (await row(db, "refused"))["status"] == "failed"


async def test_urgent_rows_are_rendered_before_normal_ones(db, sender, telegram):
    await put(db, "normal-1")
    await put(db, "normal-2", kind="queue_post", queue_id="137")
    await put(db, "urgent-1", kind="queue_post", queue_id="137", priority=URGENT)
    await put(db, "normal-3")
    await put(db, "urgent-2", priority=URGENT)
    assert await sender.deliver_due() == 5
    # Urgent first; then the chats in turn (the group was served first, so the other chat now).
    assert telegram.rendered() == ["urgent-1", "urgent-2", "normal-2", "normal-1", "normal-3"]


async def test_more_than_one_batch_is_delivered_in_one_pass(db, sender, telegram):
    for number in range(23):  # more than any one read of the table
        await put(db, f"n{number:02d}")
    assert await sender.deliver_due() == 23
    assert telegram.rendered() == [f"n{number:02d}" for number in range(23)]
    assert await outbox.counts(db) == {"sent": 23}


async def test_posts_for_a_queue_with_no_group_wait_until_one_is_bound(db, telegram):
    chats = Chats()
    waiting = OutboxSender(db, telegram, chats)
    await put(db, "post", kind="queue_post", queue_id="123", priority=URGENT)
    await put(db, "direct", chat_id=77)
    assert await waiting.deliver_due() == 1
    assert telegram.calls == [("direct", 77)]
    assert (await row(db, "post"))["status"] == "pending"

    chats.bound["123"] = -100123  # /bind in the group
    assert await waiting.deliver_due() == 1
    assert telegram.calls[-1] == ("post", -100123)
    assert (await row(db, "post"))["status"] == "sent"


@pytest.mark.parametrize("error", [ChatMigrated(new_chat_id=-100999),
                                   ValueError("unknown outbox kind 'typo'")],
                         ids=["chat-migrated", "not-telegram"])
async def test_an_unexpected_error_does_not_block_the_rows_after_it(db, sender, telegram, error):
    """Neither a TelegramError outside the usual four nor a bug in rendering one row may raise
    out of deliver_due and keep the rows behind it waiting."""
    await put(db, "odd", kind="queue_post", queue_id="137", priority=URGENT)
    await put(db, "behind-1")
    await put(db, "behind-2", chat_id=2000)
    telegram.errors["odd"] = error
    assert await sender.deliver_due() == 2
    assert (await row(db, "behind-1"))["status"] == "sent"
    assert (await row(db, "behind-2"))["status"] == "sent"
    odd = await row(db, "odd")
    assert odd["status"] == "pending" and odd["attempts"] == 1
    assert seconds_from_now(odd["next_attempt_at"]) > 0  # later, not in a tight loop
    assert telegram.rendered().count("odd") == 1


async def wait_for_status(db: Database, key: str, status: str, within: float) -> bool:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        stored = await row(db, key)
        if stored is not None and stored["status"] == status:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_the_task_delivers_a_row_as_soon_as_it_is_woken(db, sender, telegram):
    sender.start()
    sender.start()  # a second start does not make a second consumer
    try:
        await asyncio.sleep(0.1)  # it found nothing and went to sleep (for IDLE_CHECK = 30 s)
        async with db.transaction() as conn:
            await outbox.enqueue(conn, "woken", "notice", chat_id=5)
        sender.wake()
        assert await wait_for_status(db, "woken", "sent", within=1.0)
        assert telegram.calls == [("woken", 5)]
    finally:
        await asyncio.wait_for(sender.stop(), timeout=2)


async def test_stop_returns_promptly_and_nothing_is_sent_after_it(db, sender, telegram):
    sender.start()
    await asyncio.sleep(0.05)
    await asyncio.wait_for(sender.stop(), timeout=2)
    await sender.stop()  # twice is harmless
    await put(db, "after-stop")
    sender.wake()
    await asyncio.sleep(0.2)
    assert telegram.calls == []
    assert (await row(db, "after-stop"))["status"] == "pending"


async def test_the_task_survives_a_failing_pass(db, telegram):
    """An error in one pass is logged and the loop goes on (it does not die silently)."""
    broken = True

    async def chats():
        if broken:
            raise RuntimeError("config reload in progress")
        return {}

    looping = OutboxSender(db, telegram, chats)
    looping.start()
    try:
        await asyncio.sleep(0.1)
        assert looping._task is not None and not looping._task.done()
    finally:
        await asyncio.wait_for(looping.stop(), timeout=2)


@pytest.mark.parametrize("yields", [0, 1, 2, 3])
async def test_stop_right_after_a_wake_still_stops(db, sender, yields):
    """A wake just before stop (a /bind, then shutdown) must not swallow the cancellation:
    with asyncio.wait_for on Python 3.11 it could, and stop() then waited for ever."""
    sender.start()
    await asyncio.sleep(0.05)  # asleep until woken
    sender.wake()
    for _ in range(yields):  # let the wake get part of the way through
        await asyncio.sleep(0)
    task = sender._task
    stopping = asyncio.create_task(sender.stop())
    done, _ = await asyncio.wait({stopping}, timeout=1)  # asyncio.wait cancels nothing
    if not done:  # clean up before failing: cancel again, which the second wait obeys
        task.cancel()
        await stopping
    assert done, "stop() hung: the sender went on after its cancellation"


# Exactly once, in effect: claimed before sending, outcomes retried from memory.

async def test_a_row_is_claimed_before_it_is_sent(db, sender):
    await put(db, "claimed", chat_id=42)
    seen = []

    async def render(item, chat_id):
        seen.append((await row(db, "claimed"))["claimed_at"])
        return None

    sender.render = render
    assert await sender.deliver_due() == 1
    assert seen[0] is not None
    assert (await row(db, "claimed"))["claimed_at"] is None


async def test_a_failing_mark_sent_is_retried_from_memory_and_never_sends_again(
        db, sender, telegram, monkeypatch):
    await put(db, "once", chat_id=42)
    real_mark_sent = outbox.mark_sent
    failures_left = [3]

    async def failing_mark_sent(*args, **kwargs):
        if failures_left[0]:
            failures_left[0] -= 1
            raise OSError("disk full")
        await real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent", failing_mark_sent)
    for _ in range(3):
        with pytest.raises(OSError):
            await sender.deliver_due()
        assert (await row(db, "once"))["status"] == "pending"
    await sender.deliver_due()
    assert telegram.rendered() == ["once"]
    assert (await row(db, "once"))["status"] == "sent"
    assert await sender.deliver_due() == 0
    assert telegram.rendered() == ["once"]


async def test_a_row_found_in_flight_after_a_crash_is_sent_again_once(db, telegram):
    await put(db, "cut", chat_id=42)
    await db.execute("UPDATE outbox SET claimed_at = '2000-01-01T00:00:00+00:00'")
    first_life = OutboxSender(db, telegram, Chats())
    assert await first_life.deliver_due() == 1  # released once at start, sent again
    assert await first_life.deliver_due() == 0
    assert telegram.rendered() == ["cut"]
    assert (await row(db, "cut"))["crash_resends"] == 1
    assert await outbox.in_flight(db) == 0


async def test_a_row_cut_at_a_second_crash_is_still_sent(db, telegram):
    """Most rows a kill finds in flight never left (the render waits for the chat's budget):
    a danger report's post is not given up at the second kill."""
    await put(db, "twice", chat_id=42)
    await db.execute("UPDATE outbox SET claimed_at = '2000-01-01T00:00:00+00:00',"
                     " crash_resends = 1")
    assert await OutboxSender(db, telegram, Chats()).deliver_due() == 1
    assert telegram.rendered() == ["twice"]
    assert (await row(db, "twice"))["crash_resends"] == 2


async def test_a_row_in_flight_at_every_one_of_four_starts_is_given_up(db, telegram):
    await put(db, "poison", chat_id=42)
    await db.execute("UPDATE outbox SET claimed_at = '2000-01-01T00:00:00+00:00',"
                     " crash_resends = ?", (outbox.MAX_CRASH_RESENDS,))
    assert await OutboxSender(db, telegram, Chats()).deliver_due() == 0
    assert telegram.rendered() == []
    assert (await row(db, "poison"))["status"] == "failed"


async def test_the_admins_are_told_of_a_row_given_up_after_crashes(db, telegram):
    await put(db, "poison", chat_id=42)
    await db.execute("UPDATE outbox SET claimed_at = '2000-01-01T00:00:00+00:00',"
                     " crash_resends = ?", (outbox.MAX_CRASH_RESENDS,))
    sender = OutboxSender(db, telegram, Chats(), admins=(7, 8))
    assert await sender.deliver_due() == 2  # the two alerts, not the row
    assert (await row(db, "poison"))["status"] == "failed"
    alerts = await db.fetchall("SELECT chat_id, payload FROM outbox WHERE kind = 'notice'"
                               " AND dedupe_key LIKE 'alert:%'")
    assert sorted(alert["chat_id"] for alert in alerts) == [7, 8]
    assert all('"admin.outbox_given_up"' in alert["payload"] and '"count": 1' in alert["payload"]
               for alert in alerts)
    await put(db, "later", chat_id=43)  # a second start finds nothing to give up: no alert
    assert await OutboxSender(db, telegram, Chats(), admins=(7, 8)).deliver_due() == 1


async def test_a_claimed_row_is_not_due(db, sender, telegram):
    await put(db, "busy", chat_id=42)
    await sender.deliver_due()  # recovery done
    await put(db, "other", chat_id=43)
    [item] = await outbox.due(db, {})
    assert await outbox.claim(db, item)
    assert await outbox.due(db, {}) == []
    assert not await outbox.claim(db, item)
