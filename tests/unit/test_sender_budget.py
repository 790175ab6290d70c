"""Telegram's limits kept by the bot: the budget's windows, the rate limiter (a 429 pauses only
its chat) and the sender serving chats in turn within each group's 20 a minute."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from telegram import Chat, Message
from telegram.error import RetryAfter

from child_report_bot.delivery.budget import MARGIN, ChatBudget, Limits
from child_report_bot.delivery.limiter import OUTBOX_SEND, ChatRateLimiter
from child_report_bot.delivery.sender import OutboxSender
from tests.support.outbox_rows import put

GROUP, OTHER_GROUP, PERSON = -100137, -100123, 4242


class FakeClock:
    """Monotonic seconds that a test moves on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_group_takes_twenty_a_minute_and_one_a_second():
    clock = FakeClock()
    budget = ChatBudget(Limits(), clock)
    for _ in range(20):
        assert budget.chat_wait(GROUP) == 0
        budget.record(GROUP, outbox=True)
        clock.now += 1.0 + MARGIN
    assert budget.group_free(GROUP) == 0
    # until the first of the twenty leaves the window
    assert budget.chat_wait(GROUP) == pytest.approx(60 + MARGIN - 20 * (1 + MARGIN))
    assert budget.chat_wait(OTHER_GROUP) == 0 and budget.chat_wait(PERSON) == 0


def test_a_private_chat_takes_one_a_second_and_the_outbox_only_its_share():
    clock = FakeClock()
    budget = ChatBudget(Limits(outbox_second=2), clock)
    budget.record(PERSON, outbox=False)
    assert 0.9 < budget.chat_wait(PERSON) <= 1 + MARGIN
    assert budget.wait(PERSON, outbox=True) > 0.9      # the outbox keeps to one a second …
    assert budget.wait(PERSON, outbox=False) == 0      # … an answer to the person may burst
    budget.record(PERSON + 1, outbox=True)
    budget.record(PERSON + 2, outbox=True)
    assert budget.wait(PERSON + 3, outbox=True) > 0   # the outbox's share is used up
    assert budget.wait(PERSON + 3, outbox=False) == 0  # an answer to a person still goes


def test_an_answer_to_a_person_bursts_two_then_keeps_to_one_a_second():
    """A step's edit and next question go at once; a third at once waits (one short of
    Telegram's bucket, paced a margin slower), so a fast person never provokes a 429."""
    clock = FakeClock()
    budget = ChatBudget(Limits(), clock)
    for _ in range(2):
        assert budget.wait(PERSON, outbox=False) == 0
        budget.record(PERSON, outbox=False)
    assert budget.wait(PERSON, outbox=False) == pytest.approx(1 + MARGIN)
    clock.now += 1 + MARGIN
    assert budget.wait(PERSON, outbox=False) == 0
    budget.record(PERSON, outbox=False)
    assert budget.wait(PERSON, outbox=False) == pytest.approx(1 + MARGIN)
    assert budget.wait(PERSON + 1, outbox=False) == 0  # every chat has its own


def test_a_slow_answer_spaces_the_chats_next_request_from_when_it_was_answered():
    """A request answered 0.8 s after it left may have reached Telegram that late: the chat's
    next request is spaced from then, so requests bunched on their way provoke no 429."""
    clock = FakeClock()
    budget = ChatBudget(Limits(per_chat_burst=1), clock)
    budget.record(PERSON, outbox=False)
    clock.now += 0.8
    budget.settle(PERSON, 0.8)  # its answer came only now
    assert budget.wait(PERSON, outbox=False) == pytest.approx(1 + MARGIN)
    assert budget.wait(PERSON + 1, outbox=False) == 0  # another chat is not held by it


def test_a_pause_holds_one_chat_only():
    clock = FakeClock()
    budget = ChatBudget(Limits(), clock)
    budget.pause(GROUP, 30)
    assert budget.chat_wait(GROUP) == 30 and budget.chat_wait(OTHER_GROUP) == 0
    clock.now += 31
    assert budget.chat_wait(GROUP) == 0


async def test_a_429_pauses_only_its_chat_and_a_direct_reply_is_retried():
    limiter = ChatRateLimiter(Limits(), max_retries=2)
    sent: list[tuple[int, float]] = []
    refuse = {GROUP: 1}

    async def call(chat_id):
        if refuse.get(chat_id):
            refuse[chat_id] -= 1
            raise RetryAfter(retry_after=1)
        sent.append((chat_id, time.monotonic()))
        return True

    async def send(chat_id):
        return await limiter.process_request(call, (chat_id,), {}, "sendMessage",
                                             {"chat_id": chat_id}, None)

    started = time.monotonic()
    throttled = asyncio.create_task(send(GROUP))
    await asyncio.sleep(0.05)
    assert await send(OTHER_GROUP) is True            # not held by the other group's 429
    assert await throttled is True                    # retried once its own pause ran out
    times = dict(sent)
    assert times[OTHER_GROUP] - started < 0.5 <= 1.0 <= times[GROUP] - started
    assert limiter.provoked == 1


async def test_an_outbox_send_is_not_retried_by_the_limiter():
    limiter = ChatRateLimiter(Limits())

    async def call():
        raise RetryAfter(retry_after=5)

    async def outbox_send():
        OUTBOX_SEND.set(True)
        return await limiter.process_request(call, (), {}, "sendMessage",
                                             {"chat_id": GROUP}, None)

    with pytest.raises(RetryAfter):
        await asyncio.create_task(outbox_send())
    assert limiter.budget.paused_for(GROUP) > 4       # later sends to it wait; the sender too


async def test_answers_to_callbacks_are_never_held(monkeypatch):
    limiter = ChatRateLimiter(Limits())
    limiter.budget.pause(PERSON, 60)

    async def call():
        return True

    assert await asyncio.wait_for(limiter.process_request(
        call, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None), 1)


class Through:
    """A render that goes through the rate limiter, as the bot's calls do."""

    def __init__(self, limiter: ChatRateLimiter) -> None:
        self.limiter = limiter
        self.sent: list[int] = []

    async def __call__(self, item, chat_id) -> Message:
        async def call():
            self.sent.append(chat_id)
            return True
        await self.limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id},
                                           None)
        return Message(message_id=len(self.sent), date=dt.datetime.now(dt.UTC),
                       chat=Chat(chat_id, Chat.SUPERGROUP))


async def test_a_burst_to_one_group_keeps_its_budget_and_delays_no_other_chat(db):
    clock = FakeClock()
    # Only the group's minute counts here (the others are the subject of the tests above).
    limiter = ChatRateLimiter(Limits(per_chat_second=1000, overall_second=1000,
                                     outbox_second=1000, per_chat_burst=1000))
    limiter.budget.clock = clock
    render = Through(limiter)

    async def chats():
        return {"137": GROUP, "123": OTHER_GROUP}

    sender = OutboxSender(db, render, chats, budget=limiter.budget)
    for number in range(50):
        await put(db, f"burst-{number}", kind="queue_post", queue_id="137")
    await put(db, "other-group", kind="queue_post", queue_id="123")
    await put(db, "reporter", chat_id=PERSON)
    assert await sender.deliver_due() == 22
    assert render.sent[:3].count(GROUP) == 1          # the others were served in turn at once
    assert {OTHER_GROUP, PERSON} <= set(render.sent[:3])
    assert render.sent.count(GROUP) == 20 and limiter.provoked == 0
    assert sender.blocked_for == pytest.approx(60 + MARGIN)  # it sleeps until the window moves
    clock.now += 61
    assert await sender.deliver_due() == 20
    clock.now += 61
    assert await sender.deliver_due() == 10
