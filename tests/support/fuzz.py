"""A seeded generator of random and malformed updates, injected into the emulator at the real bot.

Every message type, edits, forged and oversized callback data, commands with random arguments,
numbers and dates in every digit set, chats the bot never saw, channel posts, updates without a
sender, replies to messages that do not exist. The same seed gives the same updates.
"""

from __future__ import annotations

import copy
import random
import traceback
from typing import Any

from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler

from child_report_bot.ui.callback_data import ACTIONS, VERSION
from tests.support.emulator import BotAPIEmulator
from tests.support.fake_user import FakeUser

# Calls whose answer is a message with buttons someone may press (posts are photos).
SHOWN = {"sendMessage", "sendPhoto", "editMessageText", "editMessageCaption",
         "editMessageReplyMarkup"}
FUZZ_PEOPLE = 880000             # the fuzzer's people are 880000, 880001, …
FUZZ_GROUPS = (-100991, -100992)  # and the groups they write in

# Every command the bot registers is among those the fuzzer types (``commands_of``), and these:
EXTRA_COMMANDS = ("nosuchcommand", "start@other_bot")
# Every scope and action the callback-data parser accepts, so a new button is fuzzed too.
BUTTONS = tuple(f"{VERSION}:{scope}:{action}"
                for scope, actions in sorted(ACTIONS.items()) for action in sorted(actions))


def commands_of(app: Application) -> tuple[str, ...]:
    """The commands ``app``'s handlers answer, conversations' entry points and states too."""
    found: set[str] = set()

    def visit(handler: BaseHandler) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for inner in (*handler.entry_points, *handler.fallbacks,
                          *(h for hs in handler.states.values() for h in hs)):
                visit(inner)

    for handlers in app.handlers.values():
        for handler in handlers:
            visit(handler)
    return tuple(sorted(found)) + EXTRA_COMMANDS


# Digits people type: Latin, Persian, Arabic-Indic, and look-alikes that str.isdigit() accepts.
DIGITS = "0123456789" "۰۱۲۳۴۵۶۷۸۹" "٠١٢٣٤٥٦٧٨٩" "²³¹⁴⁵" "①②③" "𝟘𝟙𝟚"
WORDS = ("hi", "سلام", "کودک", "R-7F3K2", "yes", "no", "<b>bold</b>", "&amp;", "'; DROP TABLE",
         "\u200f", "\u202e", "🙂", "\x00", "  ", "\n", "-1", "1e309", "NaN", "1403/13/40",
         "2024-02-30", "۱۴۰۳/۰۱/۰۱", "9999-99-99", "0")


def _char(rng: random.Random) -> str:
    """Any character JSON can carry (lone surrogates cannot be sent to Telegram at all)."""
    while True:
        code = rng.randrange(32, 0x2FFFF)
        if not 0xD800 <= code <= 0xDFFF:
            return chr(code)


def _buttons_of(message: dict) -> list[str]:
    return [button["callback_data"]
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row if "callback_data" in button]


class Fuzzer:
    """``Fuzzer(emu, seed).inject(n)`` queues ``n`` random updates; returns their ids."""

    def __init__(self, emu: BotAPIEmulator, seed: int, commands: tuple[str, ...],
                 people: int = 12, groups: tuple[int, ...] = FUZZ_GROUPS,
                 staff: tuple[int, ...] = ()) -> None:
        self.emu = emu
        self.commands = commands
        self.rng = random.Random(seed)
        self.people = [FakeUser(emu, FUZZ_PEOPLE + n, first_name=f"F{n}",
                                language_code=("fa", "en", None, "de")[n % 4])
                       for n in range(people)]
        self.by_id = {person.id: person for person in self.people}
        self.staff = staff  # ids among the people who are staff of the groups' queues
        for person in self.people[: people // 2]:  # some started the bot, some never did
            person.start()
        self.groups = groups
        self.seen: list[dict] = []  # messages the fuzzer made, to reply to, edit and press
        self._scanned = 0  # calls to the emulator looked at for messages the bot showed
        self._recent: list[dict] = []
        self._buttoned: list[dict] = []

    def inject(self, count: int) -> list[int]:
        return [self.emu.inject(self.update()) for _ in range(count)]

    def update(self) -> dict:
        """One random update."""
        maker = self.rng.choices(
            (self._text, self._command, self._media, self._press, self._edit, self._group,
             self._channel, self._reply_to_missing, self._membership, self._senderless),
            weights=(20, 15, 12, 22, 6, 10, 3, 4, 3, 5))[0]
        update = maker()
        for key in ("message", "edited_message"):
            if key in update:
                self.seen.append(update[key])
                del self.seen[:-200]
        return update

    # pieces -----------------------------------------------------------------
    def _person(self) -> FakeUser:
        return self.rng.choice(self.people)

    def _number(self) -> str:
        rng = self.rng
        kind = rng.randrange(5)
        if kind == 0:
            return str(rng.choice((0, -1, 2**63, 10**30, 10**40)))
        length = rng.choice((1, 2, 3, 25))
        return "".join(rng.choice(DIGITS) for _ in range(length))

    def _string(self) -> str:
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            return self._number()
        if kind == 1:
            return "x" * rng.choice((1001, 4096))
        if kind == 2:
            return "".join(_char(rng) for _ in range(rng.randrange(1, 40)))
        if kind == 3:
            return f"{self._number()}/{self._number()}/{self._number()}"
        return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4)))

    def _text(self) -> dict:
        text = self._string()
        return self._person().build_text(text, entities=[]) if text.startswith("/") else \
            self._person().build_text(text)

    def _command(self, chat_id: int | None = None) -> dict:
        args = self._string() if self.rng.random() < 0.6 else ""
        return self._person().build_command(self.rng.choice(self.commands), args, chat_id=chat_id)

    def _media(self) -> dict:
        rng, person = self.rng, self._person()
        kind = rng.randrange(9)
        if kind == 0:
            return person.build_location(rng.uniform(-90, 90), rng.uniform(-180, 180),
                                         live_period=rng.choice((None, 60)))
        if kind == 1:
            return person.build_venue(rng.uniform(25, 40), rng.uniform(44, 63), self._string(),
                                      self._string())
        if kind == 2:
            return person.build_contact(self._number(), own=rng.random() < 0.5)
        if kind == 3:
            return person.build_photo(caption=self._string() if rng.random() < 0.3 else None)
        if kind == 4:
            return person.build_document(rng.choice(("a.pdf", "b.jpg", "c.png")),
                                         rng.choice(("application/pdf", "image/jpeg",
                                                     "image/png")))
        return person.build(rng.choice(("sticker", "voice", "video", "animation")))

    def _button_data(self, message: dict) -> str:
        rng = self.rng
        kind = rng.randrange(8)
        real = _buttons_of(message)
        if kind >= 6 and real:  # a button the message really has (a second press, a late one)
            return rng.choice(real)
        if kind == 0:
            return "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(1, 90)))
        if kind == 1:
            return rng.choice(BUTTONS)
        if kind == 2:
            return rng.choice(BUTTONS) + ":" + ":".join(self._string()[:20]
                                                        for _ in range(rng.randrange(1, 4)))
        return f"{rng.choice(BUTTONS)}:{self._number()}"

    def _shown(self) -> list[dict]:
        """Messages the bot showed: the last 50, and every one that had buttons (a queue post
        from the start of the run is still pressed, by its staff and by others, late)."""
        with self.emu._cond:
            new = self.emu.calls[self._scanned:]
            self._scanned += len(new)
        for call in new:
            if call.method in SHOWN and isinstance(call.result, dict):
                self._recent.append(call.result)
                if call.result.get("reply_markup"):
                    self._buttoned.append(call.result)
        del self._recent[:-50]
        return self._recent + self._buttoned[-200:]

    def _press(self) -> dict:
        person = self._person()
        sent = self._shown()
        # What a group shows now: each message as last sent or edited (older states are
        # pressed too, below, as buttons left on a stale screen).
        posts = list({(shown["chat"]["id"], shown["message_id"]): shown
                      for shown in self._buttoned if shown["chat"]["id"] < 0}.values())
        if posts and self.rng.random() < 0.25:  # staff's work: a post, its menus and answers
            message = copy.deepcopy(self.rng.choice(posts))
            real = _buttons_of(message)
            person = self._presser(person, message)
            return person.build_press(message, self.rng.choice(real) if real and
                                      self.rng.random() < 0.8 else self._button_data(message))
        if sent and self.rng.random() < 0.7:
            message = copy.deepcopy(self.rng.choice(sent))
        else:  # a message that never existed, in a chat that may be unknown
            chat = self.rng.choice((person.id, *self.groups, -100777))
            message = {"message_id": self.rng.randrange(1, 10**6), "date": 0,
                       "chat": self.emu.chat_json(chat), "text": "?"}
        person = self._presser(person, message)
        update = person.build_press(message, self._button_data(message))
        if self.rng.random() < 0.1:
            del update["callback_query"]["data"]  # e.g. a game button
        if self.rng.random() < 0.1:
            del update["callback_query"]["message"]  # an inline message
            update["callback_query"]["inline_message_id"] = "AAA"
        return update

    def _presser(self, person: FakeUser, message: dict) -> FakeUser:
        """Mostly who would press it: the chat's own person in private, staff in a group;
        else anyone (a forged or stolen press)."""
        chat_id = message["chat"]["id"]
        if self.rng.random() < 0.3:
            return person
        if chat_id > 0:
            return self.by_id.get(chat_id, person)
        return self.by_id.get(self.rng.choice(self.staff), person) if self.staff else person

    def _edit(self) -> dict:
        if not self.seen:
            return self._text()
        message = copy.deepcopy(self.rng.choice(self.seen))
        message.setdefault("text", "edited")
        return {"edited_message": {**message, "text": self._string(), "edit_date": 1}}

    def _group(self) -> dict:
        chat = self.rng.choice((*self.groups, -100777))
        if self.rng.random() < 0.6:
            return self._command(chat_id=chat)
        return self._person().build_text(self._string(), chat_id=chat)

    def _channel(self) -> dict:
        chat = {"id": -100555, "type": "channel", "title": "A channel"}
        post = {"message_id": self.rng.randrange(1, 10**6), "date": 0, "chat": chat,
                "text": self.rng.choice(("/start", "/report", self._string()))}
        return {self.rng.choice(("channel_post", "edited_channel_post")): post}

    def _reply_to_missing(self) -> dict:
        person = self._person()
        chat = self.rng.choice((person.id, *self.groups))
        ghost = {"message_id": 10**6 + self.rng.randrange(1000), "date": 0,
                 "chat": self.emu.chat_json(chat), "text": "gone"}
        text = self.rng.choice(("/bind", "/staff", "/stats 7", "/show R-AAAAA", self._string()))
        return person.build_text(text, chat_id=chat, reply_to=ghost)

    def _membership(self) -> dict:
        return self._person().build_block(self.rng.random() < 0.5)

    def _senderless(self) -> dict:
        """A message without ``from`` (sent on behalf of a chat), in a private chat or a group."""
        update = self._group() if self.rng.random() < 0.5 else self._text()
        message = update["message"]
        message.pop("from", None)
        message["sender_chat"] = {"id": -100555, "type": "channel", "title": "A channel"}
        return update


def _where(exc: BaseException) -> str:
    """`` at handlers/x.py:12 > storage/db.py:9``: the bot's own frames, outermost handler on."""
    frames = [f"{frame.filename.split('child_report_bot/')[-1]}:{frame.lineno}"
              for frame in traceback.extract_tb(exc.__traceback__)
              if "child_report_bot" in frame.filename]
    return " at " + " > ".join(frames[-3:]) if frames else ""


def summary(records: list[Any]) -> dict[str, int]:
    """Unhandled exceptions by kind (``"ValueError: ..."`` first line), for the figures."""
    kinds: dict[str, int] = {}
    for record in records:
        exc = record.exc_info[1] if record.exc_info else None
        name = f"{type(exc).__name__}: {str(exc)[:80]}{_where(exc)}" if exc else \
            record.getMessage()[:80]
        kinds[name] = kinds.get(name, 0) + 1
    return kinds
