"""Shapes shared by the Bot API emulator's modules: constants, errors and recorded calls."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

BOT_USER = {"id": 1000000, "is_bot": True, "first_name": "Child Report Bot",
            "username": "child_report_test_bot"}
GET_ME = {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
          "supports_inline_queries": False, "can_connect_to_business": False,
          "has_main_web_app": False}

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

# Telegram's own error texts (tdlib/telegram-bot-api), kept in one place for tests to compare.
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current message content and reply markup of "
                "the message")
QUERY_INVALID = ("Bad Request: query is too old and response timeout expired or query ID is "
                 "invalid")
CHAT_NOT_FOUND = "Bad Request: chat not found"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the supergroup chat"
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
CALLBACK_ANSWER_SECONDS = 15.0  # how long Telegram waits for answerCallbackQuery


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


def bad(description: str) -> ApiError:
    """A 400 "Bad Request: <description>"."""
    return ApiError(400, "Bad Request: " + description)


def too_many(retry_after: int) -> ApiError:
    """A 429 with ``parameters.retry_after``, as Telegram's flood control answers."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after})


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
class StoredFile:
    """A file the emulator knows: uploaded by the bot, sent by a user or registered."""

    file_id: str
    unique_id: str
    kind: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None
