"""HTTP side of the Bot API emulator: request parsing the way PTB sends, and answering."""

from __future__ import annotations

import json
import re
import socket
from email.message import Message as _MimeHeaders
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.support.emulator_base import UploadedFile, bad

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
API_PATH = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
FILE_PATH = re.compile(r"^/file/bot([^/]*)/(.+)$")
_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


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
                    raise bad("can't parse reply keyboard markup JSON object") from None
                raise bad(f"can't parse {key} JSON object") from None
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
        raise bad("multipart boundary is missing")
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
            raise bad("can't parse JSON encoded request body") from None
        if not isinstance(data, dict):
            raise bad("JSON body must be an object")
        params.update(data)
    elif body and kind == "multipart/form-data":
        form, files = _parse_multipart(content_type, body)
        params.update(form)
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return _convert(params), files


class Handler(BaseHTTPRequestHandler):
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


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    emulator: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and go away are expected here


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
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


def respond(handler: BaseHTTPRequestHandler, status: int, body: bytes,
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


def respond_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    respond(handler, status, json.dumps(payload, ensure_ascii=False).encode())


def drop(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


FAULT_ANSWERS = {"500": (500, "Internal Server Error"), "502": (502, "Bad Gateway"),
                  "timeout": (500, "Internal Server Error")}
