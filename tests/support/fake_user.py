"""People talking to the emulated bot: each action injects the update Telegram would send."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.support.emulator_base import BOT_USER, FAKE_JPEG
from tests.support.emulator_html import u16

if TYPE_CHECKING:
    from tests.support.emulator import BotAPIEmulator


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
                   "chat": self.emu.chat_json(chat), "date": int(self.emu.now()), **content}
        if reply_to:
            reply = copy.deepcopy(reply_to)
            reply.pop("reply_to_message", None)
            message["reply_to_message"] = reply
        with self.emu._cond:
            self.emu._user_messages.setdefault(chat, {})[message["message_id"]] = message
            # Writing makes the chat known to Telegram; a private message means /start was sent.
            if chat < 0:
                self.emu.groups.add(chat)
            elif chat == self.id:
                self.emu.started.add(self.id)
        return {"message": copy.deepcopy(message)}

    def _file(self, kind: str, file_id: str | None, content: bytes | None = None,
              **extra: Any) -> dict:
        if content is None:
            content = FAKE_JPEG if kind == "photo" else f"emulated {kind}".encode() * 16
        with self.emu._cond:
            stored = self.emu._store_file(kind, content, file_id,
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
                         "length": u16(text.split(maxsplit=1)[0])}]
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
                       file_id: str | None = None, *, chat_id: int | None = None,
                       content: bytes | None = None) -> dict:
        return self._message(self._file("document", file_id, content, file_name=file_name,
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
            self.emu._queries[query_id] = {"answered": False, "created": self.emu.now()}
        return {"callback_query": {"id": query_id, "from": self.user,
                                   "chat_instance": str(8100000000000000000 + abs(chat)),
                                   "data": data, "message": shown}}

    def build_edit(self, message: dict, text: str) -> dict:
        edited = {**copy.deepcopy(message), "text": text, "edit_date": int(self.emu.now())}
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
                                   "date": int(self.emu.now()), "old_chat_member": old_member,
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

    def start(self) -> FakeUser:
        """Marks that this person started the bot before the test began (no update is sent).

        Telegram lets a bot write privately only to people who have; a test whose bot writes
        first to a staff member or volunteer must say that they did.
        """
        with self.emu._cond:
            self.emu.started.add(self.id)
        return self

    def block(self) -> int:
        """Blocks the bot: later sends to this chat get 403; injects my_chat_member."""
        self.emu.blocked_chats.add(self.id)
        return self.emu.inject(self.build_block(True))

    def unblock(self) -> int:
        self.emu.blocked_chats.discard(self.id)
        return self.emu.inject(self.build_block(False))
