"""The emulator's chats, messages and files, and the checks every send and edit shares."""

from __future__ import annotations

import copy
import mimetypes
import re
from typing import Any

from tests.support.emulator_base import (
    BLOCKED, BOT_USER, CANT_INITIATE, CHAT_NOT_FOUND, FAKE_JPEG, FILE_PREFIX, KICKED, MIGRATED,
    ApiError, StoredFile, bad)
from tests.support.emulator_html import format_text, u16


class MessageStore:
    """Mixin of ``BotAPIEmulator``: what the bot and the users have in each chat."""

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
                    file_name: str | None = None, mime_type: str | None = None) -> StoredFile:
        number = next(self._counter)
        if file_id is None:
            file_id = f"{FILE_PREFIX.get(kind, 'BQAC')}AgIAAxkBAAE{number:010d}"
        stored = self._files.get(file_id)
        if stored is None:
            stored = StoredFile(file_id, f"AQAD{number:08d}", kind, content, file_name,
                                 mime_type)
            self._files[file_id] = stored
        return stored

    def _alloc_message_id(self, chat_id: Any) -> int:
        with self._cond:
            number = self._next_message_id.get(chat_id, 1)
            self._next_message_id[chat_id] = number + 1
            return number

    def chat_json(self, chat_id: Any) -> dict:
        """Telegram Chat JSON: private for positive ids, supergroup for negative ones (a
        group that ``migrate_group`` upgraded stays a basic "group")."""
        if isinstance(chat_id, int) and chat_id < 0:
            kind = "group" if chat_id in self.migrated else "supergroup"
            return {"id": chat_id, "type": kind,
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

    def _chat(self, params: dict, *, send: bool = True) -> Any:
        """The ``chat_id`` of a call, refused as Telegram refuses it.

        Strict: a chat nobody wrote from and no test created is "chat not found"; a user who
        never wrote to the bot privately cannot be sent to ("can't initiate conversation").
        """
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id == 0:
            raise bad("chat not found")
        if chat_id in self.migrated:
            raise ApiError(400, MIGRATED, {"migrate_to_chat_id": self.migrated[chat_id]})
        if send and chat_id in self.blocked_chats:
            raise ApiError(403, KICKED if chat_id < 0 else BLOCKED)
        if not self.strict or chat_id in self.blocked_chats:
            return chat_id
        if chat_id < 0:
            if chat_id not in self.groups and chat_id not in self.chat_titles:
                raise ApiError(400, CHAT_NOT_FOUND)
        elif chat_id not in self.started:
            if chat_id not in self.users:
                raise ApiError(400, CHAT_NOT_FOUND)
            if send:
                raise ApiError(403, CANT_INITIATE)
        return chat_id

    def _text(self, params: dict, key: str = "text", limit: int = 4096,
              required: bool = True) -> tuple[str | None, list[dict]]:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise bad("message text is empty")
            return None, []
        entities_key = "entities" if key == "text" else "caption_entities"
        notes: list[str] = []
        plain, entities = format_text(str(raw), params.get("parse_mode"),
                                      params.get(entities_key), notes)
        self.unsupported.extend(f"{self._serving_method} {key}: {note}" for note in notes)
        if required and not plain.strip():
            raise bad("message text is empty")
        if u16(plain) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        return plain, entities

    def _markup(self, params: dict, chat_id: Any, *, inline_only: bool = False) -> dict | None:
        """Validates ``reply_markup``; returns the inline keyboard to store (or None)."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                           "Array of Arrays")
            count = 0
            for row in rows:
                for button in row:
                    count += 1
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad("can't parse inline keyboard button: Field \"text\" must be "
                                   "of type String")
                    actions = set(button) - {"text", "icon_custom_emoji_id", "style"}
                    if not actions:
                        raise bad("can't parse inline keyboard button: Text buttons are "
                                   "unallowed in the inline keyboard")
                    if "callback_data" in button:
                        size = len(str(button["callback_data"]).encode("utf-8"))
                        if size == 0 or size > 64:
                            raise bad("BUTTON_DATA_INVALID")
                    if "url" in button and not re.match(r"^(https?|tg)://\S+$",
                                                         str(button["url"])):
                        raise bad(f"inline keyboard button URL '{button['url']}' is invalid: "
                                   "Wrong HTTP URL")
            if count > 100:
                raise bad("reply markup is too long")
            return copy.deepcopy(markup)
        if inline_only:
            raise bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of '
                           "Arrays")
            for row in rows:
                for button in row:
                    if not isinstance(button, str) and not (
                            isinstance(button, dict) and isinstance(button.get("text"), str)):
                        raise bad("can't parse keyboard button: Field \"text\" must be of "
                                   "type String")
        elif not ({"remove_keyboard", "force_reply"} & set(markup)):
            raise bad("can't parse reply keyboard markup JSON object")
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
            raise bad("message to be replied not found")
        target = copy.deepcopy(target)
        target.pop("reply_to_message", None)
        return target

    def _new_message(self, params: dict, content: dict, chat_id: Any = None) -> dict:
        """Validates chat/markup/reply, stores and returns a new bot message."""
        chat_id = self._chat(params) if chat_id is None else chat_id
        markup = self._markup(params, chat_id)
        reply = self._reply_to(chat_id, params)
        message = {"message_id": self._alloc_message_id(chat_id), "from": dict(BOT_USER),
                   "chat": self.chat_json(chat_id), "date": int(self.now())}
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
                    accepted: tuple[str, ...]) -> StoredFile:
        """The file a send/edit refers to: an upload, an attach:// part, a file_id or a URL."""
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://"):])
            if upload is None:
                raise bad("can't find attached file")
        elif value is None:
            upload = files.get(name)
        if upload is not None:
            content_type = upload.content_type
            if content_type in (None, "application/octet-stream") and upload.filename:
                content_type = mimetypes.guess_type(upload.filename)[0] or content_type
            return self._store_file(kind, upload.content, None, upload.filename,
                                    content_type or ("image/jpeg" if kind == "photo" else None))
        if value is None or value == "":
            raise bad(f"there is no {name} in the request")
        value = str(value)
        if re.match(r"^https?://", value):
            return self._store_file(kind, FAKE_JPEG, None, value.rsplit("/", 1)[-1] or None)
        stored = self._files.get(value)
        if stored is None:
            if self.strict_file_ids:
                raise bad("wrong file identifier/HTTP URL specified")
            return self._store_file(kind, FAKE_JPEG, value)
        if stored.kind not in accepted:
            raise bad("type of file mismatch")
        return stored

    def _photo_sizes(self, stored: StoredFile) -> list[dict]:
        sizes = []
        for suffix, (width, height) in zip(("s", "m"), ((90, 67), (320, 240))):
            small = self._store_file("photo", stored.content, f"{stored.file_id}-{suffix}")
            sizes.append({"file_id": small.file_id, "file_unique_id": small.unique_id,
                          "file_size": max(len(stored.content) // 10, 1), "width": width,
                          "height": height})
        sizes.append({"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                      "file_size": len(stored.content), "width": 1280, "height": 960})
        return sizes

    def _media_content(self, stored: StoredFile, kind: str) -> dict:
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
