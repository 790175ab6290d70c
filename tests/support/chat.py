"""A person in a chat with the bot, for end-to-end tests: send, press, and wait for the answer.

Answers are recognised by their text: ``expect="report.ask_location"`` waits for a message whose
text contains that catalog message's first line (HTML stripped) in the person's language.
"""

from __future__ import annotations

import asyncio
import html
import re

from child_report_bot import i18n
from tests.support.emulator import BotAPIEmulator, FakeUser

SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendMediaGroup",
                "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
                "answerCallbackQuery"}
_TAG = re.compile(r"<[^>]+>")


def plain_text(value: str | None) -> str:
    return html.unescape(_TAG.sub("", value or ""))


def fingerprint(language: str, key: str, **params: object) -> str:
    """A distinctive piece of a catalog message: its first line with placeholders cut off."""
    text = plain_text(i18n.translate(language, key, **params))
    first = text.strip().splitlines()[0]
    return re.split(r"\{", first)[0].strip()


def text_of(call) -> str:
    params = call.params
    return plain_text(params.get("text") or params.get("caption") or "")


class Person:
    """Drives one user of the bot through the emulator."""

    def __init__(self, emu: BotAPIEmulator, user_id: int, language: str = "fa",
                 first_name: str = "Sara", username: str | None = None) -> None:
        self.emu = emu
        self.id = user_id
        self.language = language
        self.user = FakeUser(emu, user_id, first_name=first_name, language_code=language,
                             username=username)

    def expects(self, key: str, **params: object) -> str:
        return fingerprint(self.language, key, **params)

    async def wait_for(self, key: str | None = None, *, after: int, text: str | None = None,
                       chat_id: int | None = None, method: str | None = None, timeout: float = 10):
        """The first call to this chat after ``after`` whose text contains the expected words."""
        wanted = text if text is not None else (self.expects(key) if key else None)
        chat = self.id if chat_id is None else chat_id

        def matches(call) -> bool:
            if call.error is not None or call.method not in SEND_METHODS:
                return False
            if method is not None and call.method != method:
                return False
            if call.method != "answerCallbackQuery" and call.params.get("chat_id") != chat:
                return False
            return wanted is None or wanted in text_of(call)

        return await self.emu.await_call(matches, after=after, timeout=timeout)

    async def send(self, action: str, *args, expect: str | None = None,
                   text: str | None = None, **kwargs):
        """``await person.send("text", "hello", expect="other.no_report_open")``."""
        mark = self.emu.mark()
        getattr(self.user, action)(*args, **kwargs)
        return await self.wait_for(expect, after=mark, text=text)

    def message_with_button(self, data_prefix: str) -> dict:
        """The newest bot message in this chat with a button whose data starts with the prefix."""
        for message in reversed(self.emu.messages(self.id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data", "").startswith(data_prefix):
                        return message
        raise AssertionError(f"no message with a button {data_prefix!r} in chat {self.id}")

    def button_data(self, data_prefix: str, message: dict | None = None) -> str:
        message = message or self.message_with_button(data_prefix)
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if button.get("callback_data", "").startswith(data_prefix):
                    return button["callback_data"]
        raise AssertionError(data_prefix)

    async def await_button(self, data_prefix: str, timeout: float = 10) -> dict:
        """The newest message with such a button, waiting for the bot to send or edit it in:
        an earlier press may have been answered before its edit arrived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                return self.message_with_button(data_prefix)
            except AssertionError:
                if asyncio.get_running_loop().time() >= deadline:
                    raise
            await asyncio.sleep(0.02)

    async def press(self, data_prefix: str, *, expect: str | None = None,
                    text: str | None = None, data: str | None = None, message: dict | None = None):
        """Press the newest button whose data starts with ``data_prefix`` (or send ``data``)."""
        message = message or await self.await_button(data_prefix)
        mark = self.emu.mark()
        self.user.press(message, data or self.button_data(data_prefix, message))
        return await self.wait_for(expect, after=mark, text=text)
