"""What the outbox holds: the kinds of message, their states, and one queued message."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any



class OutboxKind(enum.StrEnum):
    """What a row becomes when it is sent (``delivery/render.py`` turns each into API calls)."""

    QUEUE_POST = "queue_post"
    TRANSFER_POST = "transfer_post"
    POST_EDIT = "post_edit"
    NOTICE = "notice"
    CLAIMER_CONTACT = "claimer_contact"
    REMINDER = "reminder"
    VOLUNTEER_OFFER = "volunteer_offer"
    VOLUNTEER_PIN = "volunteer_pin"
    VOLUNTEER_PHOTO = "volunteer_photo"      # after Accept: one of the report's photos
    VOLUNTEER_CLEANUP = "volunteer_cleanup"  # the offer ended: delete what the volunteer got
    RELAY_QUESTION = "relay_question"  # a claimer's question, to the reporter, from "the staff"
    RELAY_ANSWER = "relay_answer"      # the reporter's answer, to the claimer, from "the reporter"
    DIGEST = "digest"  # a full group's waiting reports in one message, sent or brought up to date


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"        # refused for good (400, 403)
    CANCELLED = "cancelled"  # its reason to exist went away before it was sent


class Priority(enum.IntEnum):
    """Lower goes first."""

    URGENT = 0
    NORMAL = 1


@dataclasses.dataclass(frozen=True)
class OutboxItem:
    outbox_id: int
    dedupe_key: str
    kind: OutboxKind
    queue_id: str | None
    chat_id: int | None
    report_id: int | None
    payload: dict[str, Any]
    priority: Priority
    attempts: int
