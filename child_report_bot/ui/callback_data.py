"""Inline-button data: ``v1:<scope>:<action>[:<argument>]``, built and parsed strictly.

Button data comes back from the client and can be forged, replayed or left over from an old
message, so it is parsed against a closed list of scopes and actions, and every handler still
checks on the server that the action makes sense now. The version lets a later release change
the format and still recognise (and politely refuse) buttons from older messages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data

_ARGUMENT = re.compile(r"^[A-Za-z0-9_.\-]{0,40}$")

# scope -> the actions it accepts
ACTIONS: dict[str, frozenset[str]] = {
    "rep": frozenset({
        "danger", "act", "age", "count", "addr", "photos", "desc", "contact",
        "submit", "edit", "goto", "cancel", "discard", "back", "resume", "restart",
    }),
    "lang": frozenset({"set"}),
    "post": frozenset({"details", "pin", "photos"}),
    # staff triage; the argument is a report code, or "<code>.<choice>"
    "view": frozenset({"queue", "mine"}),  # paging through /queue and /mine
    "asg": frozenset({"menu", "pick", "acc", "dec", "fb"}),  # volunteer assignment
    "tri": frozenset({
        "claim", "unclaim", "close", "out", "xfer", "to", "dup", "dupof", "accept", "back",
        "ret", "reopen", "menu", "tmenu",
    }),
    "vol": frozenset({"km", "lang", "done", "send", "redo", "cancel", "leave", "stay", "approve"}),
}


@dataclasses.dataclass(frozen=True)
class Button:
    scope: str
    action: str
    argument: str = ""

    def encode(self) -> str:
        return make(self.scope, self.action, self.argument)


def make(scope: str, action: str, argument: str = "") -> str:
    """The callback data for a button; raises ``ValueError`` for anything it would not parse."""
    data = f"{VERSION}:{scope}:{action}:{argument}" if argument else f"{VERSION}:{scope}:{action}"
    if parse(data) is None:
        raise ValueError(f"not valid button data: {data!r}")
    return data


def parse(data: object) -> Button | None:
    """``Button`` for well-formed data of this version, else ``None`` (never raises)."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != VERSION:
        return None
    scope, action = parts[1], parts[2]
    argument = parts[3] if len(parts) == 4 else ""
    if action not in ACTIONS.get(scope, ()) or not _ARGUMENT.match(argument):
        return None
    if len(parts) == 4 and not argument:
        return None
    return Button(scope, action, argument)


def matcher(scope: str, *actions: str) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern accepting this scope (and only these actions if given)."""

    def matches(data: object) -> bool:
        button = parse(data)
        return button is not None and button.scope == scope and (
            not actions or button.action in actions
        )

    return matches


def unparseable(data: object) -> bool:
    """Pattern for data this version cannot parse at all (old, forged or foreign buttons)."""
    return parse(data) is None
