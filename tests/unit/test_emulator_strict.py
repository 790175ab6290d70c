"""The emulator refuses what Telegram refuses: each rule driven over real HTTP.

Status codes, descriptions and ``parameters`` are Telegram's (Bot API docs, tdlib's
``parse_html`` and its tests).
"""

from __future__ import annotations

import json
import types

import httpx
import pytest
import telegram
from telegram.error import ChatMigrated, RetryAfter
from telegram.ext import Defaults, ExtBot

from tests.support import emulator as emulator_module
from tests.support.emulator import QUERY_INVALID, BotAPIEmulator, FakeUser

TOKEN = "123456:EMULATOR-strict-test"
CHAT_NOT_FOUND = (400, "Bad Request: chat not found")
CANT_INITIATE = (403, "Forbidden: bot can't initiate conversation with a user")


@pytest.fixture
def api():
    with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


def post(http: httpx.Client, api: BotAPIEmulator, method: str, **params) -> dict:
    """Sends like PTB: strings as they are, everything else JSON-encoded."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = http.post(f"{api.base_url}{TOKEN}/{method}", data=data)
    body = response.json()
    assert response.status_code == (200 if body["ok"] else body["error_code"])
    return body


def ok(http, api, method, **params):
    body = post(http, api, method, **params)
    assert body["ok"] is True, body
    return body["result"]


def error(http, api, method, **params) -> tuple[int, str]:
    body = post(http, api, method, **params)
    assert body["ok"] is False, body
    return body["error_code"], body["description"]


def started(api: BotAPIEmulator, user_id: int = 1001) -> FakeUser:
    """A person who has sent the bot /start."""
    user = FakeUser(api, user_id)
    user.text("/start")
    return user


# ----------------------------------------------------------------------------- 1. unknown chats

@pytest.mark.parametrize("method", ["sendMessage", "sendLocation", "sendChatAction", "getChat",
                                    "getChatMember", "deleteMessage", "editMessageText",
                                    "getChatMenuButton", "pinChatMessage"])
def test_a_chat_nobody_wrote_from_is_not_found(api, http, method):
    """Any method naming a chat the emulator never saw answers 400 chat not found."""
    params = {"text": "x", "latitude": 1.0, "longitude": 2.0, "action": "typing",
              "user_id": 5, "message_id": 1}
    for chat_id in (424242, -100424242):
        assert error(http, api, method, chat_id=chat_id, **params) == CHAT_NOT_FOUND


def test_groups_become_known_when_someone_writes_or_the_test_creates_them(api, http):
    """A group exists once a member wrote in it or the test added the bot to it."""
    assert error(http, api, "sendMessage", chat_id=-2001, text="x") == CHAT_NOT_FOUND
    FakeUser(api, 1001).text("hello", chat_id=-2001)
    assert ok(http, api, "sendMessage", chat_id=-2001, text="x")["chat"]["id"] == -2001
    api.add_group(-2002, title="Staff 137")
    assert ok(http, api, "getChat", chat_id=-2002)["title"] == "Staff 137"
    with pytest.raises(ValueError):
        api.add_group(2003)


def test_lenient_emulator_knows_every_chat():
    """``strict=False`` keeps the old, forgiving behaviour for tests of the mechanics."""
    with BotAPIEmulator(strict=False) as lenient, httpx.Client(timeout=5) as client:
        assert ok(client, lenient, "sendMessage", chat_id=424242, text="x")
        assert ok(client, lenient, "sendLocation", chat_id=1, latitude=1, longitude=2,
                  parse_mode="HTML")
        assert lenient.unsupported == []


# ----------------------------------------------------------------------------- 2. never started

def test_a_user_who_never_started_the_bot_cannot_be_written_to(api, http):
    """Known only as a group member: 403 until they write privately (or start())."""
    staff = FakeUser(api, 1001)
    staff.text("hi all", chat_id=-2001)
    assert error(http, api, "sendMessage", chat_id=1001, text="x") == CANT_INITIATE
    assert error(http, api, "sendPhoto", chat_id=1001, photo="https://x.org/a.jpg") == (
        CANT_INITIATE)
    assert ok(http, api, "getChat", chat_id=1001)["type"] == "private"  # seen, just not started
    staff.text("/start")
    assert ok(http, api, "sendMessage", chat_id=1001, text="x")
    volunteer = FakeUser(api, 1002).start()
    assert ok(http, api, "sendMessage", chat_id=volunteer.id, text="x")
    assert error(http, api, "sendMessage", chat_id=1003, text="x") == CHAT_NOT_FOUND


def test_blocked_users_and_kicked_groups_are_forbidden(api, http):
    """Blocking stays 403 "blocked by the user"; a group that removed the bot, "kicked"."""
    user = started(api)
    user.block()
    assert error(http, api, "sendMessage", chat_id=1001, text="x") == (
        403, "Forbidden: bot was blocked by the user")
    user.unblock()
    assert ok(http, api, "sendMessage", chat_id=1001, text="x")
    api.blocked_chats.add(-2001)
    assert error(http, api, "sendMessage", chat_id=-2001, text="x") == (
        403, "Forbidden: bot was kicked from the supergroup chat")


# ----------------------------------------------------------------------------- 3. callback expiry

def pressed(api: BotAPIEmulator, http: httpx.Client) -> str:
    """A fresh callback query id from a press on a bot message."""
    user = started(api)
    message = ok(http, api, "sendMessage", chat_id=1001, text="pick",
                 reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})
    user.press(message, "a")
    return ok(http, api, "getUpdates", offset=-1)[0]["callback_query"]["id"]


def test_a_query_answered_once_in_time_is_accepted_and_a_second_answer_refused(api, http):
    """Telegram takes one answer per query."""
    query_id = pressed(api, http)
    assert ok(http, api, "answerCallbackQuery", callback_query_id=query_id, text="ok") is True
    assert error(http, api, "answerCallbackQuery", callback_query_id=query_id) == (
        400, QUERY_INVALID)


def test_a_query_answered_after_fifteen_seconds_is_too_old(api, http):
    """``advance`` moves the emulator's clock, so a test can expire a query at once."""
    query_id = pressed(api, http)
    api.advance(seconds=14)
    other = pressed(api, http)
    api.advance(seconds=2)
    assert error(http, api, "answerCallbackQuery", callback_query_id=query_id) == (
        400, QUERY_INVALID)
    assert ok(http, api, "answerCallbackQuery", callback_query_id=other) is True


def test_real_time_counts_too(api, http, monkeypatch):
    """A query really answered 16 s late fails, without any ``advance``."""
    query_id = pressed(api, http)
    real = emulator_module.time
    late = types.SimpleNamespace(time=lambda: real.time() + 16, monotonic=real.monotonic,
                                 sleep=real.sleep)
    monkeypatch.setattr(emulator_module, "time", late)
    assert error(http, api, "answerCallbackQuery", callback_query_id=query_id) == (
        400, QUERY_INVALID)


def test_a_replayed_update_can_be_answered_again(api, http):
    """Telegram re-sending an unconfirmed press (after a crash) gives a fresh 15 s."""
    query_id = pressed(api, http)
    [update] = api.delivered_updates()[-1:]
    api.advance(seconds=30)
    api.inject_raw(update)
    assert ok(http, api, "answerCallbackQuery", callback_query_id=query_id) is True


# ----------------------------------------------------------------------------- 4. HTML

@pytest.mark.parametrize(("text", "message"), [
    ("x < y", 'Unsupported start tag "" at byte offset 2'),
    ("a <b", "Unclosed start tag at byte offset 2"),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
    ('<a href=https://x.org>l</a>', "Unexpected end of name token at byte offset 8"),
    ('<a href="https://x.org>l</a>', "Unclosed start tag at byte offset 0"),
    ("<i aba>x</i>", 'Expected equal sign in declaration of an attribute of the tag "i" at byte '
                     "offset 0"),
    ('<i ="x">y</i>', 'Empty attribute name in the tag "i" at byte offset 0'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("&#xDFDF;", "Text contains invalid Unicode characters after decoding HTML entities, check "
                 "for unmatched surrogate code units"),
    ('<tg-emoji emoji-id="x">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
])
def test_html_outside_telegrams_subset_is_refused(api, http, text, message):
    """tdlib's own error texts and byte offsets."""
    started(api)
    assert error(http, api, "sendMessage", chat_id=1001, text=text, parse_mode="HTML") == (
        400, "Bad Request: can't parse entities: " + message)


@pytest.mark.parametrize(("text", "plain"), [
    ("&lt;b&gt; &amp; &quot;q&quot;", '<b> & "q"'),
    ("it&#39;s it&#x27;s", "it's it's"),
    ("<b>x</b> <strong>y</strong> <ins>u</ins> <del>d</del> <em>e</em>", "x y u d e"),
    ('<a href="https://x.org/?a=1&amp;b=2">l</a>', "l"),
    ("<a href=x.org>l</a>", "l"),  # a bare name token needs no quotes
    ("<blockquote expandable>q</blockquote>", "q"),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ("<i>a</>", "a"),
])
def test_telegrams_html_is_accepted(api, http, text, plain):
    """The supported tags, the four named entities and numeric ones are decoded."""
    started(api)
    message = ok(http, api, "sendMessage", chat_id=1001, text=text, parse_mode="HTML")
    assert message["text"] == plain
    assert api.unsupported == []


def test_other_named_entities_stay_literal_and_are_noted(api, http):
    """Telegram shows ``&nbsp;`` as it is; the emulator notes it for the fixture to fail on."""
    started(api)
    message = ok(http, api, "sendMessage", chat_id=1001, text="a&nbsp;b", parse_mode="HTML")
    assert message["text"] == "a&nbsp;b"
    assert api.unsupported == ["sendMessage text: HTML entity &nbsp; is not decoded by Telegram and is "
                               "shown literally"]


def test_lengths_count_utf16_units_after_entity_parsing(api, http):
    """4096 units of text, 1024 of caption; an emoji outside the BMP counts two."""
    started(api)
    assert ok(http, api, "sendMessage", chat_id=1001, text="<b>" + "😀" * 2048 + "</b>",
              parse_mode="HTML")
    assert error(http, api, "sendMessage", chat_id=1001, text="😀" * 2048 + "x") == (
        400, "Bad Request: message is too long")
    assert ok(http, api, "sendPhoto", chat_id=1001, photo="https://x.org/a.jpg",
              caption="&amp;" * 1024, parse_mode="HTML")
    assert error(http, api, "sendPhoto", chat_id=1001, photo="https://x.org/a.jpg",
                 caption="😀" * 512 + "x") == (400, "Bad Request: message caption is too long")


# ----------------------------------------------------------------------------- 5. parameters

def test_parameters_a_method_does_not_take_are_ignored_but_recorded(api, http):
    """Telegram answers as if they were absent; the emulator keeps them for the fixture."""
    started(api)
    sent = ok(http, api, "sendLocation", chat_id=1001, latitude=35.7, longitude=51.4,
              caption="here")
    assert sent["location"]["latitude"] == 35.7 and "caption" not in sent
    ok(http, api, "editMessageReplyMarkup", chat_id=1001, message_id=sent["message_id"],
       reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
       disable_web_page_preview=True)
    ok(http, api, "sendMessage", chat_id=1001, text="x", parse_mode="HTML",
       reply_parameters={"message_id": 1})  # all taken: nothing recorded
    assert [entry.split(" (")[0] for entry in api.unsupported] == [
        "sendLocation: caption", "editMessageReplyMarkup: disable_web_page_preview"]
    assert not api.unsupported_allowed
    api.allow_unsupported()
    assert api.unsupported_allowed


@pytest.mark.asyncio
async def test_the_parse_mode_ptb_defaults_add_everywhere_is_kept_apart(api):
    """PTB's Defaults(parse_mode=...) reach sendLocation and editMessageReplyMarkup too; that
    is the library's doing, noted in ``library_extras`` and not failing the test."""
    FakeUser(api, 1001).start()
    bot = ExtBot(TOKEN, base_url=api.base_url, defaults=Defaults(parse_mode="HTML"))
    async with bot:
        sent = await bot.send_location(1001, latitude=35.7, longitude=51.4)
        keyboard = telegram.InlineKeyboardMarkup.from_button(
            telegram.InlineKeyboardButton("a", callback_data="a"))
        await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=keyboard)
    assert api.unsupported == []
    assert api.library_extras == ["sendLocation: parse_mode",
                                  "editMessageReplyMarkup: parse_mode"]


def test_the_fixture_allows_a_test_that_checks_this_on_purpose(emu):
    """With ``allow_unsupported()`` the ``emu`` fixture lets such calls pass."""
    FakeUser(emu, 1001).start()
    with httpx.Client(timeout=5) as client:
        ok(client, emu, "sendChatAction", chat_id=1001, action="typing", text="hm")
    assert emu.unsupported
    emu.allow_unsupported()


# ----------------------------------------------------------------------------- 6. migration

@pytest.mark.asyncio
async def test_a_migrated_group_answers_with_its_new_id(api):
    """After ``migrate_group`` the old id is refused with migrate_to_chat_id; the bot gets
    both service messages and can write to the supergroup."""
    admin = FakeUser(api, 1001, first_name="Admin")
    admin.text("/bind 137", chat_id=-4001)
    bot = telegram.Bot(TOKEN, base_url=api.base_url, base_file_url=api.file_base_url)
    async with bot:
        await bot.get_updates()
        assert (await bot.send_message(-4001, "before")).chat.type == "supergroup"
        new_id = api.migrate_group(-4001, by=1001)
        assert new_id == -1000000004001 and api.migrated == {-4001: new_id}
        with pytest.raises(ChatMigrated) as raised:
            await bot.send_message(-4001, "after")
        assert raised.value.new_chat_id == new_id
        updates = await bot.get_updates(offset=-2)
        old, new = (update.message for update in updates)
        assert old.chat.id == -4001 and old.chat.type == "group"
        assert old.migrate_to_chat_id == new_id and old.from_user.id == 1001
        assert new.chat.id == new_id and new.chat.type == "supergroup"
        assert new.migrate_from_chat_id == -4001
        assert (await bot.send_message(new_id, "after")).chat.id == new_id
    with httpx.Client(timeout=5) as client:
        assert post(client, api, "editMessageText", chat_id=-4001, message_id=1, text="x") == {
            "ok": False, "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": new_id}}


# ----------------------------------------------------------------------------- 7. flood limits

def test_flood_limits_are_off_until_a_test_switches_them_on(api, http):
    """By default any number of sends go through."""
    started(api)
    for _ in range(40):
        ok(http, api, "sendMessage", chat_id=1001, text="x")
    assert api.flood_count == 0


def test_one_message_a_second_per_chat_then_retry_after(api, http):
    """A chat takes a short burst (three), then one a second: the fourth send at once gets 429
    with retry_after, and so does every send to that chat while it runs; other chats are not
    held up."""
    started(api)
    started(api, 1002)
    api.limits(per_chat=1.0, per_group_minute=20, overall=30.0)
    first = ok(http, api, "sendMessage", chat_id=1001, text="one")["message_id"]
    ok(http, api, "sendMessage", chat_id=1001, text="two")
    ok(http, api, "editMessageText", chat_id=1001, message_id=first, text="burst")
    too_fast = post(http, api, "sendMessage", chat_id=1001, text="four")
    assert too_fast == {"ok": False, "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}}
    assert ok(http, api, "sendMessage", chat_id=1002, text="elsewhere")
    api.advance(seconds=0.5)
    assert error(http, api, "editMessageText", chat_id=1001, message_id=first, text="e") == (
        429, "Too Many Requests: retry after 1")
    api.advance(seconds=0.6)
    assert ok(http, api, "editMessageText", chat_id=1001, message_id=first, text="e")
    assert error(http, api, "sendMessage", chat_id=1001, text="again at once") == (
        429, "Too Many Requests: retry after 1")
    api.advance(seconds=1.0)
    assert ok(http, api, "sendMessage", chat_id=1001, text="a second later")
    assert api.flood_count == 3


def test_twenty_messages_a_minute_per_group(api, http):
    """The 21st post to a group within a minute waits until the first leaves the window."""
    api.add_group(-2001)
    api.limits(per_chat=1.0, per_group_minute=20, overall=30.0)
    for _ in range(20):
        ok(http, api, "sendMessage", chat_id=-2001, text="post")
        api.advance(seconds=1.0)
    body = post(http, api, "sendMessage", chat_id=-2001, text="21st")
    assert body["error_code"] == 429 and body["parameters"] == {"retry_after": 40}
    api.advance(seconds=40)
    assert ok(http, api, "sendMessage", chat_id=-2001, text="21st")


def test_thirty_messages_a_second_overall(api, http):
    """The 31st send in a second, to any chat, gets 429."""
    users = [started(api, 3000 + n) for n in range(31)]
    api.limits(per_chat=1.0, per_group_minute=20, overall=30.0)
    for user in users[:30]:
        ok(http, api, "sendMessage", chat_id=user.id, text="x")
    assert error(http, api, "sendMessage", chat_id=users[30].id, text="x") == (
        429, "Too Many Requests: retry after 1")
    assert api.flood_count == 1


@pytest.mark.asyncio
async def test_polling_answers_and_files_are_not_counted(api):
    """getUpdates, getMe, answerCallbackQuery and getFile never meet flood control; PTB sees
    a 429 on a send as RetryAfter."""
    user = started(api)
    file_id = api.add_file(kind="photo")
    api.limits(per_chat=1.0, per_group_minute=20, overall=1.0)
    bot = telegram.Bot(TOKEN, base_url=api.base_url, base_file_url=api.file_base_url)
    async with bot:
        for _ in range(5):
            await bot.get_me()
            await bot.get_updates()
            await bot.get_file(file_id)
        message = await bot.send_message(1001, "pick")
        user.press(api.message(1001, message.message_id), "a")
        [update] = await bot.get_updates(offset=-1)
        assert await bot.answer_callback_query(update.callback_query.id)
        with pytest.raises(RetryAfter):
            await bot.send_message(1001, "again")
    assert api.flood_count == 1
