"""A local Telegram Bot API emulator for end-to-end tests, as strict as Telegram.

``BotAPIEmulator`` is a small HTTP server on 127.0.0.1 (random port) that speaks enough of the
Bot API for a python-telegram-bot application to run against it unchanged::

    emu = BotAPIEmulator().start()
    bot = telegram.Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.file_base_url)
    sara = FakeUser(emu, 1001)
    sara.text("/start")                      # the bot receives it through getUpdates
    call = await emu.await_call(method="sendMessage", chat_id=1001)
    emu.stop()

What it does:

* parses parameters the way PTB sends them (form data with JSON-encoded non-strings, multipart
  uploads, JSON bodies, query strings) and answers with Telegram's JSON shapes;
* keeps the bot's messages per chat (``messages``/``message``) and applies edits to them;
* refuses like Telegram: a chat nobody wrote from ("chat not found"), a user who never started
  the bot (403), a callback query answered twice or after 15 s, HTML outside Telegram's subset,
  texts over 4096 / captions over 1024 UTF-16 units, "message is not modified", blocked users,
  unknown file ids, a group upgraded to a supergroup (``migrate_group``) and, when switched on,
  flood control (``limits``); parameters a method does not take are noted in ``unsupported``;
* has a clock tests can move on (``advance``) instead of sleeping;
* records every call (``calls``, ``calls_to``, ``wait_for``, ``await_call``, ``mark``);
* injects updates as users (``inject``, ``inject_raw``, ``FakeUser``) and serves them through
  long-polling ``getUpdates`` with Telegram's offset semantics;
* injects faults (429, 500, 502, timeouts, dropped connections) for resilience tests.

Everything runs under one ``threading.Condition``; tests may call any method from any thread.
The parts live beside this module: ``emulator_html`` (parse modes), ``emulator_http``,
``emulator_spec`` (parameters per method), ``emulator_limits``, ``emulator_messages``,
``emulator_sending``, ``emulator_chats``, ``emulator_updates`` and ``fake_user``.
"""

from __future__ import annotations

import copy
import itertools
import re
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.support.emulator_base import (
    BOT_USER, FAULT_KINDS, NOT_MODIFIED, POLLING_METHODS, QUERY_INVALID, ApiError, Call, Fault,
    StoredFile, UploadedFile, bad, too_many)
from tests.support.emulator_chats import ChatMethods
from tests.support.emulator_html import format_text, parse_html
from tests.support.emulator_http import (
    API_PATH, FAULT_ANSWERS, FILE_PATH, Handler, Server, drop, parse_request, read_body,
    respond, respond_json)
from tests.support.emulator_limits import FloodLimits
from tests.support.emulator_messages import MessageStore
from tests.support.emulator_sending import SendingMethods
from tests.support.emulator_spec import FLOOD_COUNTED, unsupported
from tests.support.emulator_updates import CallsAndUpdates
from tests.support.fake_user import FakeUser

__all__ = ["BOT_USER", "NOT_MODIFIED", "QUERY_INVALID", "ApiError", "BotAPIEmulator", "Call",
           "Fault", "FakeUser", "UploadedFile", "bad", "format_text", "parse_html"]

# Telegram's "Group" account that signs service messages of anonymous group admins.
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                   "username": "GroupAnonymousBot"}


class BotAPIEmulator(CallsAndUpdates, MessageStore, SendingMethods, ChatMethods):
    """A Telegram Bot API server on loopback; see the module docstring for an overview.

    Public attributes tests may set or read:

    * ``blocked_chats`` (set): chats that answer 403 "Forbidden: bot was blocked by the user";
    * ``member_status`` (dict): ``{(chat_id, user_id): status}`` or ``{user_id: status}`` for
      getChatMember (default "member"); a dict value is used as the ChatMember JSON;
    * ``chat_titles`` (dict): titles of group chats (negative ids);
    * ``timeout_delay`` (float): how long "timeout" faults sleep (default 15 s);
    * ``strict_file_ids`` (bool): reject unknown file ids (default True);
    * ``policy_retry_after`` (int): retry_after of "429" faults chosen by a fault policy;
    * ``calls`` (list[Call]): every call, in the order answered;
    * ``commands``, ``descriptions``, ``menu_buttons``, ``pinned``, ``left_chats``,
      ``callback_answers``, ``deleted``: what the bot configured or did;
    * ``strict`` (bool, default True): unknown chats and users who never started the bot are
      refused as Telegram refuses them, and ``unsupported`` is kept;
    * ``groups``, ``started`` (sets): the groups and private chats Telegram would know
      (filled as users write; ``add_group`` and ``FakeUser.start`` add to them);
    * ``unsupported`` (list[str]): parameters sent to a method that does not take them, and
      HTML entities Telegram would show literally; the ``emu`` fixture fails the test on them
      (``library_extras`` holds the ``parse_mode`` PTB's Defaults add to every send: kept apart);
    * ``migrated`` (dict): ``{old_group_id: new_supergroup_id}`` after ``migrate_group``.
    """

    def __init__(self, token: str | None = None, *, strict: bool = True) -> None:
        """``token``: when given, requests with another token get 401 Unauthorized."""
        self.token, self.strict = token, strict
        self._cond = threading.Condition(threading.RLock())
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._stopping = False
        self._connections: set = set()
        self.port = 0
        self.calls: list[Call] = []
        self.blocked_chats: set = set()
        self.member_status: dict = {}
        self.chat_titles: dict = {}
        self.timeout_delay = 15.0
        self.strict_file_ids = True
        self.policy_retry_after = 1
        self.users: dict[int, dict] = {}
        self.commands: dict = {}
        self.descriptions: dict = {}
        self.menu_buttons: dict = {}
        self.pinned: dict = {}
        self.left_chats: set = set()
        self.callback_answers: dict[str, dict] = {}
        self.deleted: list[tuple[int, int]] = []
        self.webhook_url = ""
        self.groups: set[int] = set()
        self.started: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.unsupported: list[str] = []
        self.unsupported_allowed = False
        self.library_extras: list[str] = []
        self._serving_method = ""
        self.clock_offset = 0.0
        self._limits: FloodLimits | None = None
        self._faults: list[Fault] = []
        self._fault_policy: Callable | None = None
        self._policy_polling = False
        self._messages: dict[Any, dict[int, dict]] = {}
        self._user_messages: dict[Any, dict[int, dict]] = {}
        self._reply_keyboards: dict[Any, dict | None] = {}
        self._next_message_id: dict[Any, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._queries: dict[str, dict] = {}
        self._queue: list[dict] = []
        self._redeliver: list[list] = []  # [update, delivered since injected]
        self._delivered: list[dict] = []
        self._next_update_id = 500000001
        self._confirmed_below = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._counter = itertools.count(1)
        self._methods: dict[str, tuple[str, Callable]] = {}
        for name in ("getMe", "logOut", "close", "deleteWebhook", "setWebhook",
                     "getWebhookInfo", "setMyCommands", "getMyCommands", "deleteMyCommands",
                     "setMyDescription", "getMyDescription", "setMyShortDescription",
                     "getMyShortDescription", "setMyName", "getMyName", "setChatMenuButton",
                     "getChatMenuButton", "getUpdates", "sendMessage", "sendPhoto",
                     "sendDocument", "sendLocation", "sendVenue", "sendContact",
                     "sendMediaGroup", "sendChatAction", "editMessageText",
                     "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia",
                     "deleteMessage", "deleteMessages", "forwardMessage", "copyMessage",
                     "answerCallbackQuery", "getFile", "getChat", "getChatMember",
                     "getChatAdministrators", "pinChatMessage", "unpinChatMessage",
                     "leaveChat"):
            handler = getattr(self, "_api_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
            self._methods[name.lower()] = (name, handler)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> BotAPIEmulator:
        """Starts serving in a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        self._stopping = False
        self._stop_event.clear()
        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.emulator = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"bot-api-emulator:{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the server, ending waiting long polls and fault sleeps at once."""
        server, self._server = self._server, None
        if server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._stop_event.set()
        server.shutdown()
        server.server_close()
        for connection in list(self._connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> BotAPIEmulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``telegram.Bot(base_file_url=...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----------------------------------------------------------------- HTTP dispatch
    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        try:
            split = urlsplit(handler.path)
            path = unquote(split.path)
            body = read_body(handler)
            file_match = FILE_PATH.match(path)
            if file_match:
                with self._cond:
                    stored = self._file_paths.get(file_match.group(2))
                if stored is None or (self.token and file_match.group(1) != self.token):
                    respond_json(handler, 404, ApiError(404, "Not Found").payload())
                else:
                    respond(handler, 200, stored.content, "application/octet-stream")
                return
            match = API_PATH.match(path)
            if not match:
                respond_json(handler, 404, ApiError(404, "Not Found").payload())
                return
            token, raw_method = match.groups()
            entry = self._methods.get(raw_method.lower())
            method = entry[0] if entry else raw_method
            try:
                params, files = parse_request(handler.headers, split.query, body)
            except ApiError as error:
                self._finish(handler, Call(method, {}, {}), None, error)
                return
            if self.token is not None and token != self.token:
                self._finish(handler, Call(method, params, files), None,
                             ApiError(401, "Unauthorized"))
                return
            self._handle_api(handler, method, entry, params, files)
        except Exception as exc:  # noqa: BLE001 - an emulator bug must not kill the thread
            respond_json(handler, 500, ApiError(500, f"emulator error: {exc!r}").payload())

    def _finish(self, handler: Any, call: Call, result: Any, error: ApiError | None) -> None:
        """Records ``call`` with its outcome and answers it."""
        with self._cond:
            if error is None:
                call.result, call.status = copy.deepcopy(result), 200
            else:
                call.error = call.error or error.description
                call.status = error.code
            self._record(call)
        if error is None:
            respond_json(handler, 200, {"ok": True, "result": result})
        else:
            respond_json(handler, error.code, error.payload())

    def _record(self, call: Call) -> None:
        with self._cond:
            call.index = len(self.calls)
            self.calls.append(call)
            self._cond.notify_all()

    def _handle_api(self, handler: Any, method: str, entry: tuple | None, params: dict,
                    files: dict) -> None:
        with self._cond:
            extra, library = unsupported(method, params) if self.strict else ([], [])
            if extra:
                self.unsupported.append(f"{method}: {', '.join(extra)} (not a parameter of "
                                        f"{method}; Telegram ignores it)")
            if library:
                self.library_extras.append(f"{method}: {', '.join(library)}")
            kind, retry_after = self._pick_fault(method, params)
            flood = self._flood(method, params) if kind is None else None
        if flood is not None:
            self._finish(handler, Call(method, params, files), None, flood)
            return
        if kind is not None and kind not in FAULT_KINDS:
            self._finish(handler, Call(method, params, files), None,
                         ApiError(500, f"emulator: fault policy returned {kind!r}"))
            return
        if kind in ("429", "500", "502", "timeout", "drop"):
            self._answer_fault(handler, kind, retry_after, method, params, files)
            return
        if entry is None:
            self._finish(handler, Call(method, params, files), None, ApiError(404, "Not Found"))
            return
        if method == "getUpdates":
            self._serve_get_updates(handler, params, files, kind)
            return
        call = Call(method, params, files)
        result, error = None, None
        with self._cond:
            self._serving_method = method  # names the call in notes made while serving it
            try:
                result = entry[1](params, files)
            except ApiError as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - an emulator bug: make it visible
                error = ApiError(500, f"emulator bug in {method}: {exc!r}")
            if kind == "timeout_after_send":
                call.fault = kind
                call.error = (f"fault timeout_after_send: {error.description}" if error else
                              "fault timeout_after_send: performed, response delayed")
                call.result = copy.deepcopy(result)
                call.status = error.code if error else 200
                self._record(call)
        if kind == "timeout_after_send":
            self._stop_event.wait(self.timeout_delay)
            if error is None:
                respond_json(handler, 200, {"ok": True, "result": result})
            else:
                respond_json(handler, error.code, error.payload())
            return
        self._finish(handler, call, result, error)

    def _answer_fault(self, handler: Any, kind: str, retry_after: int, method: str,
                      params: dict, files: dict) -> None:
        if kind == "429":
            error = too_many(retry_after)
        elif kind == "drop":
            error = ApiError(0, "connection dropped without a response")
        else:
            error = ApiError(*FAULT_ANSWERS[kind])
        call = Call(method, params, files, error=f"fault {kind}: {error.description}",
                    status=error.code, fault=kind)
        self._record(call)
        if kind == "drop":
            drop(handler)
            return
        if kind == "timeout":
            self._stop_event.wait(self.timeout_delay)
        respond_json(handler, error.code, error.payload())

    # ----------------------------------------------------------------- Telegram's rules
    def now(self) -> float:
        """The emulator's clock: real time plus whatever ``advance`` added."""
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Moves the emulator's clock on (callback queries expire, flood windows pass)."""
        with self._cond:
            self.clock_offset += seconds

    def allow_unsupported(self) -> None:
        """Lets a test that sends unsupported parameters on purpose pass the fixture's check."""
        self.unsupported_allowed = True

    def add_group(self, chat_id: int, title: str | None = None) -> int:
        """Creates a group with the bot in it (Telegram then knows the chat); returns its id."""
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        with self._cond:
            self.groups.add(chat_id)
            if title is not None:
                self.chat_titles[chat_id] = title
        return chat_id

    def migrate_group(self, old_chat_id: int, *, by: int | None = None) -> int:
        """Upgrades a group to a supergroup, as Telegram does; returns the new chat id.

        Later calls naming the old id get 400 with ``parameters.migrate_to_chat_id``; the bot
        receives the two service messages (``migrate_to_chat_id`` in the old chat, from the
        member ``by`` who upgraded it, and ``migrate_from_chat_id`` in the new one).
        """
        new_chat_id = -(10**12 + abs(old_chat_id))
        with self._cond:
            title = self.chat_json(old_chat_id)["title"]
            self.migrated[old_chat_id] = new_chat_id
            self.groups.add(new_chat_id)
            self.chat_titles[new_chat_id] = title
            date = int(self.now())
            member = self.user_json(by) if by is not None else dict(ANONYMOUS_ADMIN)
            self.inject({"message": {
                "message_id": self._alloc_message_id(old_chat_id), "from": member,
                "chat": self.chat_json(old_chat_id), "date": date,
                "migrate_to_chat_id": new_chat_id}})
            new_chat = self.chat_json(new_chat_id)
            self.inject({"message": {
                "message_id": self._alloc_message_id(new_chat_id),
                "from": dict(ANONYMOUS_ADMIN), "sender_chat": new_chat, "chat": new_chat,
                "date": date, "migrate_from_chat_id": old_chat_id}})
        return new_chat_id

    def limits(self, per_chat: float = 1.0, per_group_minute: int = 20,
               overall: float = 30.0) -> FloodLimits:
        """Switches Telegram's flood control on (off by default) for sends and edits."""
        with self._cond:
            self._limits = FloodLimits(per_chat, per_group_minute, overall)
            return self._limits

    @property
    def flood_count(self) -> int:
        """How many calls flood control refused with 429."""
        return self._limits.count if self._limits else 0

    def _flood(self, method: str, params: dict) -> ApiError | None:
        if self._limits is None or method not in FLOOD_COUNTED:
            return None
        retry_after = self._limits.check(params.get("chat_id"), self.now())
        return None if retry_after is None else too_many(retry_after)

    # ----------------------------------------------------------------- faults
    def add_fault(self, kind: str, *, method: str | None = None, chat_id: int | None = None,
                  count: int = 1, retry_after: int = 1) -> Fault:
        """Makes the next ``count`` matching calls fail with ``kind``.

        Kinds: "429" (Too Many Requests with ``parameters.retry_after``), "500", "502",
        "timeout" (sleeps ``timeout_delay`` without acting, then 500), "timeout_after_send"
        (acts, records, then sleeps before answering) and "drop" (closes the connection).
        Without ``method`` getUpdates and getMe are never faulted.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        fault = Fault(str(kind), method, chat_id, count, retry_after)
        with self._cond:
            self._faults.append(fault)
        return fault

    def set_fault_policy(self, policy: Callable[[str, dict], str | None] | None, *,
                         include_polling: bool = False) -> None:
        """``policy(method, params) -> kind | None`` is asked for every call without a matching
        ``add_fault`` (getUpdates/getMe only with ``include_polling``). ``None`` removes it."""
        with self._cond:
            self._fault_policy, self._policy_polling = policy, include_polling

    def clear_faults(self) -> None:
        """Removes pending faults and the fault policy."""
        with self._cond:
            self._faults.clear()
            self._fault_policy = None

    def _pick_fault(self, method: str, params: dict) -> tuple[str | None, int]:
        """``(kind, retry_after)`` for this call, consuming a matching ``add_fault``."""
        name = method.lower()
        for fault in self._faults:
            if fault.remaining <= 0:
                continue
            if fault.method is None and name in POLLING_METHODS:
                continue
            if fault.method is not None and fault.method.lower() != name:
                continue
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            fault.remaining -= 1
            return fault.kind, fault.retry_after
        if self._fault_policy and (name not in POLLING_METHODS or self._policy_polling):
            kind = self._fault_policy(method, params)
            return (str(kind) if kind is not None else None), self.policy_retry_after
        return None, 1
