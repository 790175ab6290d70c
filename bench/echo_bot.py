"""A bare PTB bot to compare the real one with: one call per update, nothing stored.

    BOT_TOKEN=… BOT_API_URL=… python -m bench.echo_bot

The same python-telegram-bot, the same ``AIORateLimiter(max_retries=3)``, the same HTTP pool
and 64 updates at once, as ``child_report_bot.bot`` builds them; each message or button press
is answered with one ``sendMessage`` carrying a button, so the benchmark can press it next.
"""

from __future__ import annotations

import logging
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("next", callback_data="next")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer with one message that has a button."""
    await context.bot.send_message(update.effective_chat.id, "echo", reply_markup=NEXT)


def main() -> None:
    """Poll the Bot API at ``BOT_API_URL`` until SIGTERM."""
    logging.basicConfig(level=logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_URL"])
        .base_file_url(os.environ["BOT_FILE_URL"])
        .request(HTTPXRequest(connection_pool_size=256))
        .get_updates_request(HTTPXRequest(connection_pool_size=1))
        .concurrent_updates(64)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)  # as the bot polls


if __name__ == "__main__":
    main()
