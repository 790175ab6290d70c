"""One way to hold a guided conversation: ask, take an answer, reject it, stay, move on.

A conversation is "a stored state with the step it is on" plus the few things only it knows
(``Conversation``): how to save the state, the question of a step, the step after an answer,
and how an answer is acknowledged. The report (``report_flow.py``) and the volunteer
registration (``volunteer_registration.py``) are two of them.

The rule every step follows: change the state, save it together with the next step, and only
then reply. A crash after the save loses nothing the person was told was received. A domain
``InvalidAnswer`` becomes a localized re-ask in one place (``reject``).

A pressed button's answer costs one message call where it can (every citizen shares the bot's
30 a second): the question's message is edited into "what was answered on it" plus the next
question (``keep``), and only a question that needs a reply keyboard, or a message Telegram no
longer lets the bot edit, gets a message of its own.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from child_report_bot.context import BotContext
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.domain.report_draft import InvalidAnswer
from child_report_bot.handlers.common import answer_quietly

logger = logging.getLogger(__name__)

StateT = TypeVar("StateT")
ALERT_LIMIT = 200          # Telegram's longest callback alert
_TAG = re.compile(r"<[^>]+>")


class Conversation(Protocol[StateT]):
    """What the toolkit needs from one conversation; its state has a ``step`` attribute."""

    async def save(self, context: BotContext, state: StateT) -> None:
        """Keep the state (with its step) before anything is replied."""

    def question(self, state: StateT, context: BotContext) -> tuple[str, Any]:
        """The text and markup asking for the answer the state's step needs."""

    def next_step(self, state: StateT, answered: Any) -> Any:
        """The step after ``answered``."""

    async def acknowledge(self, update: Update, context: BotContext, state: StateT,
                          answered: Any) -> None:
        """Show that the answer to ``answered`` was taken (on its button, or a short line)."""

    def keep(self, state: StateT, answered: Any, context: BotContext,
             in_place: bool) -> str | None:
        """Optional: the answers the pressed question's message shows from now on (``answered``
        among them), noted in the state (saved next) when the next question takes its place
        there (``in_place``); ``None`` to acknowledge the answer instead."""


def alert_text(text: str) -> str:
    """A catalog text for a callback alert: no HTML, at most 200 characters."""
    return html.unescape(_TAG.sub("", text))[:ALERT_LIMIT]


async def edit_quietly(edit: Awaitable[object]) -> None:
    """Run an edit of an old message; that it is gone or unchanged is no reason to fail."""
    try:
        await edit
    except BadRequest as exc:
        logger.debug("edit skipped: %s", exc.message)


async def mark_chosen(update: Update, text: str) -> None:
    """Show a pressed button's answer on its message and take the buttons away."""
    query = update.callback_query
    await answer_quietly(query)
    shown = getattr(query.message, "text_html", None)  # None: too old to be read
    if shown:
        await edit_quietly(query.edit_message_text(f"{shown}\n\n✅ {html.escape(text)}",
                                                   reply_markup=None))


async def ask(update: Update, context: BotContext, conversation: Conversation[StateT],
              state: StateT) -> None:
    """Send the question of the step the state is on."""
    text, markup = conversation.question(state, context)
    await update.effective_chat.send_message(text, reply_markup=markup)


async def reject(update: Update, context: BotContext, conversation: Conversation[StateT],
                 state: StateT, reason: str, **params: object) -> None:
    """Say what was wrong and ask the current question again; nothing given so far is lost.

    On a button the problem is an alert (the question is still on screen); numbers in
    ``params`` are shown in the reader's digits."""
    tr = context.tr
    shown = {key: tr.digits(value) if isinstance(value, int) else value
             for key, value in params.items()}
    problem = tr(reason, **shown)
    if update.callback_query:
        await answer_quietly(update.callback_query, alert_text(problem), show_alert=True)
        return
    text, markup = conversation.question(state, context)
    await update.effective_chat.send_message(f"⚠️ {problem}\n\n{text}", reply_markup=markup)


async def stay(update: Update, context: BotContext, conversation: Conversation[StateT],
               state: StateT, step: Any) -> Any:
    """Save the state on ``step`` without moving on (e.g. one more photo)."""
    state.step = step
    await conversation.save(context, state)
    return step


def _editable(update: Update, markup: Any) -> bool:
    """Whether the next question may take the pressed question's place on its message."""
    query = update.callback_query
    message = query.message if query is not None else None
    return (isinstance(message, Message) and message.text is not None
            and (markup is None or isinstance(markup, InlineKeyboardMarkup)))


async def _replace(update: Update, text: str, markup: Any) -> bool:
    """Edit the pressed message into ``text``; ``False`` if Telegram refused (e.g. too old)."""
    query = update.callback_query
    await answer_quietly(query)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except TelegramError as exc:
        logger.info("question not edited in place, sent instead: %s", exc)
        return False
    return True


async def advance(update: Update, context: BotContext, conversation: Conversation[StateT],
                  state: StateT, answered: Any) -> Any:
    """Save the answer with the next step; then one call where it can: the pressed question
    edited into its answers and the next question. Otherwise its answers stay on it (or the
    answer is acknowledged) and the next question is sent."""
    state.step = conversation.next_step(state, answered)
    text, markup = conversation.question(state, context)
    in_place = _editable(update, markup)
    keep = getattr(conversation, "keep", None)  # a conversation may always acknowledge instead
    kept = keep(state, answered, context, in_place) if keep else None
    await conversation.save(context, state)
    if kept is None or update.callback_query is None:
        await conversation.acknowledge(update, context, state, answered)
    elif in_place and await _replace(update, f"{kept}\n\n{text}", markup):
        return state.step
    elif not in_place:
        await _replace(update, kept, None)  # its buttons go, what was chosen stays readable
    await update.effective_chat.send_message(text, reply_markup=markup)
    return state.step


async def answer(update: Update, context: BotContext, conversation: Conversation[StateT],
                 state: StateT, answered: Any, change: Callable[[], object]) -> Any:
    """Apply ``change`` (a domain setter) and move on, or explain why it does not fit and
    stay on the same step."""
    try:
        change()
    except InvalidAnswer as problem:
        await reject(update, context, conversation, state, problem.reason, **problem.params)
        return state.step
    return await advance(update, context, conversation, state, answered)
