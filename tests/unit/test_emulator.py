"""Tests of the Bot API emulator itself: raw HTTP with httpx, then a real ``telegram.Bot``."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tests.support.emulator import BOT_USER, NOT_MODIFIED, BotAPIEmulator, Call, FakeUser

TOKEN = "123456:EMULATOR-self-test"


@pytest.fixture
def api():
    """A lenient emulator: these tests send to made-up chats to check the mechanics; the
    strict rules are tested in test_emulator_strict.py."""
    with BotAPIEmulator(strict=False) as emulator:
        yield emulator


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


def url(api: BotAPIEmulator, method: str) -> str:
    return f"{api.base_url}{TOKEN}/{method}"


def form(**params) -> dict:
    """Encode like PTB: strings as they are, everything else JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def call_api(http: httpx.Client, api: BotAPIEmulator, method: str, **params) -> dict:
    return http.post(url(api, method), data=form(**params)).json()


def ok(http, api, method, **params):
    body = call_api(http, api, method, **params)
    assert body["ok"] is True, body
    return body["result"]


def error(http, api, method, **params) -> tuple[int, str]:
    body = call_api(http, api, method, **params)
    assert body["ok"] is False, body
    return body["error_code"], body["description"]


def keyboard(*data: str) -> dict:
    return {"inline_keyboard": [[{"text": d or "x", "callback_data": d} for d in data]]}


# ----------------------------------------------------------------------------- basics

def test_urls_get_me_and_case_insensitive_methods(api, http):
    assert api.base_url == f"http://127.0.0.1:{api.port}/bot"
    assert api.file_base_url == f"http://127.0.0.1:{api.port}/file/bot"
    me = http.get(url(api, "GETME")).json()["result"]
    assert me["id"] == 1000000 and me["is_bot"] and me["username"] == "child_report_test_bot"
    assert me["first_name"] == "Child Report Bot" and me["can_join_groups"] is True
    assert api.calls[-1].method == "getMe"
    for method in ("logOut", "close", "deleteWebhook", "setMyDescription",
                   "setMyShortDescription", "deleteMyCommands"):
        assert ok(http, api, method) is True
    info = ok(http, api, "getWebhookInfo")
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


def test_unknown_method_is_404(api, http):
    response = http.post(url(api, "sendTelepathy"), data={"chat_id": "1"})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert api.calls[-1].error == "Not Found"
    assert http.get(f"http://127.0.0.1:{api.port}/nothing").status_code == 404


def test_form_parameters_are_decoded_like_ptb_sends_them(api, http):
    markup = keyboard("a:1", "b:2")
    ok(http, api, "sendMessage", chat_id=1001, text="hi", reply_markup=markup,
       disable_notification=True, entities=[{"type": "bold", "offset": 0, "length": 2}])
    params = api.calls[-1].params
    assert params["chat_id"] == 1001 and params["text"] == "hi"
    assert params["reply_markup"] == markup and params["disable_notification"] is True
    assert params["entities"][0]["type"] == "bold"
    ok(http, api, "sendLocation", chat_id=1001, latitude=35.7, longitude=51.4)
    assert api.calls[-1].params["latitude"] == 35.7


def test_json_body_and_query_string_parameters(api, http):
    body = {"chat_id": -1005, "text": "json", "reply_markup": keyboard("k")}
    result = http.post(url(api, "sendMessage"), json=body).json()["result"]
    assert result["chat"] == {"id": -1005, "type": "supergroup", "title": "Test group -1005"}
    assert result["reply_markup"] == keyboard("k")
    result = http.get(url(api, "sendMessage") + "?chat_id=1001&text=query").json()["result"]
    assert result["text"] == "query" and api.calls[-1].params["chat_id"] == 1001


def test_message_state_ids_per_chat_and_chat_shapes(api, http):
    FakeUser(api, 1001, first_name="Sara", username="sara")
    first = ok(http, api, "sendMessage", chat_id=1001, text="one")
    second = ok(http, api, "sendMessage", chat_id=1001, text="two")
    other = ok(http, api, "sendMessage", chat_id=2002, text="other")
    assert (first["message_id"], second["message_id"], other["message_id"]) == (1, 2, 1)
    assert first["chat"] == {"id": 1001, "type": "private", "first_name": "Sara",
                             "username": "sara"}
    assert first["from"] == BOT_USER and isinstance(first["date"], int)
    assert [m["text"] for m in api.messages(1001)] == ["one", "two"]
    assert api.message(1001, 2)["text"] == "two"
    with pytest.raises(KeyError):
        api.message(1001, 99)
    assert api.calls_to("sendmessage", chat_id=1001) == api.calls[:2]


def test_media_location_venue_contact_action_and_chat_queries(api, http):
    api.add_file("AgACknownphoto", kind="photo")
    photo = ok(http, api, "sendPhoto", chat_id=7, photo="AgACknownphoto", caption="c")
    assert photo["photo"][-1]["file_id"] == "AgACknownphoto" and len(photo["photo"]) == 3
    assert len({p["file_unique_id"] for p in photo["photo"]}) == 3 and photo["caption"] == "c"
    venue = ok(http, api, "sendVenue", chat_id=7, latitude=1.5, longitude=2.5, title="T",
               address="A")
    assert venue["venue"]["title"] == "T" and venue["location"]["longitude"] == 2.5
    contact = ok(http, api, "sendContact", chat_id=7, phone_number="+98", first_name="N")
    assert contact["contact"] == {"phone_number": "+98", "first_name": "N"}
    assert ok(http, api, "sendChatAction", chat_id=7, action="typing") is True
    assert error(http, api, "sendChatAction", chat_id=7, action="dancing")[0] == 400
    assert ok(http, api, "getChat", chat_id=-100)["type"] == "supergroup"
    api.member_status[(-100, 5)] = "administrator"
    api.member_status[6] = "creator"
    assert ok(http, api, "getChatMember", chat_id=-100, user_id=5)["status"] == "administrator"
    assert ok(http, api, "getChatMember", chat_id=-100, user_id=9)["status"] == "member"
    admins = ok(http, api, "getChatAdministrators", chat_id=-100)
    assert sorted(a["user"]["id"] for a in admins) == [5, 6]
    assert ok(http, api, "pinChatMessage", chat_id=7, message_id=1) is True
    assert api.pinned == {7: 1}
    assert ok(http, api, "leaveChat", chat_id=-100) is True and -100 in api.left_chats
    assert ok(http, api, "setMyCommands", commands=[{"command": "start",
                                                     "description": "Start"}]) is True
    assert ok(http, api, "getMyCommands") == [{"command": "start", "description": "Start"}]
    assert error(http, api, "setMyCommands", commands=[{"command": "Bad Command",
                                                        "description": "x"}])[0] == 400
    assert ok(http, api, "setChatMenuButton", menu_button={"type": "commands"}) is True


def test_multipart_upload_get_file_and_download(api, http):
    csv = b"code,count\nABC,2\n"
    response = http.post(url(api, "sendDocument"), data={"chat_id": "-1009", "caption": "csv"},
                         files={"document": ("reports.csv", csv, "text/csv")})
    message = response.json()["result"]
    document = message["document"]
    assert document["file_name"] == "reports.csv" and document["mime_type"] == "text/csv"
    assert document["file_size"] == len(csv) and message["caption"] == "csv"
    call = api.calls[-1]
    assert call.params == {"chat_id": -1009, "caption": "csv"}
    assert call.files["document"].filename == "reports.csv"
    assert call.files["document"].content == csv
    file = ok(http, api, "getFile", file_id=document["file_id"])
    assert file["file_path"].endswith(".csv") and file["file_size"] == len(csv)
    download = http.get(f"{api.file_base_url}{TOKEN}/{file['file_path']}")
    assert download.status_code == 200 and download.content == csv
    assert http.get(f"{api.file_base_url}{TOKEN}/photos/nope.jpg").status_code == 404
    assert error(http, api, "getFile", file_id="nope") == (400, "Bad Request: invalid file_id")


def test_media_group_with_attached_uploads(api, http):
    media = [{"type": "photo", "media": "attach://one", "caption": "first"},
             {"type": "photo", "media": "attach://two"}]
    response = http.post(url(api, "sendMediaGroup"),
                         data={"chat_id": "1001", "media": json.dumps(media)},
                         files={"one": ("a.jpg", b"\xff\xd8one", "image/jpeg"),
                                "two": ("b.jpg", b"\xff\xd8two", "image/jpeg")})
    messages = response.json()["result"]
    assert [m["message_id"] for m in messages] == [1, 2]
    assert messages[0]["media_group_id"] == messages[1]["media_group_id"]
    assert messages[0]["caption"] == "first" and "caption" not in messages[1]
    assert messages[0]["photo"][-1]["file_id"].startswith("AgAC")
    assert api.file_content(messages[1]["photo"][-1]["file_id"]) == b"\xff\xd8two"
    assert error(http, api, "sendMediaGroup", chat_id=1, media=media[:1])[0] == 400


# ----------------------------------------------------------------------------- validation

@pytest.mark.parametrize(("params", "description"), [
    ({"text": "hi"}, "Bad Request: chat_id is empty"),
    ({"chat_id": 1}, "Bad Request: message text is empty"),
    ({"chat_id": 1, "text": ""}, "Bad Request: message text is empty"),
    ({"chat_id": "@nobody", "text": "x"}, "Bad Request: chat not found"),
    ({"chat_id": 1, "text": "x" * 4097}, "Bad Request: message is too long"),
    ({"chat_id": 1, "text": "x", "reply_markup": keyboard("d" * 65)},
     "Bad Request: BUTTON_DATA_INVALID"),
    ({"chat_id": 1, "text": "x", "reply_markup": keyboard("ش" * 33)},
     "Bad Request: BUTTON_DATA_INVALID"),
    ({"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [
        [{"text": str(i), "callback_data": str(i)} for i in range(10)] for _ in range(11)]}},
     "Bad Request: reply markup is too long"),
    ({"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "t"}]]}},
     "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
     "inline keyboard"),
    ({"chat_id": 1, "text": "<b>bold", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
    ({"chat_id": 1, "text": "<b>x</i>", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, expected "
     "\"</b>\", found \"</i>\""),
    ({"chat_id": 1, "text": "a <br> b", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Unsupported start tag \"br\" at byte offset 2"),
    ({"chat_id": 1, "text": "x</b>", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"),
    ({"chat_id": 1, "text": "<span>x</span>", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Tag \"span\" must have class \"tg-spoiler\" at byte "
     "offset 0"),
    ({"chat_id": 1, "text": "<b>" + "x" * 4097 + "</b>", "parse_mode": "HTML"},
     "Bad Request: message is too long"),
    ({"chat_id": 1, "text": "1.5", "parse_mode": "MarkdownV2"},
     "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with "
     "the preceding '\\'"),
])
def test_send_message_validation(api, http, params, description):
    response = http.post(url(api, "sendMessage"), data=form(**params))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error_code": 400, "description": description}
    assert api.calls[-1].error == description and api.calls[-1].status == 400
    assert api.messages(1) == []


def test_html_is_parsed_into_plain_text_and_entities(api, http):
    text = ('<b>Bold</b> &lt;tag&gt; <a href="https://x.org">link</a> '
            '<span class="tg-spoiler">s</span> <pre><code class="language-py">p</code></pre> '
            '<tg-spoiler>t</tg-spoiler> <blockquote>q</blockquote> <code>c</code> 😀<i>i</i>')
    message = ok(http, api, "sendMessage", chat_id=1, text=text, parse_mode="HTML")
    assert message["text"] == "Bold <tag> link s p t q c 😀i"
    kinds = [(e["type"], e["offset"], e["length"]) for e in message["entities"]]
    assert kinds == [("bold", 0, 4), ("text_link", 11, 4), ("spoiler", 16, 1), ("pre", 18, 1),
                     ("spoiler", 20, 1), ("blockquote", 22, 1), ("code", 24, 1),
                     ("italic", 28, 1)]
    assert message["entities"][1]["url"] == "https://x.org"
    assert message["entities"][3]["language"] == "py"
    long_but_fine = "<b>" + "x" * 4096 + "</b>"
    assert ok(http, api, "sendMessage", chat_id=1, text=long_but_fine, parse_mode="HTML")
    caption = "<i>" + "c" * 1024 + "</i>"
    api.add_file("AgACp", kind="photo")
    assert ok(http, api, "sendPhoto", chat_id=1, photo="AgACp", caption=caption,
              parse_mode="HTML")["caption"] == "c" * 1024
    assert error(http, api, "sendPhoto", chat_id=1, photo="AgACp", caption="c" * 1025) == (
        400, "Bad Request: message caption is too long")
    assert error(http, api, "sendPhoto", chat_id=1, photo="unknown")[0] == 400
    assert error(http, api, "sendMessage", chat_id=1, text="x", parse_mode="Bogus")[0] == 400


def test_blocked_chat_is_forbidden(api, http):
    api.blocked_chats.add(1001)
    response = http.post(url(api, "sendMessage"), data=form(chat_id=1001, text="hi"))
    assert response.status_code == 403
    assert response.json()["description"] == "Forbidden: bot was blocked by the user"
    assert ok(http, api, "sendMessage", chat_id=1002, text="hi")


def test_reply_to_missing_message_fails_unless_allowed(api, http):
    assert error(http, api, "sendMessage", chat_id=1, text="x",
                 reply_parameters={"message_id": 42}) == (
        400, "Bad Request: message to be replied not found")
    assert ok(http, api, "sendMessage", chat_id=1, text="x",
              reply_parameters={"message_id": 42, "allow_sending_without_reply": True})
    answer = ok(http, api, "sendMessage", chat_id=1, text="y", reply_parameters={"message_id": 1})
    assert answer["reply_to_message"]["text"] == "x"


def test_edits_update_the_stored_message_and_fail_like_telegram(api, http):
    sent = ok(http, api, "sendMessage", chat_id=1, text="old", reply_markup=keyboard("a"))
    mid = sent["message_id"]
    edited = ok(http, api, "editMessageText", chat_id=1, message_id=mid, text="new",
                reply_markup=keyboard("b"))
    assert edited["text"] == "new" and edited["reply_markup"] == keyboard("b")
    assert "edit_date" in edited and api.message(1, mid)["text"] == "new"
    assert error(http, api, "editMessageText", chat_id=1, message_id=mid, text="new",
                 reply_markup=keyboard("b")) == (400, NOT_MODIFIED)
    # Without reply_markup the keyboard goes away, so this one is a modification.
    assert "reply_markup" not in ok(http, api, "editMessageText", chat_id=1, message_id=mid,
                                    text="new")
    assert error(http, api, "editMessageText", chat_id=1, message_id=99, text="x") == (
        400, "Bad Request: message to edit not found")
    assert error(http, api, "editMessageText", chat_id=2, message_id=mid, text="x") == (
        400, "Bad Request: message to edit not found")
    assert error(http, api, "editMessageCaption", chat_id=1, message_id=mid, caption="c") == (
        400, "Bad Request: there is no caption in the message to edit")
    marked = ok(http, api, "editMessageReplyMarkup", chat_id=1, message_id=mid,
                reply_markup=keyboard("c"))
    assert marked["reply_markup"] == keyboard("c")
    assert error(http, api, "editMessageReplyMarkup", chat_id=1, message_id=mid,
                 reply_markup=keyboard("c")) == (400, NOT_MODIFIED)
    assert error(http, api, "editMessageText", chat_id=1, message_id=mid, text="z",
                 reply_markup=keyboard("d" * 65)) == (400, "Bad Request: BUTTON_DATA_INVALID")

    api.add_file("AgACedit", kind="photo")
    photo = ok(http, api, "sendPhoto", chat_id=1, photo="AgACedit", caption="cap")
    pid = photo["message_id"]
    assert error(http, api, "editMessageText", chat_id=1, message_id=pid, text="t") == (
        400, "Bad Request: there is no text in the message to edit")
    recaptioned = ok(http, api, "editMessageCaption", chat_id=1, message_id=pid,
                     caption="<b>new cap</b>", parse_mode="HTML")
    assert recaptioned["caption"] == "new cap" and recaptioned["caption_entities"]
    assert error(http, api, "editMessageCaption", chat_id=1, message_id=pid,
                 caption="<b>new cap</b>", parse_mode="HTML") == (400, NOT_MODIFIED)
    assert error(http, api, "editMessageCaption", chat_id=1, message_id=pid,
                 caption="c" * 1025) == (400, "Bad Request: message caption is too long")
    api.add_file("BQACdoc", kind="document", file_name="d.pdf")
    media = ok(http, api, "editMessageMedia", chat_id=1, message_id=pid,
               media={"type": "document", "media": "BQACdoc", "caption": "doc"})
    assert "photo" not in media and media["document"]["file_id"] == "BQACdoc"
    assert ok(http, api, "deleteMessage", chat_id=1, message_id=pid) is True
    assert error(http, api, "deleteMessage", chat_id=1, message_id=pid)[0] == 400
    assert [m["message_id"] for m in api.messages(1)] == [mid] and api.deleted == [(1, pid)]


# ----------------------------------------------------------------------------- updates

def test_injected_updates_offset_confirmation_and_limit(api, http):
    sara = FakeUser(api, 1001)
    ids = [sara.text(f"m{i}") for i in range(3)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    first = ok(http, api, "getUpdates", limit=2)
    assert [u["update_id"] for u in first] == ids[:2]
    assert [u["update_id"] for u in ok(http, api, "getUpdates")] == ids  # not yet confirmed
    assert [u["update_id"] for u in ok(http, api, "getUpdates", offset=ids[1])] == ids[1:]
    assert ok(http, api, "getUpdates", offset=ids[2] + 1) == []
    assert ok(http, api, "getUpdates") == []  # confirmed updates are gone for good
    assert [u["update_id"] for u in api.delivered_updates()] == ids[:2] + ids + ids[1:]


def test_long_poll_wakes_up_on_inject_and_times_out(api, http):
    started = time.monotonic()
    assert ok(http, api, "getUpdates", timeout=0.3) == []
    assert 0.25 <= time.monotonic() - started < 2

    threading.Timer(0.2, lambda: FakeUser(api, 5).text("wake")).start()
    started = time.monotonic()
    updates = ok(http, api, "getUpdates", timeout=5)
    assert time.monotonic() - started < 2
    assert updates[0]["message"]["text"] == "wake"


def test_inject_raw_redelivers_a_confirmed_update_once(api, http):
    user = FakeUser(api, 1001)
    update_id = user.text("once")
    [update] = ok(http, api, "getUpdates", offset=0)
    later = user.text("later")
    ok(http, api, "getUpdates", offset=later + 1)  # everything confirmed
    api.inject_raw(update)
    assert api.pending_updates() == [update]
    again = ok(http, api, "getUpdates", offset=later + 1)
    assert again == [update] and again[0]["update_id"] == update_id
    # A poller that restarts from offset 0 (the answer was lost) gets it again ...
    assert ok(http, api, "getUpdates", offset=0) == [update]
    # ... until a poll confirms it with a higher offset, as PTB's next poll does.
    assert ok(http, api, "getUpdates", offset=update_id + 1) == []
    assert ok(http, api, "getUpdates", offset=0) == []
    assert api.inject_raw({"update_id": later + 10, "message": update["message"]}) == later + 10
    assert user.text("next") == later + 11


def test_a_second_poller_terminates_the_first_with_409(api, http):
    results = []
    thread = threading.Thread(target=lambda: results.append(
        httpx.post(url(api, "getUpdates"), data={"timeout": "5"}, timeout=10).json()))
    thread.start()
    api.wait_for(lambda c: c.method == "getUpdates", timeout=2)
    assert ok(http, api, "getUpdates", timeout=0) == []
    thread.join(timeout=3)
    assert results[0]["error_code"] == 409 and "terminated by other getUpdates" in \
        results[0]["description"]


def test_builders_have_telegram_shapes(api, http):
    sara = FakeUser(api, 1001, first_name="Sara", language_code="fa", username="sara_t")
    sara.command("start", "ref42")
    sara.location(35.7, 51.4)
    sara.venue(35.7, 51.4, "Park", "Valiasr St")
    sara.contact("+989121234567")
    sara.contact("+989350000000", own=False)
    sara.photo()
    sara.document("child.jpg", "image/jpeg")
    sara.sticker()
    sara.voice()
    sara.video()
    sara.animation()
    sara.text("in the group", chat_id=-1002)
    messages = [u["message"] for u in ok(http, api, "getUpdates")]
    start, location, venue, own, other, photo, document, sticker, voice, video, animation, \
        group = messages
    assert start["text"] == "/start ref42"
    assert start["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert start["from"] == {"id": 1001, "is_bot": False, "first_name": "Sara",
                             "username": "sara_t", "language_code": "fa"}
    assert start["chat"]["id"] == 1001 and start["chat"]["type"] == "private"
    assert location["location"] == {"latitude": 35.7, "longitude": 51.4}
    assert venue["venue"]["title"] == "Park" and venue["location"]["latitude"] == 35.7
    assert own["contact"]["user_id"] == 1001 and "user_id" not in other["contact"]
    sizes = photo["photo"]
    assert len(sizes) == 3 and sizes[-1]["width"] > sizes[0]["width"]
    assert len({s["file_id"] for s in sizes}) == 3
    assert document["document"]["file_name"] == "child.jpg"
    assert document["document"]["mime_type"] == "image/jpeg"
    assert sticker["sticker"]["type"] == "regular" and voice["voice"]["duration"]
    assert video["video"]["width"] and animation["animation"] and animation["document"]
    assert group["chat"] == {"id": -1002, "type": "supergroup", "title": "Test group -1002"}
    assert len({m["message_id"] for m in messages[:-1]}) == 11
    # Files users sent can be fetched by the bot.
    assert ok(http, api, "getFile", file_id=sizes[-1]["file_id"])["file_path"]
    assert ok(http, api, "sendPhoto", chat_id=1001, photo=sizes[-1]["file_id"])
    assert error(http, api, "sendPhoto", chat_id=1001,
                 photo=document["document"]["file_id"]) == (
        400, "Bad Request: type of file mismatch")
    # reply_to
    sara.text("a reply", reply_to=start)
    [reply] = [u["message"] for u in ok(http, api, "getUpdates", offset=-1)]
    assert reply["reply_to_message"]["message_id"] == start["message_id"]


def test_press_and_answer_callback_query(api, http):
    sara = FakeUser(api, 1001)
    sent = ok(http, api, "sendMessage", chat_id=1001, text="pick", reply_markup=keyboard("v1:x"))
    sara.press(sent, "v1:x")
    sara.press(sent, "forged")
    [first, second] = [u["callback_query"] for u in ok(http, api, "getUpdates")]
    assert first["data"] == "v1:x" and first["from"]["id"] == 1001
    assert first["message"]["message_id"] == sent["message_id"] and first["chat_instance"]
    assert first["id"] != second["id"] and second["data"] == "forged"
    assert ok(http, api, "answerCallbackQuery", callback_query_id=first["id"], text="ok",
              show_alert=True) is True
    assert api.callback_answers[first["id"]]["show_alert"] is True
    expired = (400, "Bad Request: query is too old and response timeout expired or query ID "
                    "is invalid")
    assert error(http, api, "answerCallbackQuery", callback_query_id=first["id"]) == expired
    assert error(http, api, "answerCallbackQuery", callback_query_id="123") == expired
    group = ok(http, api, "sendMessage", chat_id=-1003, text="g", reply_markup=keyboard("g"))
    sara.press(group, "g")
    [update] = ok(http, api, "getUpdates", offset=-1)
    assert update["callback_query"]["message"]["chat"]["id"] == -1003


# ----------------------------------------------------------------------------- faults

def test_fault_429_500_502_apply_to_first_matching_calls(api, http):
    api.add_fault("429", method="sendMessage", count=2, retry_after=7)
    api.add_fault("500", chat_id=2)
    api.add_fault("502", method="getChat")
    for _ in range(2):
        response = http.post(url(api, "sendMessage"), data=form(chat_id=1, text="x"))
        assert response.status_code == 429
        assert response.json() == {"ok": False, "error_code": 429,
                                   "description": "Too Many Requests: retry after 7",
                                   "parameters": {"retry_after": 7}}
    assert ok(http, api, "sendMessage", chat_id=1, text="x")
    assert ok(http, api, "getUpdates") == [] and ok(http, api, "getMe")  # never faulted
    assert error(http, api, "sendMessage", chat_id=2, text="x") == (500, "Internal Server Error")
    assert error(http, api, "getChat", chat_id=1) == (502, "Bad Gateway")
    faulted = [c for c in api.calls if c.fault]
    assert [c.fault for c in faulted] == ["429", "429", "500", "502"]
    assert all(c.error.startswith("fault ") for c in faulted)
    assert [m["message_id"] for m in api.messages(1)] == [1] and api.messages(2) == []


def test_timeout_faults_with_and_without_delivery(api, http):
    api.timeout_delay = 0.5
    api.add_fault("timeout", method="sendMessage")
    with pytest.raises(httpx.ReadTimeout):
        http.post(url(api, "sendMessage"), data=form(chat_id=1, text="lost"), timeout=0.1)
    assert api.messages(1) == [] and api.calls[-1].fault == "timeout"
    api.add_fault("timeout_after_send", method="sendMessage")
    with pytest.raises(httpx.ReadTimeout):
        http.post(url(api, "sendMessage"), data=form(chat_id=1, text="sent"), timeout=0.1)
    assert [m["text"] for m in api.messages(1)] == ["sent"]
    call = api.calls[-1]
    assert call.fault == "timeout_after_send" and call.error and call.result["text"] == "sent"
    api.add_fault("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(url(api, "sendMessage"), data=form(chat_id=1, text="dropped"))
    assert api.calls[-1].fault == "drop" and len(api.messages(1)) == 1


def test_fault_policy_every_other_call(api, http):
    counter = iter(range(100))
    api.set_fault_policy(lambda method, params: "500" if next(counter) % 2 == 0 else None)
    statuses = [http.post(url(api, "sendMessage"), data=form(chat_id=1, text="x")).status_code
                for _ in range(4)]
    assert statuses == [500, 200, 500, 200]
    assert http.post(url(api, "getUpdates")).status_code == 200  # polling left alone
    api.clear_faults()
    assert http.post(url(api, "sendMessage"), data=form(chat_id=1, text="x")).status_code == 200


# ----------------------------------------------------------------------------- helpers

def test_wait_for_mark_and_reset(api, http):
    ok(http, api, "sendMessage", chat_id=1, text="before")
    mark = api.mark()
    threading.Timer(0.1, lambda: httpx.post(url(api, "sendMessage"),
                                            data={"chat_id": "1", "text": "after"})).start()
    call = api.wait_for(lambda c: c.method == "sendMessage", after=mark, timeout=3)
    assert isinstance(call, Call) and call.params["text"] == "after" and call.index == mark
    with pytest.raises(AssertionError, match="no matching call"):
        api.wait_for(lambda c: c.method == "leaveChat", timeout=0.1)
    api.reset_calls()
    assert api.calls == [] and api.mark() == 0


@pytest.mark.asyncio
async def test_await_call_filters_and_reports_on_timeout(api):
    async with httpx.AsyncClient() as client:
        await client.post(url(api, "sendMessage"), data={"chat_id": "1", "text": "one"})
        mark = api.mark()
        task = asyncio.create_task(api.await_call(method="SENDMESSAGE", chat_id=2, after=mark,
                                                  timeout=3))
        await client.post(url(api, "sendMessage"), data={"chat_id": "1", "text": "two"})
        await client.post(url(api, "sendMessage"), data={"chat_id": "2", "text": "three"})
        call = await task
        assert call.params["text"] == "three"
        found = await api.await_call(lambda c: c.params.get("text") == "one", timeout=1)
        assert found.index == 0
        with pytest.raises(AssertionError) as raised:
            await api.await_call(method="leaveChat", after=mark, timeout=0.1)
        assert "method='leaveChat'" in str(raised.value) and "three" in str(raised.value)


def test_stop_does_not_hang_during_a_long_poll():
    emulator = BotAPIEmulator().start()
    outcome = []

    def poll():
        try:
            outcome.append(httpx.post(f"{emulator.base_url}{TOKEN}/getUpdates",
                                      data={"timeout": "30"}, timeout=40).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=poll)
    thread.start()
    emulator.wait_for(lambda c: c.method == "getUpdates", timeout=2)
    emulator.timeout_delay = 30
    started = time.monotonic()
    emulator.stop()
    thread.join(timeout=5)
    assert time.monotonic() - started < 3 and not thread.is_alive() and outcome


def test_wrong_token_is_unauthorized_when_a_token_is_set(http):
    with BotAPIEmulator(token=TOKEN) as emulator:
        assert http.get(f"{emulator.base_url}{TOKEN}/getMe").json()["ok"] is True
        response = http.get(f"{emulator.base_url}1:wrong/getMe")
        assert response.status_code == 401


# ----------------------------------------------------------------------------- PTB round trip

@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_python_telegram_bot_accepts_the_json_shapes(api):
    sara = FakeUser(api, 1001, first_name="Sara")
    bot = telegram.Bot(TOKEN, base_url=api.base_url, base_file_url=api.file_base_url)
    async with bot:
        assert bot.username == "child_report_test_bot" and bot.id == 1000000
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="v1:yes")]])
        message = await bot.send_message(1001, "<b>Hello</b> &amp; welcome",
                                         parse_mode="HTML", reply_markup=markup)
        assert message.text == "Hello & welcome" and message.text_html.startswith("<b>Hello")
        assert message.reply_markup.inline_keyboard[0][0].callback_data == "v1:yes"
        assert message.chat.type == "private" and message.from_user.is_bot

        photo = await bot.send_photo(1001, b"\xff\xd8\xff fake jpeg", caption="a photo")
        assert photo.photo[-1].file_id.startswith("AgAC") and photo.caption == "a photo"
        assert api.calls[-1].files["photo"].content == b"\xff\xd8\xff fake jpeg"
        edited = await bot.edit_message_caption(1001, photo.message_id, caption="new caption",
                                                reply_markup=markup)
        assert edited.caption == "new caption" and edited.edit_date is not None
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_caption(1001, photo.message_id, caption="new caption",
                                           reply_markup=markup)
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(1001, "x" * 4097)
        album = await bot.send_media_group(1001, [InputMediaPhoto(b"\xff\xd8one"),
                                                  InputMediaPhoto(photo.photo[-1].file_id)])
        assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
        document = await bot.send_document(1001, b"a,b\n1,2\n", filename="r.csv")
        assert document.document.file_name == "r.csv"
        file = await bot.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"
        location = await bot.send_location(1001, latitude=35.7, longitude=51.4)
        assert location.location.latitude == 35.7

        sara.press(api.message(1001, message.message_id), "v1:yes")
        sara.photo()
        updates = await bot.get_updates(timeout=1)
        assert updates[0].callback_query.data == "v1:yes"
        assert updates[0].callback_query.message.message_id == message.message_id
        assert updates[1].message.photo[-1].width == 1280
        assert await bot.answer_callback_query(updates[0].callback_query.id, text="Saved")
        assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()

        chat = await bot.get_chat(1001)
        assert chat.first_name == "Sara"
        member = await bot.get_chat_member(-1001, 1001)
        assert member.status == "member"
        api.member_status[1001] = "administrator"
        assert (await bot.get_chat_member(-1001, 1001)).status == "administrator"
        assert await bot.set_my_commands([("start", "Start")])

        api.add_fault("429", method="sendMessage", retry_after=3)
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(1001, "too fast")
        retry_after = raised.value.retry_after
        assert getattr(retry_after, "total_seconds", lambda: retry_after)() == 3
        api.add_fault("502", method="sendMessage")
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "bad gateway")
        api.timeout_delay = 0.5
        api.add_fault("timeout", method="sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "slow", read_timeout=0.1)
        api.blocked_chats.add(1001)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(1001, "blocked")


def test_duplicate_of_a_pending_update_and_a_replayed_button_press(api, http):
    user = FakeUser(api, 1001)
    sent = ok(http, api, "sendMessage", chat_id=1001, text="q", reply_markup=keyboard("v1:a"))
    press = user.press(sent, "v1:a")
    [update] = ok(http, api, "getUpdates")
    assert ok(http, api, "answerCallbackQuery", callback_query_id=update["callback_query"]["id"])
    api.inject_raw(update)  # delivered but not yet confirmed: served twice
    assert [u["update_id"] for u in ok(http, api, "getUpdates")] == [press, press]
    # the replayed query may be answered again, as a fresh delivery would allow
    assert ok(http, api, "answerCallbackQuery", callback_query_id=update["callback_query"]["id"])
    assert ok(http, api, "getUpdates", offset=press + 1) == []


def test_group_aliases_reply_keyboards_forward_and_copy(api, http):
    user = FakeUser(api, 1001, first_name="Ali")
    user.text_in_group(-1004, "hello group")
    group_message = ok(http, api, "sendMessage", chat_id=-1004, text="g",
                       reply_markup=keyboard("x"))
    user.press_in_group(-1004, group_message, "x")
    text, press = ok(http, api, "getUpdates")
    assert text["message"]["chat"]["id"] == -1004 and text["message"]["from"]["id"] == 1001
    assert press["callback_query"]["message"]["chat"]["id"] == -1004
    reply_keyboard = {"keyboard": [["A", {"text": "B", "request_location": True}]],
                      "resize_keyboard": True}
    message = ok(http, api, "sendMessage", chat_id=1001, text="k", reply_markup=reply_keyboard)
    assert "reply_markup" not in message  # Telegram only echoes inline keyboards
    assert api.reply_keyboard(1001) == reply_keyboard
    ok(http, api, "sendMessage", chat_id=1001, text="r", reply_markup={"remove_keyboard": True})
    assert api.reply_keyboard(1001) is None
    assert error(http, api, "sendMessage", chat_id=1001, text="k",
                 reply_markup={"keyboard": "nope"})[0] == 400
    forwarded = ok(http, api, "forwardMessage", chat_id=-1004, from_chat_id=-1004,
                   message_id=text["message"]["message_id"])
    assert forwarded["text"] == "hello group" and forwarded["forward_origin"]["type"] == "user"
    copied = ok(http, api, "copyMessage", chat_id=1001, from_chat_id=-1004,
                message_id=group_message["message_id"])
    assert api.message(1001, copied["message_id"])["text"] == "g"
    assert error(http, api, "copyMessage", chat_id=1001, from_chat_id=-1004,
                 message_id=999)[0] == 400


def test_wait_until_and_user_blocking(api, http):
    user = FakeUser(api, 1001)
    threading.Timer(0.05, lambda: httpx.post(url(api, "sendMessage"),
                                             data={"chat_id": "1001", "text": "hi"})).start()
    api.wait_until(lambda: len(api.messages(1001)) == 1, timeout=3)
    user.block()
    [update] = ok(http, api, "getUpdates")
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert error(http, api, "sendMessage", chat_id=1001, text="x")[0] == 403
    user.unblock()
    assert ok(http, api, "sendMessage", chat_id=1001, text="x")
