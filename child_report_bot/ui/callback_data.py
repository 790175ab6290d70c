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

from child_report_bot.domain.triage import CloseReason, SendBackReason

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data

_ARGUMENT = re.compile(r"^[A-Za-z0-9_.\-]{0,40}$")

# scope -> the actions it accepts
ACTIONS: dict[str, frozenset[str]] = {
    "rep": frozenset({
        "danger", "act", "age", "count", "addr", "photos", "desc", "contact",
        "submit", "edit", "goto", "cancel", "discard", "back", "resume", "restart",
        "fin",  # danger first: no more optional questions
    }),
    "lang": frozenset({"set"}),
    "kid": frozenset({"send", "no"}),  # a child's own request for help: send it, or not
    "priv": frozenset({"erase", "keep"}),  # /delete: confirm or keep
    "post": frozenset({"details", "pin", "photos"}),
    # staff triage; the argument is a report code, or "<code>.<choice>"
    "view": frozenset({"queue", "mine"}),  # paging through /queue and /mine
    "asg": frozenset({"menu", "pick", "acc", "dec", "fb"}),  # volunteer assignment
    "blk": frozenset({"ask"}),  # block the reporter of the report (argument: its code)
    # ask the reporter: ask (a report code), ans / stop (a question id), cancel (no argument)
    "rly": frozenset({"ask", "ans", "stop", "cancel"}),
    "dig": frozenset({"open"}),  # a report in a digest, sent privately (argument: its code)
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


# ---------------------------------------------------------------- typed presses on report posts
# Parsed once per press from the ``post``, ``tri``, ``asg`` (staff side) and ``view`` scopes.
# A choice that does not parse (an unknown close reason, a volunteer id that is not a number)
# is kept as ``None`` so the handler can say "invalid button" after the usual checks.


@dataclasses.dataclass(frozen=True)
class PostView:
    """``post``: details, the map pin or all photos, sent privately."""

    action: str
    code: str

    def encode(self) -> str:
        return make("post", self.action, self.code)


@dataclasses.dataclass(frozen=True)
class TriagePress:
    """``tri`` without a choice: claim, unclaim, accept, reopen, or a sub-menu to open."""

    action: str
    code: str

    def encode(self) -> str:
        return make("tri", self.action, self.code)


@dataclasses.dataclass(frozen=True)
class Close:
    """``tri:out``: close with a reason (never "duplicate": that is ``Duplicate``)."""

    code: str
    reason: CloseReason | None
    action: str = "out"

    def encode(self) -> str:
        return make("tri", self.action, f"{self.code}.{self.reason}")


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """``tri:dupof``: close as a duplicate of ``original`` (a report code)."""

    code: str
    original: str | None
    action: str = "dupof"

    def encode(self) -> str:
        return make("tri", self.action, f"{self.code}.{self.original}")


@dataclasses.dataclass(frozen=True)
class Transfer:
    """``tri:to``: hand the report to another queue."""

    code: str
    queue: str | None
    action: str = "to"

    def encode(self) -> str:
        return make("tri", self.action, f"{self.code}.{self.queue}")


@dataclasses.dataclass(frozen=True)
class SendBack:
    """``tri:ret``: refuse a transfer, with a reason."""

    code: str
    reason: SendBackReason | None
    action: str = "ret"

    def encode(self) -> str:
        return make("tri", self.action, f"{self.code}.{self.reason}")


@dataclasses.dataclass(frozen=True)
class AssignPress:
    """``asg:menu`` (list volunteers) or ``asg:pick`` (offer to ``volunteer_id``)."""

    action: str
    code: str
    volunteer_id: int | None = None

    def encode(self) -> str:
        argument = self.code if self.volunteer_id is None else f"{self.code}.{self.volunteer_id}"
        return make("asg", self.action, argument)


@dataclasses.dataclass(frozen=True)
class Page:
    """``view``: another page of /queue or /mine."""

    listing: str
    page: int

    def encode(self) -> str:
        return make("view", self.listing, str(self.page))


ReportPress = PostView | TriagePress | Close | Duplicate | Transfer | SendBack | AssignPress


def _enum(kind, value: str, exclude=()):
    return kind(value) if value in set(kind) - set(exclude) else None


def report_press(data: object) -> ReportPress | None:
    """The press on a report's post that ``data`` stands for, or ``None`` if it is not one."""
    button = parse(data)
    if button is None or button.scope not in ("post", "tri", "asg"):
        return None
    code, _, choice = button.argument.partition(".")
    if button.scope == "post":
        return PostView(button.action, button.argument)
    if button.scope == "asg":
        if button.action not in ("menu", "pick"):
            return None
        return AssignPress(button.action, code, int(choice) if choice.isdigit()
                           and len(choice) <= 9 else None)
    if button.action == "out":
        return Close(code, _enum(CloseReason, choice, {CloseReason.DUPLICATE}))
    if button.action == "dupof":
        return Duplicate(code, choice or None)
    if button.action == "to":
        return Transfer(code, choice or None)
    if button.action == "ret":
        return SendBack(code, _enum(SendBackReason, choice))
    return TriagePress(button.action, code)


def page(data: object) -> Page | None:
    """The /queue or /mine page asked for, or ``None``."""
    button = parse(data)
    if button is None or button.scope != "view":
        return None
    return Page(button.action, int(button.argument) if button.argument.isdigit()
                and len(button.argument) <= 9 else 0)
