"""A local Telegram Bot API emulator for end-to-end tests.

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
* validates like Telegram (lengths, HTML, button data, "message is not modified", blocked users,
  unknown file ids, unknown callback queries ...) so API misuse fails the test;
* records every call (``calls``, ``calls_to``, ``wait_for``, ``await_call``, ``mark``);
* injects updates as users (``inject``, ``inject_raw``, ``FakeUser``) and serves them through
  long-polling ``getUpdates`` with Telegram's offset semantics;
* injects faults (429, 500, 502, timeouts, dropped connections) for resilience tests.

Everything runs under one ``threading.Condition``; tests may call any method from any thread.
"""

from __future__ import annotations

import asyncio
import copy
import html.parser
import itertools
import json
import mimetypes
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message as _MimeHeaders
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["BOT_USER", "BotAPIEmulator", "Call", "Fault", "FakeUser", "UploadedFile"]

BOT_USER = {"id": 1000000, "is_bot": True, "first_name": "Child Report Bot",
            "username": "child_report_test_bot"}
GET_ME = {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
          "supports_inline_queries": False, "can_connect_to_business": False,
          "has_main_web_app": False}

JSON_FIELDS = {"reply_markup", "media", "commands", "entities", "caption_entities",
               "allowed_updates", "link_preview_options", "reply_parameters", "scope",
               "menu_button", "results", "options", "explanation_entities", "permissions",
               "reaction", "prices", "message_ids", "input_message_content",
               "rights", "button", "text_entities", "question_entities"}
NUMBER_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id",
                 "from_chat_id", "reply_to_message_id", "message_thread_id", "cache_time",
                 "duration", "width", "height", "live_period", "heading",
                 "proximity_alert_radius", "until_date", "latitude", "longitude",
                 "horizontal_accuracy", "max_connections", "file_size"}
BOOL_FIELDS = {"disable_notification", "protect_content", "show_alert",
               "disable_web_page_preview", "drop_pending_updates",
               "allow_sending_without_reply", "has_spoiler", "is_big",
               "disable_content_type_detection", "supports_streaming", "only_if_banned",
               "revoke_messages", "is_personal", "allow_paid_broadcast",
               "show_caption_above_media", "selective", "is_anonymous"}
FAULT_KINDS = ("429", "500", "502", "timeout", "timeout_after_send", "drop")
POLLING_METHODS = {"getupdates", "getme"}
MEDIA_KEYS = ("photo", "document", "video", "animation", "audio", "voice", "video_note",
              "sticker")
CAPTIONABLE = ("photo", "document", "video", "animation", "audio", "voice")
FILE_PREFIX = {"photo": "AgAC", "document": "BQAC", "sticker": "CAAC", "voice": "AwAC",
               "video": "BAAC", "animation": "CgAC", "audio": "CQAC", "video_note": "DQAC"}
FILE_DIRS = {"photo": ("photos", ".jpg"), "document": ("documents", ""),
             "sticker": ("stickers", ".webp"), "voice": ("voice", ".oga"),
             "video": ("videos", ".mp4"), "animation": ("animations", ".mp4"),
             "audio": ("music", ".mp3"), "video_note": ("video_notes", ".mp4")}
FAKE_JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
             + b"emulated-photo" * 8 + b"\xff\xd9")
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                "upload_voice", "upload_document", "choose_sticker", "find_location",
                "record_video_note", "upload_video_note"}
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current message content and reply markup of "
                "the message")
QUERY_INVALID = ("Bad Request: query is too old and response timeout expired or query ID is "
                 "invalid")
_API_PATH = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
_FILE_PATH = re.compile(r"^/file/bot([^/]*)/(.+)$")
_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


class ApiError(Exception):
    """A Bot API error answer: raised by method handlers, turned into ``{"ok": false, ...}``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> dict:
        body = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


@dataclass
class UploadedFile:
    """One multipart file part of a request."""

    filename: str | None
    content: bytes
    content_type: str | None = None


@dataclass
class Call:
    """One API call as the emulator saw it.

    ``error`` is ``None`` for a successful call, else the error description (for faults it starts
    with ``"fault <kind>"``; a ``timeout_after_send`` call has both ``result`` and ``error``).
    ``status`` is the HTTP status answered (0 while a getUpdates long poll is still waiting:
    getUpdates calls are recorded when they arrive so tests can see that a bot polls).
    """

    method: str
    params: dict
    files: dict[str, UploadedFile]
    result: Any = None
    error: str | None = None
    time: float = field(default_factory=time.time)
    status: int = 200
    fault: str | None = None
    index: int = -1

    def __repr__(self) -> str:
        outcome = f"error={self.error!r}" if self.error else f"status={self.status}"
        shown = {k: (v[:60] + "…" if isinstance(v, str) and len(v) > 60 else v)
                 for k, v in self.params.items()}
        text = f"Call(#{self.index} {self.method} {shown}"
        return (text if len(text) < 400 else text[:400] + "…") + f" {outcome})"


@dataclass
class Fault:
    """A pending fault added by ``add_fault``; ``remaining`` counts down as calls match."""

    kind: str
    method: str | None = None
    chat_id: int | str | None = None
    remaining: int = 1
    retry_after: int = 1


@dataclass
class _StoredFile:
    file_id: str
    unique_id: str
    kind: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None


# --------------------------------------------------------------------------- text formatting

def _u16(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


_TAG_ENTITY = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
               "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
               "del": "strikethrough", "a": "text_link", "code": "code", "pre": "pre",
               "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
               "tg-emoji": "custom_emoji"}


class _TelegramHTML(html.parser.HTMLParser):
    """Parses Telegram's HTML subset into plain text + entities, noting the first error."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source, self.parts, self.length = source, [], 0
        self.stack: list[tuple[str, int, dict]] = []
        self.entities: list[dict] = []
        self.error: str | None = None

    def _offset(self) -> int:
        line, col = self.getpos()
        lines = self.source.splitlines(keepends=True)
        chars = sum(len(x) for x in lines[:line - 1]) + col
        return len(self.source[:chars].encode())

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {k: (v if v is not None else "") for k, v in attrs}
        if tag not in _TAG_ENTITY or (tag == "span"
                                      and attributes.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        elif tag == "tg-emoji" and not attributes.get("emoji-id"):
            self._fail(f"Custom emoji entity must contain a tg://emoji URL at byte offset "
                       f"{self._offset()}")
        self.stack.append((tag, self.length, attributes))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._offset()}")
            return
        open_tag, start, attributes = self.stack.pop()
        if open_tag != tag:
            self._fail(f'Unmatched end tag at byte offset {self._offset()}, expected '
                       f'"</{open_tag}>", found "</{tag}>"')
            return
        length = self.length - start
        kind = _TAG_ENTITY.get(tag)
        if not kind or length == 0:
            return
        entity: dict = {"type": kind, "offset": start, "length": length}
        if tag == "a":
            if not attributes.get("href"):
                return
            entity["url"] = attributes["href"]
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = attributes.get("class", "")
            if language.startswith("language-"):
                self.stack[-1][2]["language"] = language[len("language-"):]
            return  # Telegram merges <pre><code> into one pre entity
        elif tag == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id")
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += _u16(data)

    def handle_comment(self, data: str) -> None:
        self._fail(f"Unsupported comment at byte offset {self._offset()}")

    def handle_decl(self, decl: str) -> None:
        self._fail(f"Unsupported declaration at byte offset {self._offset()}")


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: ``(plain_text, entities)`` or ``ApiError`` 400."""
    parser = _TelegramHTML(text)
    parser.feed(text)
    parser.close()
    if parser.stack and parser.error is None:
        parser.error = (f'Can\'t find end tag corresponding to start tag '
                        f'"{parser.stack[-1][0]}"')
    if parser.error:
        raise _bad("can't parse entities: " + parser.error)
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Approximate MarkdownV2: rejects unescaped reserved characters, drops escapes."""
    out, i, in_code, in_url = [], 0, False, False
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            in_code = not in_code
        elif in_url and char == ")":
            in_url = False
        elif not in_code and not in_url and char == "(" and i and text[i - 1] == "]":
            in_url = True
        elif not in_code and not in_url and char in "#+-={}.!" and not (
                char == "!" and text[i + 1:i + 2] == "["):
            raise _bad(f"can't parse entities: Character '{char}' is reserved and must be "
                       f"escaped with the preceding '\\'")
        if char not in "*_~|`" and not (char == "(" and in_url):
            out.append(char)
        i += 1
    return "".join(out), []


def format_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[dict]]:
    """Applies ``parse_mode`` (HTML exactly, MarkdownV2 roughly) or explicit ``entities``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return text, []
    if mode:
        raise _bad("unsupported parse_mode")
    if entities is not None and not isinstance(entities, list):
        raise _bad("can't parse entities JSON object")
    return text, list(entities or [])


# --------------------------------------------------------------------------- request parsing

def _convert(params: dict) -> dict:
    """Decodes JSON fields and numbers/booleans that arrive as strings."""
    for key, value in list(params.items()):
        if not isinstance(value, str):
            continue
        if key in JSON_FIELDS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                if key == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from None
                raise _bad(f"can't parse {key} JSON object") from None
        elif key in NUMBER_FIELDS:
            if _INT.match(value):
                params[key] = int(value)
            elif _FLOAT.match(value):
                params[key] = float(value)
        elif key in BOOL_FIELDS and value.lower() in ("true", "false"):
            params[key] = value.lower() == "true"
    return params


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict, dict]:
    header = _MimeHeaders()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if not boundary:
        raise _bad("multipart boundary is missing")
    params, files = {}, {}
    for chunk in body.split(b"--" + str(boundary).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, content = chunk.partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        part = _MimeHeaders()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                name, value = line.split(":", 1)
                part[name.strip()] = value.strip()
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        if name is None:
            continue
        if filename is not None:
            files[str(name)] = UploadedFile(str(filename), content, part.get_content_type()
                                            if part["Content-Type"] else None)
        else:
            params[str(name)] = content.decode("utf-8")
    return params, files


def parse_request(headers: Any, query: str, body: bytes) -> tuple[dict, dict]:
    """``(params, files)`` from the query string and a form, multipart or JSON body."""
    params: dict = dict(parse_qsl(query, keep_blank_values=True))
    files: dict = {}
    content_type = headers.get("Content-Type", "") or ""
    kind = content_type.split(";")[0].strip().lower()
    if body and kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise _bad("can't parse JSON encoded request body") from None
        if not isinstance(data, dict):
            raise _bad("JSON body must be an object")
        params.update(data)
    elif body and kind == "multipart/form-data":
        form, files = _parse_multipart(content_type, body)
        params.update(form)
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return _convert(params), files


# --------------------------------------------------------------------------- HTTP plumbing

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "BotAPIEmulator/1.0"

    def setup(self) -> None:
        super().setup()
        self.server.emulator._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.emulator._connections.discard(self.connection)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self.server.emulator._dispatch(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    emulator: BotAPIEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and go away are expected here


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _respond(handler: BaseHTTPRequestHandler, status: int, body: bytes,
             content_type: str = "application/json") -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
    except OSError:
        handler.close_connection = True


def _respond_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    _respond(handler, status, json.dumps(payload, ensure_ascii=False).encode())


def _drop(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_FAULT_ANSWERS = {"500": (500, "Internal Server Error"), "502": (502, "Bad Gateway"),
                  "timeout": (500, "Internal Server Error")}


# --------------------------------------------------------------------------- the emulator

class BotAPIEmulator:
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
      ``callback_answers``, ``deleted``: what the bot configured or did.
    """

    def __init__(self, token: str | None = None) -> None:
        """``token``: when given, requests with another token get 401 Unauthorized."""
        self.token = token
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
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
        self._faults: list[Fault] = []
        self._fault_policy: Callable | None = None
        self._policy_polling = False
        self._messages: dict[Any, dict[int, dict]] = {}
        self._user_messages: dict[Any, dict[int, dict]] = {}
        self._reply_keyboards: dict[Any, dict | None] = {}
        self._next_message_id: dict[Any, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
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
        self._server = _Server(("127.0.0.1", 0), _Handler)
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
            body = _read_body(handler)
            file_match = _FILE_PATH.match(path)
            if file_match:
                with self._cond:
                    stored = self._file_paths.get(file_match.group(2))
                if stored is None or (self.token and file_match.group(1) != self.token):
                    _respond_json(handler, 404, ApiError(404, "Not Found").payload())
                else:
                    _respond(handler, 200, stored.content, "application/octet-stream")
                return
            match = _API_PATH.match(path)
            if not match:
                _respond_json(handler, 404, ApiError(404, "Not Found").payload())
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
            _respond_json(handler, 500, ApiError(500, f"emulator error: {exc!r}").payload())

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
            _respond_json(handler, 200, {"ok": True, "result": result})
        else:
            _respond_json(handler, error.code, error.payload())

    def _record(self, call: Call) -> None:
        with self._cond:
            call.index = len(self.calls)
            self.calls.append(call)
            self._cond.notify_all()

    def _handle_api(self, handler: Any, method: str, entry: tuple | None, params: dict,
                    files: dict) -> None:
        with self._cond:
            kind, retry_after = self._pick_fault(method, params)
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
                _respond_json(handler, 200, {"ok": True, "result": result})
            else:
                _respond_json(handler, error.code, error.payload())
            return
        self._finish(handler, call, result, error)

    def _answer_fault(self, handler: Any, kind: str, retry_after: int, method: str,
                      params: dict, files: dict) -> None:
        if kind == "429":
            error = ApiError(429, f"Too Many Requests: retry after {retry_after}",
                             {"retry_after": retry_after})
        elif kind == "drop":
            error = ApiError(0, "connection dropped without a response")
        else:
            error = ApiError(*_FAULT_ANSWERS[kind])
        call = Call(method, params, files, error=f"fault {kind}: {error.description}",
                    status=error.code, fault=kind)
        self._record(call)
        if kind == "drop":
            _drop(handler)
            return
        if kind == "timeout":
            self._stop_event.wait(self.timeout_delay)
        _respond_json(handler, error.code, error.payload())

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

    # ----------------------------------------------------------------- call inspection
    def mark(self) -> int:
        """The current number of calls, for ``after=`` in the waiting helpers."""
        return len(self.calls)

    def reset_calls(self) -> None:
        """Forgets recorded calls (indices from ``mark`` become meaningless)."""
        with self._cond:
            self.calls.clear()

    def calls_to(self, method: str | None = None, chat_id: Any = None) -> list[Call]:
        """Recorded calls, optionally only of ``method`` (any case) and/or to ``chat_id``."""
        with self._cond:
            return [c for c in self.calls if self._matches(c, None, method, chat_id)]

    @staticmethod
    def _matches(call: Call, predicate: Callable | None, method: str | None,
                 chat_id: Any) -> bool:
        if method is not None and call.method.lower() != method.lower():
            return False
        if chat_id is not None and call.params.get("chat_id") != chat_id:
            return False
        return predicate is None or bool(predicate(call))

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10, *,
                 after: int = 0) -> Call:
        """Blocks until a call (index >= ``after``) satisfies ``predicate``; returns it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(timeout, after))
                self._cond.wait(min(remaining, 0.1))

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10) -> None:
        """Blocks until ``condition()`` is true (checked after every call and every 0.05 s)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(timeout, 0))
                self._cond.wait(min(remaining, 0.05))

    async def await_call(self, predicate: Callable[[Call], bool] | None = None, *,
                         method: str | None = None, chat_id: Any = None,
                         after: int | None = None, timeout: float = 10) -> Call:
        """Waits (without blocking the event loop) for the first matching call with index >=
        ``after`` and returns it; raises AssertionError with the last calls on timeout."""
        start = after or 0
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls[start:]:
                if self._matches(call, predicate, method, chat_id):
                    return call
            if time.monotonic() >= deadline:
                what = ", ".join(f"{k}={v!r}" for k, v in
                                 (("method", method), ("chat_id", chat_id)) if v is not None)
                raise AssertionError(self._timeout_report(timeout, start, what))
            await asyncio.sleep(0.02)

    def _timeout_report(self, timeout: float, after: int, what: str = "") -> str:
        recent = [c for c in self.calls if c.method != "getUpdates"][-15:]
        lines = [f"no matching call{' (' + what + ')' if what else ''} after #{after} within "
                 f"{timeout}s; "
                 f"{len(self.calls)} calls in all, the last ones (getUpdates left out):"]
        lines += [f"  {call!r}" for call in recent] or ["  (none)"]
        return "\n".join(lines)

    # ----------------------------------------------------------------- updates
    def inject(self, update: dict) -> int:
        """Queues ``update`` (a copy) under the next update_id, wakes getUpdates; returns the id."""
        with self._cond:
            update = copy.deepcopy(update)
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
            self._queue.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def inject_raw(self, update: dict) -> int:
        """Queues ``update`` keeping its update_id (Telegram re-sending after a crash).

        An id that was already issued (delivered, confirmed or still pending) is served by the
        next getUpdates regardless of its offset, in front of the other updates, and then
        stays until a later getUpdates confirms it with a higher offset. A new id is queued
        normally (later ``inject`` ids continue after it). A callback query in it can be
        answered again.
        """
        with self._cond:
            update = copy.deepcopy(update)
            update_id = int(update["update_id"])
            query = update.get("callback_query")
            if query:
                self._queries[str(query["id"])] = {"answered": False}
            if update_id < self._next_update_id:
                self._redeliver.append([update, False])
            else:
                self._queue.append(update)
                self._queue.sort(key=lambda u: u["update_id"])
                self._next_update_id = update_id + 1
            self._cond.notify_all()
            return update_id

    def delivered_updates(self) -> list[dict]:
        """Copies of all updates returned by getUpdates, in delivery order (with repeats)."""
        with self._cond:
            return copy.deepcopy(self._delivered)

    def pending_updates(self) -> list[dict]:
        """Copies of the updates not yet confirmed by an offset."""
        with self._cond:
            return copy.deepcopy([entry[0] for entry in self._redeliver] + self._queue)

    def _serve_get_updates(self, handler: Any, params: dict, files: dict,
                           kind: str | None) -> None:
        call = Call("getUpdates", params, files, status=0, fault=kind)
        self._record(call)
        result, error = None, None
        try:
            result = self._get_updates(params)
        except ApiError as exc:
            error = exc
        with self._cond:
            call.result = copy.deepcopy(result)
            call.status = error.code if error else 200
            if error:
                call.error = error.description
            if kind == "timeout_after_send":
                call.error = "fault timeout_after_send: updates delivered, response delayed"
            self._cond.notify_all()
        if kind == "timeout_after_send":
            self._stop_event.wait(self.timeout_delay)
        if error:
            _respond_json(handler, error.code, error.payload())
        else:
            _respond_json(handler, 200, {"ok": True, "result": result})

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        with self._cond:
            if self.webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
            if "allowed_updates" in params:
                self._allowed_updates = list(params["allowed_updates"] or []) or None
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # an older waiting poll is terminated with 409
            if offset > 0:
                self._confirmed_below = max(self._confirmed_below, offset)
                self._queue = [u for u in self._queue if u["update_id"] >= offset]
                self._redeliver = [e for e in self._redeliver
                                   if not (e[1] and e[0]["update_id"] < offset)]
            elif offset < 0:
                self._queue = self._queue[offset:]
            deadline = time.monotonic() + timeout
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                        "sure that only one bot instance is running")
                batch = self._available(limit)
                remaining = deadline - time.monotonic()
                if batch or self._stopping or remaining <= 0:
                    break
                self._cond.wait(remaining)
            for entry in self._redeliver:
                if any(entry[0] is update for update in batch):
                    entry[1] = True
            batch = copy.deepcopy(batch)
            self._delivered.extend(copy.deepcopy(batch))
            return batch

    def _available(self, limit: int) -> list[dict]:
        allowed = self._allowed_updates
        if allowed:
            def wanted(update: dict) -> bool:
                return any(key in allowed for key in update if key != "update_id")
            self._queue = [u for u in self._queue if wanted(u)]
            self._redeliver = [e for e in self._redeliver if wanted(e[0])]
        return ([entry[0] for entry in self._redeliver] + self._queue)[:limit]

    # ----------------------------------------------------------------- messages and files
    def messages(self, chat_id: Any) -> list[dict]:
        """Copies of the bot's current (not deleted) messages in ``chat_id``, oldest first."""
        with self._cond:
            return copy.deepcopy(list(self._messages.get(chat_id, {}).values()))

    def message(self, chat_id: Any, message_id: int) -> dict:
        """A copy of one of the bot's messages; KeyError if there is no such message."""
        with self._cond:
            try:
                return copy.deepcopy(self._messages[chat_id][message_id])
            except KeyError:
                raise KeyError(f"no bot message {message_id} in chat {chat_id}") from None

    def user_messages(self, chat_id: Any) -> list[dict]:
        """Copies of messages injected by users in ``chat_id``."""
        with self._cond:
            return copy.deepcopy(list(self._user_messages.get(chat_id, {}).values()))

    def reply_keyboard(self, chat_id: Any) -> dict | None:
        """The last reply keyboard markup (keyboard/remove_keyboard/force_reply) sent to a chat."""
        with self._cond:
            return copy.deepcopy(self._reply_keyboards.get(chat_id))

    def add_file(self, file_id: str | None = None, content: bytes = FAKE_JPEG, *,
                 kind: str = "document", file_name: str | None = None,
                 mime_type: str | None = None) -> str:
        """Registers a file (for getFile/download and for sending by id); returns its file_id."""
        with self._cond:
            return self._store_file(kind, content, file_id, file_name, mime_type).file_id

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a known file (uploaded by the bot or registered)."""
        with self._cond:
            return self._files[file_id].content

    def _store_file(self, kind: str, content: bytes, file_id: str | None = None,
                    file_name: str | None = None, mime_type: str | None = None) -> _StoredFile:
        number = next(self._counter)
        if file_id is None:
            file_id = f"{FILE_PREFIX.get(kind, 'BQAC')}AgIAAxkBAAE{number:010d}"
        stored = self._files.get(file_id)
        if stored is None:
            stored = _StoredFile(file_id, f"AQAD{number:08d}", kind, content, file_name,
                                 mime_type)
            self._files[file_id] = stored
        return stored

    def _alloc_message_id(self, chat_id: Any) -> int:
        with self._cond:
            number = self._next_message_id.get(chat_id, 1)
            self._next_message_id[chat_id] = number + 1
            return number

    def chat_json(self, chat_id: Any) -> dict:
        """Telegram Chat JSON: private for positive ids, supergroup for negative ones."""
        if isinstance(chat_id, int) and chat_id < 0:
            return {"id": chat_id, "type": "supergroup",
                    "title": self.chat_titles.get(chat_id, f"Test group {chat_id}")}
        user = self.users.get(chat_id, {})
        chat = {"id": chat_id, "type": "private",
                "first_name": user.get("first_name", "User")}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def user_json(self, user_id: int) -> dict:
        """Telegram User JSON of a known FakeUser (or a plain one)."""
        if user_id == BOT_USER["id"]:
            return dict(BOT_USER)
        return dict(self.users.get(user_id) or {"id": user_id, "is_bot": False,
                                                 "first_name": "User"})

    # ----------------------------------------------------------------- validation helpers
    def _chat(self, params: dict, *, send: bool = True) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id == 0:
            raise _bad("chat not found")
        if send and chat_id in self.blocked_chats:
            if chat_id < 0:
                raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _text(params: dict, key: str = "text", limit: int = 4096,
              required: bool = True) -> tuple[str | None, list[dict]]:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return None, []
        entities_key = "entities" if key == "text" else "caption_entities"
        plain, entities = format_text(str(raw), params.get("parse_mode"),
                                      params.get(entities_key))
        if required and not plain.strip():
            raise _bad("message text is empty")
        if len(plain) > limit:
            raise _bad("message is too long" if key == "text" else "message caption is too long")
        return plain, entities

    def _markup(self, params: dict, chat_id: Any, *, inline_only: bool = False) -> dict | None:
        """Validates ``reply_markup``; returns the inline keyboard to store (or None)."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                           "Array of Arrays")
            count = 0
            for row in rows:
                for button in row:
                    count += 1
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise _bad("can't parse inline keyboard button: Field \"text\" must be "
                                   "of type String")
                    actions = set(button) - {"text", "icon_custom_emoji_id", "style"}
                    if not actions:
                        raise _bad("can't parse inline keyboard button: Text buttons are "
                                   "unallowed in the inline keyboard")
                    if "callback_data" in button:
                        size = len(str(button["callback_data"]).encode("utf-8"))
                        if size == 0 or size > 64:
                            raise _bad("BUTTON_DATA_INVALID")
                    if "url" in button and not re.match(r"^(https?|tg)://\S+$",
                                                         str(button["url"])):
                        raise _bad(f"inline keyboard button URL '{button['url']}' is invalid: "
                                   "Wrong HTTP URL")
            if count > 100:
                raise _bad("reply markup is too long")
            return copy.deepcopy(markup)
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of '
                           "Arrays")
            for row in rows:
                for button in row:
                    if not isinstance(button, str) and not (
                            isinstance(button, dict) and isinstance(button.get("text"), str)):
                        raise _bad("can't parse keyboard button: Field \"text\" must be of "
                                   "type String")
        elif not ({"remove_keyboard", "force_reply"} & set(markup)):
            raise _bad("can't parse reply keyboard markup JSON object")
        self._reply_keyboards[chat_id] = (None if markup.get("remove_keyboard")
                                          else copy.deepcopy(markup))
        return None

    def _find(self, chat_id: Any, message_id: Any) -> dict | None:
        return (self._messages.get(chat_id, {}).get(message_id)
                or self._user_messages.get(chat_id, {}).get(message_id))

    def _reply_to(self, chat_id: Any, params: dict) -> dict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, chat = reply.get("message_id"), reply.get("chat_id", chat_id)
            allow = reply.get("allow_sending_without_reply", False)
        elif params.get("reply_to_message_id") is not None:
            message_id, chat = params["reply_to_message_id"], chat_id
            allow = params.get("allow_sending_without_reply", False)
        else:
            return None
        target = self._find(chat, message_id)
        if target is None:
            if allow:
                return None
            raise _bad("message to be replied not found")
        target = copy.deepcopy(target)
        target.pop("reply_to_message", None)
        return target

    def _new_message(self, params: dict, content: dict, chat_id: Any = None) -> dict:
        """Validates chat/markup/reply, stores and returns a new bot message."""
        chat_id = self._chat(params) if chat_id is None else chat_id
        markup = self._markup(params, chat_id)
        reply = self._reply_to(chat_id, params)
        message = {"message_id": self._alloc_message_id(chat_id), "from": dict(BOT_USER),
                   "chat": self.chat_json(chat_id), "date": int(time.time())}
        if reply:
            message["reply_to_message"] = reply
        message.update(content)
        if markup:
            message["reply_markup"] = markup
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _caption(self, params: dict, content: dict) -> dict:
        caption, entities = self._text(params, "caption", 1024, required=False)
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return content

    def _input_file(self, value: Any, files: dict, name: str, kind: str,
                    accepted: tuple[str, ...]) -> _StoredFile:
        """The file a send/edit refers to: an upload, an attach:// part, a file_id or a URL."""
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://"):])
            if upload is None:
                raise _bad("can't find attached file")
        elif value is None:
            upload = files.get(name)
        if upload is not None:
            content_type = upload.content_type
            if content_type in (None, "application/octet-stream") and upload.filename:
                content_type = mimetypes.guess_type(upload.filename)[0] or content_type
            return self._store_file(kind, upload.content, None, upload.filename,
                                    content_type or ("image/jpeg" if kind == "photo" else None))
        if value is None or value == "":
            raise _bad(f"there is no {name} in the request")
        value = str(value)
        if re.match(r"^https?://", value):
            return self._store_file(kind, FAKE_JPEG, None, value.rsplit("/", 1)[-1] or None)
        stored = self._files.get(value)
        if stored is None:
            if self.strict_file_ids:
                raise _bad("wrong file identifier/HTTP URL specified")
            return self._store_file(kind, FAKE_JPEG, value)
        if stored.kind not in accepted:
            raise _bad("type of file mismatch")
        return stored

    def _photo_sizes(self, stored: _StoredFile) -> list[dict]:
        sizes = []
        for suffix, (width, height) in zip(("s", "m"), ((90, 67), (320, 240))):
            small = self._store_file("photo", stored.content, f"{stored.file_id}-{suffix}")
            sizes.append({"file_id": small.file_id, "file_unique_id": small.unique_id,
                          "file_size": max(len(stored.content) // 10, 1), "width": width,
                          "height": height})
        sizes.append({"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                      "file_size": len(stored.content), "width": 1280, "height": 960})
        return sizes

    def _media_content(self, stored: _StoredFile, kind: str) -> dict:
        if kind == "photo":
            return {"photo": self._photo_sizes(stored)}
        media = {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                 "file_size": len(stored.content)}
        if stored.file_name:
            media["file_name"] = stored.file_name
        if stored.mime_type:
            media["mime_type"] = stored.mime_type
        if kind in ("video", "animation"):
            media.update(width=640, height=480, duration=3)
        if kind in ("audio", "voice"):
            media["duration"] = 3
        return {kind: media}

    # ----------------------------------------------------------------- bot settings methods
    def _api_get_me(self, params: dict, files: dict) -> dict:
        return dict(GET_ME)

    def _api_log_out(self, params: dict, files: dict) -> bool:
        return True

    _api_close = _api_log_out

    def _api_delete_webhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._queue.clear()
            self._redeliver.clear()
        return True

    def _api_set_webhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    def _api_get_webhook_info(self, params: dict, files: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._queue) + len(self._redeliver)}

    @staticmethod
    def _scope_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_set_my_commands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" is required')
        if len(commands) > 100:
            raise _bad("too many commands")
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(item.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = copy.deepcopy(commands)
        return True

    def _api_get_my_commands(self, params: dict, files: dict) -> list:
        return copy.deepcopy(self.commands.get(self._scope_key(params), []))

    def _api_delete_my_commands(self, params: dict, files: dict) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _describe(self, params: dict, key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise _bad(f"{key.replace('_', ' ')} is too long")
        self.descriptions[(key, str(params.get("language_code") or ""))] = value
        return True

    def _api_set_my_description(self, params: dict, files: dict) -> bool:
        return self._describe(params, "description", 512)

    def _api_set_my_short_description(self, params: dict, files: dict) -> bool:
        return self._describe(params, "short_description", 120)

    def _api_set_my_name(self, params: dict, files: dict) -> bool:
        return self._describe(params, "name", 64)

    def _described(self, params: dict, key: str) -> dict:
        return {key: self.descriptions.get((key, str(params.get("language_code") or "")), "")}

    def _api_get_my_description(self, params: dict, files: dict) -> dict:
        return self._described(params, "description")

    def _api_get_my_short_description(self, params: dict, files: dict) -> dict:
        return self._described(params, "short_description")

    def _api_get_my_name(self, params: dict, files: dict) -> dict:
        return self._described(params, "name")

    def _api_set_chat_menu_button(self, params: dict, files: dict) -> bool:
        button = params.get("menu_button")
        if button is not None and (not isinstance(button, dict) or "type" not in button):
            raise _bad("can't parse menu button")
        self.menu_buttons[params.get("chat_id")] = button
        return True

    def _api_get_chat_menu_button(self, params: dict, files: dict) -> dict:
        return copy.deepcopy(self.menu_buttons.get(params.get("chat_id"))
                             or {"type": "commands"})

    def _api_get_updates(self, params: dict, files: dict) -> list:  # served by _get_updates
        raise AssertionError("unreachable")

    # ----------------------------------------------------------------- sending
    def _api_send_message(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        text, entities = self._text(params)
        content: dict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._new_message(params, content, chat_id)

    def _api_send_photo(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        content = self._caption(params, {})
        stored = self._input_file(params.get("photo"), files, "photo", "photo", ("photo",))
        return self._new_message(params, {**self._media_content(stored, "photo"), **content},
                                 chat_id)

    def _api_send_document(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        content = self._caption(params, {})
        stored = self._input_file(params.get("document"), files, "document", "document",
                                  ("document", "animation", "audio", "video"))
        return self._new_message(params, {**self._media_content(stored, "document"),
                                          **content}, chat_id)

    @staticmethod
    def _location(params: dict) -> dict:
        latitude, longitude = params.get("latitude"), params.get("longitude")
        if latitude is None or longitude is None or latitude == "" or longitude == "":
            raise _bad("latitude or longitude is empty")
        if not isinstance(latitude, int | float) or not -90 <= latitude <= 90:
            raise _bad("wrong latitude")
        if not isinstance(longitude, int | float) or not -180 <= longitude <= 180:
            raise _bad("wrong longitude")
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        for key in ("horizontal_accuracy", "live_period", "heading"):
            if params.get(key) is not None:
                location[key] = params[key]
        return location

    def _api_send_location(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        return self._new_message(params, {"location": self._location(params)}, chat_id)

    def _api_send_venue(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        location = self._location(params)
        if not params.get("title") or not params.get("address"):
            raise _bad("venue title or address is empty")
        venue = {"location": location, "title": str(params["title"]),
                 "address": str(params["address"])}
        return self._new_message(params, {"venue": venue, "location": location}, chat_id)

    def _api_send_contact(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        if not params.get("phone_number") or not params.get("first_name"):
            raise _bad("phone number or first name is empty")
        contact = {"phone_number": str(params["phone_number"]),
                   "first_name": str(params["first_name"])}
        if params.get("last_name"):
            contact["last_name"] = str(params["last_name"])
        return self._new_message(params, {"contact": contact}, chat_id)

    def _api_send_media_group(self, params: dict, files: dict) -> list[dict]:
        chat_id = self._chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of media items: must be between 2 and 10")
        accepted = {"photo": ("photo",), "video": ("video",), "audio": ("audio",),
                    "document": ("document", "animation", "audio", "video")}
        contents = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in accepted:
                raise _bad("can't parse InputMedia: unsupported media type")
            kind = item["type"]
            content = self._caption(item, {})
            stored = self._input_file(item.get("media") or "", files, "media", kind,
                                      accepted[kind])
            contents.append({**self._media_content(stored, kind), **content})
        self._reply_to(chat_id, params)
        group_id = str(13000000000000000 + next(self._counter))
        return [self._new_message({k: v for k, v in params.items() if k != "reply_markup"},
                                  {**content, "media_group_id": group_id}, chat_id)
                for content in contents]

    def _api_send_chat_action(self, params: dict, files: dict) -> bool:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _api_forward_message(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        source = self._find(params.get("from_chat_id"), params.get("message_id"))
        if source is None:
            raise _bad("message to forward not found")
        content = {k: copy.deepcopy(v) for k, v in source.items()
                   if k not in ("message_id", "from", "chat", "date", "reply_markup",
                                "reply_to_message", "edit_date")}
        content["forward_origin"] = {"type": "user", "date": source["date"],
                                     "sender_user": copy.deepcopy(source.get("from"))}
        return self._new_message({"chat_id": chat_id}, content, chat_id)

    def _api_copy_message(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        source = self._find(params.get("from_chat_id"), params.get("message_id"))
        if source is None:
            raise _bad("message to copy not found")
        content = {k: copy.deepcopy(v) for k, v in source.items()
                   if k not in ("message_id", "from", "chat", "date", "reply_markup",
                                "reply_to_message", "edit_date", "forward_origin")}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            self._caption(params, content)
        message = self._new_message(params, content, chat_id)
        return {"message_id": message["message_id"]}

    # ----------------------------------------------------------------- editing
    def _editable(self, params: dict) -> dict | None:
        """The stored message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat(params)
        if params.get("message_id") is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get(chat_id, {}).get(params.get("message_id"))
        if message is None:
            if self._user_messages.get(chat_id, {}).get(params.get("message_id")):
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return message

    def _apply_edit(self, message: dict, changes: dict, markup: dict | None,
                    keys: tuple[str, ...]) -> dict:
        before = ({k: message.get(k) for k in keys}, message.get("reply_markup"))
        after = ({k: changes.get(k) for k in keys}, markup)
        if before == after:
            raise _bad(NOT_MODIFIED[len("Bad Request: "):])
        for key in keys:
            message.pop(key, None)
        message.update({k: v for k, v in changes.items() if v is not None})
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _api_edit_message_text(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        text, entities = self._text(params)
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        return self._apply_edit(message, {"text": text, "entities": entities or None}, markup,
                                ("text", "entities"))

    def _api_edit_message_caption(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        changes = self._caption(params, {})
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        if not any(key in message for key in CAPTIONABLE):
            raise _bad("there is no caption in the message to edit")
        return self._apply_edit(message, changes, markup, ("caption", "caption_entities"))

    def _api_edit_message_reply_markup(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        return self._apply_edit(message, {}, markup, ())

    def _api_edit_message_media(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in (
                "photo", "document", "video", "animation", "audio"):
            raise _bad("can't parse InputMedia")
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        if not any(key in message for key in MEDIA_KEYS):
            raise _bad("there is no media in the message to edit")
        kind = media["type"]
        stored = self._input_file(media.get("media") or "", files, "media", kind,
                                  (kind,) if kind != "document" else ("document", "animation"))
        changes = {**self._media_content(stored, kind), **self._caption(media, {})}
        return self._apply_edit(message, changes, markup, (*MEDIA_KEYS, "caption",
                                                           "caption_entities"))

    def _api_delete_message(self, params: dict, files: dict) -> bool:
        chat_id = self._chat(params, send=False)
        message_id = params.get("message_id")
        for store in (self._messages, self._user_messages):
            if store.get(chat_id, {}).pop(message_id, None) is not None:
                self.deleted.append((chat_id, message_id))
                return True
        raise _bad("message to delete not found")

    def _api_delete_messages(self, params: dict, files: dict) -> bool:
        chat_id = self._chat(params, send=False)
        for message_id in params.get("message_ids") or []:
            for store in (self._messages, self._user_messages):
                if store.get(chat_id, {}).pop(message_id, None) is not None:
                    self.deleted.append((chat_id, message_id))
        return True

    # ----------------------------------------------------------------- callbacks, files, chats
    def _api_answer_callback_query(self, params: dict, files: dict) -> bool:
        query_id = params.get("callback_query_id")
        if query_id is None or query_id == "":
            raise _bad('parameter "callback_query_id" is required')
        query = self._queries.get(str(query_id))
        if query is None or query["answered"]:
            raise _bad(QUERY_INVALID[len("Bad Request: "):])
        if len(str(params.get("text") or "")) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        self.callback_answers[str(query_id)] = dict(params)
        return True

    def _api_get_file(self, params: dict, files: dict) -> dict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.file_path is None:
            folder, suffix = FILE_DIRS.get(stored.kind, ("documents", ""))
            if stored.file_name and "." in stored.file_name:
                suffix = "." + stored.file_name.rsplit(".", 1)[-1]
            stored.file_path = f"{folder}/file_{next(self._counter)}{suffix}"
            self._file_paths[stored.file_path] = stored
        return {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                "file_size": len(stored.content), "file_path": stored.file_path}

    def _api_get_chat(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params, send=False)
        return {**self.chat_json(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _member(self, chat_id: Any, user_id: int) -> dict:
        status = self.member_status.get((chat_id, user_id),
                                        self.member_status.get(user_id, "member"))
        user = self.user_json(user_id)
        if isinstance(status, dict):
            return {**status, "user": status.get("user", user)}
        member: dict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(dict.fromkeys(
                ("can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories",
                 "can_edit_stories", "can_delete_stories"), False))
            member.update(dict.fromkeys(
                ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                 "can_restrict_members", "can_change_info", "can_invite_users",
                 "can_pin_messages"), True))
        elif status == "restricted":
            member.update(dict.fromkeys(
                ("can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages",
                 "can_send_polls", "can_send_other_messages", "can_add_web_page_previews",
                 "can_manage_topics", "can_send_audios", "can_send_documents",
                 "can_send_photos", "can_send_videos", "can_send_video_notes",
                 "can_send_voice_notes", "can_edit_tag"), False))
            member.update(is_member=True, until_date=0)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_get_chat_member(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params, send=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise _bad("invalid user_id specified")
        return self._member(chat_id, user_id)

    def _api_get_chat_administrators(self, params: dict, files: dict) -> list[dict]:
        chat_id = self._chat(params, send=False)
        user_ids = []
        for key in self.member_status:
            user_id = key[1] if isinstance(key, tuple) and key[0] == chat_id else key
            if isinstance(user_id, int) and user_id not in user_ids:
                user_ids.append(user_id)
        members = [self._member(chat_id, user_id) for user_id in user_ids]
        return [m for m in members if m.get("status") in ("creator", "administrator")]

    def _api_pin_chat_message(self, params: dict, files: dict) -> bool:
        chat_id = self._chat(params)
        if self._find(chat_id, params.get("message_id")) is None:
            raise _bad("message to pin not found")
        self.pinned[chat_id] = params["message_id"]
        return True

    def _api_unpin_chat_message(self, params: dict, files: dict) -> bool:
        self.pinned.pop(self._chat(params, send=False), None)
        return True

    def _api_leave_chat(self, params: dict, files: dict) -> bool:
        self.left_chats.add(self._chat(params, send=False))
        return True


# --------------------------------------------------------------------------- fake users

class FakeUser:
    """A person talking to the bot. Each action injects an update and returns its update_id;
    ``build_<action>(...)`` returns the update dict (without update_id) instead.

    Every action takes ``chat_id=`` (default: the private chat, whose id is the user id; a
    negative id is a supergroup). Media get fresh file ids registered in the emulator, so the
    bot can getFile/download them or send them on by id.
    """

    def __init__(self, emu: BotAPIEmulator, user_id: int, first_name: str = "Sara",
                 language_code: str | None = "fa", username: str | None = None,
                 last_name: str | None = None) -> None:
        self.emu, self.id = emu, user_id
        self.first_name, self.last_name = first_name, last_name
        self.username, self.language_code = username, language_code
        emu.users[user_id] = self.user

    @property
    def user(self) -> dict:
        """Telegram User JSON of this person."""
        user: dict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    def build(self, action: str, *args: Any, **kwargs: Any) -> dict:
        """``build("text", "hi")`` == ``build_text("hi")``."""
        return getattr(self, "build_" + action)(*args, **kwargs)

    def _message(self, content: dict, chat_id: int | None = None,
                 reply_to: dict | None = None) -> dict:
        chat = self.id if chat_id is None else chat_id
        message = {"message_id": self.emu._alloc_message_id(chat), "from": self.user,
                   "chat": self.emu.chat_json(chat), "date": int(time.time()), **content}
        if reply_to:
            reply = copy.deepcopy(reply_to)
            reply.pop("reply_to_message", None)
            message["reply_to_message"] = reply
        with self.emu._cond:
            self.emu._user_messages.setdefault(chat, {})[message["message_id"]] = message
        return {"message": copy.deepcopy(message)}

    def _file(self, kind: str, file_id: str | None, **extra: Any) -> dict:
        with self.emu._cond:
            stored = self.emu._store_file(kind, FAKE_JPEG if kind == "photo" else
                                          f"emulated {kind}".encode() * 16, file_id,
                                          extra.get("file_name"), extra.get("mime_type"))
            if kind == "photo":
                return {"photo": self.emu._photo_sizes(stored)}
        return {kind: {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                       "file_size": len(stored.content),
                       **{k: v for k, v in extra.items() if v is not None}}}

    # builders ------------------------------------------------------------
    def build_text(self, text: str, *, chat_id: int | None = None, reply_to: dict | None = None,
                   entities: list[dict] | None = None) -> dict:
        content: dict = {"text": text}
        if entities is None and text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0,
                         "length": _u16(text.split(maxsplit=1)[0])}]
        if entities:
            content["entities"] = entities
        return self._message(content, chat_id, reply_to)

    def build_command(self, name: str, args: str = "", **kwargs: Any) -> dict:
        return self.build_text(f"/{name.lstrip('/')}" + (f" {args}" if args else ""), **kwargs)

    def build_location(self, latitude: float, longitude: float, *,
                       chat_id: int | None = None, live_period: int | None = None) -> dict:
        location: dict = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return self._message({"location": location}, chat_id)

    def build_venue(self, latitude: float, longitude: float, title: str, address: str, *,
                    chat_id: int | None = None) -> dict:
        location = {"latitude": latitude, "longitude": longitude}
        return self._message({"location": location, "venue": {
            "location": location, "title": title, "address": address}}, chat_id)

    def build_contact(self, phone: str, own: bool = True, *, chat_id: int | None = None,
                      first_name: str | None = None, user_id: int | None = None) -> dict:
        contact: dict = {"phone_number": phone,
                         "first_name": first_name or (self.first_name if own else "Friend")}
        if own:
            contact["user_id"] = self.id
        elif user_id is not None:
            contact["user_id"] = user_id
        return self._message({"contact": contact}, chat_id)

    def build_photo(self, file_id: str | None = None, *, chat_id: int | None = None,
                    caption: str | None = None) -> dict:
        content = self._file("photo", file_id)
        if caption:
            content["caption"] = caption
        return self._message(content, chat_id)

    def build_document(self, file_name: str = "file.pdf", mime_type: str = "application/pdf",
                       file_id: str | None = None, *, chat_id: int | None = None) -> dict:
        return self._message(self._file("document", file_id, file_name=file_name,
                                         mime_type=mime_type), chat_id)

    def build_sticker(self, *, chat_id: int | None = None) -> dict:
        return self._message(self._file("sticker", None, type="regular", width=512, height=512,
                                        is_animated=False, is_video=False, emoji="😀"), chat_id)

    def build_voice(self, *, chat_id: int | None = None) -> dict:
        return self._message(self._file("voice", None, duration=3, mime_type="audio/ogg"),
                             chat_id)

    def build_video(self, *, chat_id: int | None = None) -> dict:
        return self._message(self._file("video", None, width=640, height=480, duration=5,
                                         mime_type="video/mp4"), chat_id)

    def build_animation(self, *, chat_id: int | None = None) -> dict:
        content = self._file("animation", None, width=320, height=240, duration=2,
                             file_name="funny.mp4", mime_type="video/mp4")
        content["document"] = dict(content["animation"])  # as Telegram sends animations
        return self._message(content, chat_id)

    def build_press(self, message: dict, data: str, *, chat_id: int | None = None) -> dict:
        chat = chat_id if chat_id is not None else message.get("chat", {}).get("id", self.id)
        with self.emu._cond:
            current = self.emu._messages.get(chat, {}).get(message.get("message_id"))
            shown = copy.deepcopy(current if current is not None else message)
            query_id = str(4600000000000000000 + next(self.emu._counter))
            self.emu._queries[query_id] = {"answered": False}
        return {"callback_query": {"id": query_id, "from": self.user,
                                   "chat_instance": str(8100000000000000000 + abs(chat)),
                                   "data": data, "message": shown}}

    def build_edit(self, message: dict, text: str) -> dict:
        edited = {**copy.deepcopy(message), "text": text, "edit_date": int(time.time())}
        return {"edited_message": edited}

    def build_block(self, blocked: bool = True) -> dict:
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        new_member: dict = {"user": dict(BOT_USER), "status": new}
        if blocked:
            new_member["until_date"] = 0
        old_member: dict = {"user": dict(BOT_USER), "status": old}
        if not blocked:
            old_member["until_date"] = 0
        return {"my_chat_member": {"chat": self.emu.chat_json(self.id), "from": self.user,
                                   "date": int(time.time()), "old_chat_member": old_member,
                                   "new_chat_member": new_member}}

    # actions (inject and return the update_id) --------------------------
    def text(self, text: str, **kwargs: Any) -> int:
        """Sends text; "/cmd ..." gets a bot_command entity. kwargs: chat_id, reply_to."""
        return self.emu.inject(self.build_text(text, **kwargs))

    def command(self, name: str, args: str = "", **kwargs: Any) -> int:
        return self.emu.inject(self.build_command(name, args, **kwargs))

    def location(self, latitude: float, longitude: float, **kwargs: Any) -> int:
        return self.emu.inject(self.build_location(latitude, longitude, **kwargs))

    def venue(self, latitude: float, longitude: float, title: str, address: str,
              **kwargs: Any) -> int:
        return self.emu.inject(self.build_venue(latitude, longitude, title, address, **kwargs))

    def contact(self, phone: str, own: bool = True, **kwargs: Any) -> int:
        """Shares a contact; ``own=True`` puts this user's id in contact.user_id."""
        return self.emu.inject(self.build_contact(phone, own, **kwargs))

    def photo(self, file_id: str | None = None, **kwargs: Any) -> int:
        return self.emu.inject(self.build_photo(file_id, **kwargs))

    def document(self, file_name: str = "file.pdf", mime_type: str = "application/pdf",
                 file_id: str | None = None, **kwargs: Any) -> int:
        return self.emu.inject(self.build_document(file_name, mime_type, file_id, **kwargs))

    def sticker(self, **kwargs: Any) -> int:
        return self.emu.inject(self.build_sticker(**kwargs))

    def voice(self, **kwargs: Any) -> int:
        return self.emu.inject(self.build_voice(**kwargs))

    def video(self, **kwargs: Any) -> int:
        return self.emu.inject(self.build_video(**kwargs))

    def animation(self, **kwargs: Any) -> int:
        return self.emu.inject(self.build_animation(**kwargs))

    def press(self, message: dict, data: str, **kwargs: Any) -> int:
        """Presses an inline button of a bot message (any ``data`` may be forged)."""
        return self.emu.inject(self.build_press(message, data, **kwargs))

    def text_in_group(self, chat_id: int, text: str, **kwargs: Any) -> int:
        """``text(text, chat_id=chat_id)``."""
        return self.text(text, chat_id=chat_id, **kwargs)

    def press_in_group(self, chat_id: int, message: dict, data: str) -> int:
        """``press(message, data, chat_id=chat_id)``."""
        return self.press(message, data, chat_id=chat_id)

    def edit(self, message: dict, text: str) -> int:
        """Edits one of this user's earlier text messages (an edited_message update)."""
        return self.emu.inject(self.build_edit(message, text))

    def block(self) -> int:
        """Blocks the bot: later sends to this chat get 403; injects my_chat_member."""
        self.emu.blocked_chats.add(self.id)
        return self.emu.inject(self.build_block(True))

    def unblock(self) -> int:
        self.emu.blocked_chats.discard(self.id)
        return self.emu.inject(self.build_block(False))
