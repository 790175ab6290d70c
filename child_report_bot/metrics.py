"""Prometheus counters any layer may bump with one call (``prometheus-client``'s own registry).

Low in the layers (beside ``settings``) so the sender, intake and handlers can count without
importing anything above them; ``ops.health`` serves them at ``/metrics``.
"""

from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()  # the bot's own: tests may build several bots in one process

UPDATES = Counter("bot_updates_handled", "Telegram updates handled", registry=REGISTRY)
HANDLER_SECONDS = Histogram("bot_handler_seconds", "Time to handle one update",
                            registry=REGISTRY)
REPORTS = Counter("bot_reports_submitted", "Reports stored, by queue", ["queue"],
                  registry=REGISTRY)
OUTBOX_SENT = Counter("bot_outbox_sent", "Outbox messages delivered, by kind", ["kind"],
                      registry=REGISTRY)
OUTBOX_RETRIED = Counter("bot_outbox_retried", "Outbox sends to try again, by kind", ["kind"],
                         registry=REGISTRY)
OUTBOX_FAILED = Counter("bot_outbox_failed", "Outbox messages refused for good, by kind",
                        ["kind"], registry=REGISTRY)
FLOOD_LIMITS = Counter("bot_flood_limits", "429 Too Many Requests answers", registry=REGISTRY)
OUTBOX_BACKLOG = Gauge("bot_outbox_backlog", "Outbox rows waiting to be sent", registry=REGISTRY)
OUTBOX_OLDEST_DUE = Gauge("bot_outbox_oldest_due_seconds", "Age of the oldest due outbox row",
                          registry=REGISTRY)
API_LAST_ANSWER = Gauge("bot_api_last_answer_timestamp",
                        "Unix time the Bot API last answered", registry=REGISTRY)


class ApiWatch:
    """When the Bot API last answered (any HTTP answer below 500), on the monotonic clock."""

    last_answer: float | None = None
    down = False  # set by ``ops.logs.OutageLog`` on the first failed poll of an outage

    @classmethod
    def answered(cls) -> None:
        cls.last_answer = time.monotonic()
        API_LAST_ANSWER.set(time.time())
        if cls.down:
            cls.down = False
            logging.getLogger("bot").warning("the Bot API answers again")

    @classmethod
    def seconds_since(cls) -> float | None:
        return None if cls.last_answer is None else time.monotonic() - cls.last_answer
