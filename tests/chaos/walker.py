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

from tests.support.chat import Person, plain_text, text_of
from tests.support.flows import AZADI

# (the question's catalog key, what the citizen does about it), in the report's order.
STEPS = [
    ("report.ask_danger", ("press", "v1:rep:danger:yes")),
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
OTHER = [("report.resume_prompt", ("press", "v1:rep:resume"))]
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
    steps_override: dict[str, tuple[str, object]] = field(default_factory=dict)

    def _state(self, newer_than: int) -> tuple[str, int] | None:
        """The newest known question in the chat sent after message ``newer_than``."""
        known = STEPS + OTHER + [(key, None) for key in RETRY]
        for message in reversed(self.person.emu.messages(self.person.id)):
            if message["message_id"] <= newer_than:
                break
            text = plain_text(message.get("text") or message.get("caption"))
            for key, _ in known:
                if self.person.expects(key) in text:
                    return key, message["message_id"]
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
        """Walk until the code comes or ``deadline`` (the loop's time) passes."""
        loop = asyncio.get_running_loop()
        action: tuple[str, object] = ("text", "/report")
        newest, furthest = 0, -1
        while loop.time() < deadline:
            await self._act(action)
            found = None
            waited_until = min(deadline, loop.time() + self.patience)
            while loop.time() < waited_until:
                found = self._state(newest)
                if found:
                    break
                await asyncio.sleep(0.3)  # 100 walkers: keep the emulator free to serve
            if found is None:
                self.never_answered += 1
                continue  # the same message again
            key, newest = found
            self.asked.append(key)
            if key in RETRY:
                continue
            index = [k for k, _ in STEPS].index(key) if key in dict(STEPS) else None
            if index is not None:
                if index < furthest:
                    self.lost += 1
                furthest = max(furthest, index)
            if key == "report.received":
                self.code = self._code()
                return
            action = self.steps_override.get(key) or dict(STEPS + OTHER)[key]

    def _code(self) -> str | None:
        expected = self.person.expects("report.received")
        for call in reversed(self.person.emu.calls):
            if (call.method == "sendMessage" and call.error is None
                    and call.params.get("chat_id") == self.person.id
                    and expected in text_of(call)):
                match = CODE.search(call.params.get("text", ""))
                return match.group(1) if match else None
        return None
