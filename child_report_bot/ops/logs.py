"""Logging set-up: readable text or one JSON object a line, and the token redacted everywhere."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter
from telegram.error import NetworkError

from child_report_bot.metrics import ApiWatch

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def bot_id(token: str) -> str:
    """The public part of a token (``123456`` of ``123456:secret``), safe to print."""
    return token.split(":", 1)[0]


def redact(text: str, token: str) -> str:
    """Replace the token (and its secret half alone) with ``<bot id>:***``."""
    if not token:
        return text
    text = text.replace(token, bot_id(token) + ":***")
    secret = token.split(":", 1)[1] if ":" in token else ""
    return text.replace(secret, "***") if len(secret) >= 8 else text


class RedactToken(logging.Filter):
    """Take the token out of every record's message, traceback and stack before it is written."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message, self.token), None
        if record.exc_info:
            # Formatted here so the handler's formatter uses this redacted text as is.
            record.exc_text = redact(self._formatter.formatException(record.exc_info), self.token)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.token)
        return True


class OutageLog(logging.Filter):
    """While polling cannot reach the Bot API, one line when it starts, none per attempt.

    PTB hands each failed ``getUpdates`` to the error handler, which logs it with a traceback;
    during an outage that is a line every few seconds. The first becomes one warning, the rest
    are dropped until the API answers again (``ApiWatch.answered`` logs that, once).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, NetworkError) or "update None" not in record.getMessage():
            return True
        if ApiWatch.down:
            return False
        ApiWatch.down = True
        record.msg, record.args = "the Bot API cannot be reached (%s: %s); retrying with backoff", (
            type(error).__name__, error.message)
        record.exc_info, record.exc_text, record.levelno = None, None, logging.WARNING
        record.levelname = "WARNING"
        return True


def configure_logging(level: str, log_format: str, token: str) -> None:
    """Log to stderr at ``level`` as ``text`` or ``json``, with the token redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(OutageLog())  # before the redaction, which drops exc_info
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL, which holds the token; redacted anyway, but noisy at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
