"""One way to hold a guided conversation: ask, take an answer, reject it, stay, move on.

A conversation is "a stored state with the step it is on" plus the few things only it knows
(``Conversation``): how to save the state, the question of a step, the step after an answer,
and how an answer is acknowledged. The report (``report_flow.py``) and the volunteer
registration (``volunteer_registration.py``) are two of them.

The rule every step follows: change the state, save it together with the next step, and only
then reply. A crash after the save loses nothing the person was told was received. A domain
``InvalidAnswer`` becomes a localized re-ask in one place (``reject``).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from telegram import Update
from telegram.error import BadRequest

from child_report_bot.context import BotContext
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.domain.report_draft import InvalidAnswer
from child_report_bot.i18n import Translator

logger = logging.getLogger(__name__)

StateT = TypeVar("StateT")
ALERT_LIMIT = 200          # Telegram's longest callback alert
_TAG = re.compile(r"<[^>]+>")


class Conversation(Protocol[StateT]):
    """What the toolkit needs from one conversation; its state has a ``step`` attribute."""

    async def save(self, context: BotContext, state: StateT) -> None:
        """Keep the state (with its step) before anything is replied."""

    def question(self, state: StateT, tr: Translator) -> tuple[str, Any]:
        """The text and markup asking for the answer the state's step needs."""

    def next_step(self, state: StateT, answered: Any) -> Any:
        """The step after ``answered``."""

    async def acknowledge(self, update: Update, context: BotContext, state: StateT,
                          answered: Any) -> None:
        """Show that the answer to ``answered`` was taken (on its button, or a short line)."""


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
    text, markup = conversation.question(state, context.tr)
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
    text, markup = conversation.question(state, tr)
    await update.effective_chat.send_message(f"⚠️ {problem}\n\n{text}", reply_markup=markup)


async def stay(update: Update, context: BotContext, conversation: Conversation[StateT],
               state: StateT, step: Any) -> Any:
    """Save the state on ``step`` without moving on (e.g. one more photo)."""
    state.step = step
    await conversation.save(context, state)
    return step


async def advance(update: Update, context: BotContext, conversation: Conversation[StateT],
                  state: StateT, answered: Any) -> Any:
    """Save the answer with the next step, acknowledge it, ask the next question."""
    state.step = conversation.next_step(state, answered)
    await conversation.save(context, state)
    await conversation.acknowledge(update, context, state, answered)
    await ask(update, context, conversation, state)
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
