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

    def _newest_id(self) -> int:
        messages = self.person.emu.messages(self.person.id)
        return max((m["message_id"] for m in messages), default=0)

    def _state(self) -> str | None:
        """The newest known question in the chat (a rejection re-asks nothing by itself)."""
        known = STEPS + OTHER + [(key, None) for key in RETRY]
        for message in reversed(self.person.emu.messages(self.person.id)):
            text = plain_text(message.get("text") or message.get("caption"))
            for key, _ in known:
                if self.person.expects(key) in text:
                    return key
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
        answer (any new message), do what the newest question asks."""
        loop = asyncio.get_running_loop()
        action: tuple[str, object] = ("text", "/report")
        furthest = -1
        order = [k for k, _ in STEPS]
        while loop.time() < deadline:
            before = self._newest_id()
            await self._act(action)
            waited_until = min(deadline, loop.time() + self.patience)
            while loop.time() < waited_until and self._newest_id() <= before:
                await asyncio.sleep(0.3)  # 100 walkers: keep the emulator free to serve
            if self._newest_id() <= before:
                self.never_answered += 1
            await asyncio.sleep(0.5)  # a question may follow its acknowledgement
            key = self._state()
            if key is None or key in RETRY:
                continue  # the same message again
            self.asked.append(key)
            if key in order:
                index = order.index(key)
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
