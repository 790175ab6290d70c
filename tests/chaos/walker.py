"""A citizen who walks a report however the bot behaves: answers whatever it asks last, and
tries again, as a person would, when a message of theirs got no answer.

``Walk`` counts what the chaos figures need: messages never answered (no new question within
``patience`` seconds), questions asked again after the bot had moved past them (an acknowledged
answer lost), and the code the bot gave at the end.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from tests.chaos.deliveries import performed
from tests.support.chat import Person, plain_text, text_of
from tests.support.flows import AZADI

# (the question's catalog key, what the citizen does about it), in the report's order.
# In danger the report goes out once the place is given (its code in "danger.sent"), then the
# optional questions follow, each edited into the same post.
DANGER_STEPS = [
    ("report.ask_danger", ("press", "v1:rep:danger:yes")),
    ("danger.ask_location", ("location", AZADI)),
    ("report.ask_activity", ("press", "v1:rep:act:flowers")),
    ("report.ask_age", ("press", "v1:rep:age:6to12")),
    ("report.ask_count", ("text", "1")),
    ("report.ask_description", ("press", "v1:rep:desc:skip")),
    ("report.ask_contact", ("press", "v1:rep:contact:anonymous")),
    ("danger.all_added", None),
]
CALM_STEPS = [
    ("report.ask_danger", ("press", "v1:rep:danger:no")),
    ("report.ask_activity", ("press", "v1:rep:act:flowers")),
    ("report.ask_age", ("press", "v1:rep:age:6to12")),
    ("report.ask_count", ("text", "1")),
    ("report.ask_location", ("location", AZADI)),
    ("report.ask_photos", ("photo", None)),
    ("report.photos_so_far", ("press", "v1:rep:photos:done")),
    ("report.ask_description", ("press", "v1:rep:desc:skip")),
    ("report.ask_contact", ("press", "v1:rep:contact:anonymous")),
    ("summary.title", ("press", "v1:rep:submit")),
    ("report.received", None),
]
OTHER = [("report.resume_prompt", ("press", "v1:rep:resume")), ("report.received", None)]
WAIT = ["danger.sent"]  # told, and the next question follows in its own message: wait for it
RETRY = ["error.internal", "error.storage_fault"]  # an apology: the same message again, now
CODE = re.compile(r"<code>([^<]+)</code>")


@dataclass
class Walk:
    """One citizen's report under chaos, and what went wrong on the way."""

    person: Person
    patience: float = 60.0
    never_answered: int = 0
    lost: int = 0
    code: str | None = None
    asked: list[str] = field(default_factory=list)
    danger: bool = True  # the danger-first path, or the calm one ending in Submit

    @property
    def steps(self) -> list[tuple[str, tuple[str, object] | None]]:
        return DANGER_STEPS if self.danger else CALM_STEPS

    @property
    def last_key(self) -> str:
        return self.steps[-1][0]

    @property
    def code_key(self) -> str:
        """The message carrying the report's code."""
        return "danger.sent" if self.danger else "report.received"

    def _shown(self) -> dict[int, tuple]:
        """What the chat shows now: each message's text, caption and buttons by its id."""
        return {m["message_id"]: (m.get("text"), m.get("caption"), str(m.get("reply_markup")))
                for m in self.person.emu.messages(self.person.id)}

    def _key_of(self, message: dict) -> str | None:
        known = self.steps + OTHER + [(key, None) for key in WAIT + RETRY]
        text = plain_text(message.get("text") or message.get("caption"))
        # A pressed question is edited into its answer and the next question: the furthest
        # step a message names is the one it asks now.
        for key, _ in reversed(known):
            if self.person.expects(key) in text:
                return key
        return None

    def _state(self, before: dict[int, tuple] | None = None) -> str | None:
        """The newest known question in the chat, or (``before``) among the messages sent or
        edited since then (a rejection re-asks nothing by itself)."""
        for message in reversed(self.person.emu.messages(self.person.id)):
            # Buttons taken away (the last answer, "continue?") ask nothing new.
            if before is not None and message["message_id"] in before and before[
                    message["message_id"]][:2] == (message.get("text"), message.get("caption")):
                continue
            key = self._key_of(message)
            if key is not None:
                return key
        return None

    async def _answer(self, before: dict[int, tuple], until: float) -> str | None:
        """The question the bot answered with: the newest one in a message sent or edited
        after ``before``, once there is one that is not a "told, a question follows" (an edit
        that only shows the answer, or the code, comes before the next question, which on a
        loaded bot may take seconds); ``None`` if nothing came by ``until``."""
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            key = self._state(before)
            if key is not None and key not in WAIT:
                return key
            await asyncio.sleep(0.3)  # 100 walkers: keep the emulator free to serve
        return None

    async def _act(self, action: tuple[str, object]) -> None:
        kind, value = action
        user = self.person.user
        if kind == "text":
            user.text(value)
        elif kind == "location":
            user.location(*value)
        elif kind == "photo":
            user.photo()
        else:
            try:
                message = self.person.message_with_button(value)
            except AssertionError:  # the question's message is gone: start over
                user.text("/report")
                return
            user.press(message, self.person.button_data(value, message))

    async def run(self, deadline: float) -> None:
        """Walk until the code comes or ``deadline`` (the loop's time) passes: after each
        answer, do what the newest question asks."""
        loop = asyncio.get_running_loop()
        action: tuple[str, object] = ("text", "/report")
        furthest = -1
        order = [k for k, _ in self.steps]
        while loop.time() < deadline:
            before = self._shown()
            await self._act(action)
            key = await self._answer(before, min(deadline, loop.time() + self.patience))
            if key is None:
                self.never_answered += 1
                key = self._state()  # act on what the chat shows, as a person would
                if key in WAIT:  # the code came, the next question never did
                    action = ("text", "/report")
                    continue
            if key is None or key in RETRY:
                continue  # the same message again
            self.asked.append(key)
            if key in order:
                index = order.index(key)
                if index < furthest:
                    self.lost += 1
                furthest = max(furthest, index)
            if key in (self.last_key, "report.received"):  # a lost thanks: the code again
                self.code = self._code(key)
                return
            action = dict(self.steps + OTHER)[key]

    def _code(self, key: str) -> str | None:
        """The code from the message that carried it: the first one (``code_key``), or, if that
        was lost to a crash, the code sent again or the closing thanks."""
        keys = [self.code_key, "report.received", key]
        expected = [self.person.expects(k) for k in keys]
        for call in reversed(self.person.emu.calls):
            if (call.method == "sendMessage" and performed(call)
                    and call.params.get("chat_id") == self.person.id
                    and any(e in text_of(call) for e in expected)):
                match = CODE.search(call.params.get("text", ""))
                if match:
                    return match.group(1)
        return None
