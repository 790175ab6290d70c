"""What storage hands back about reports: frozen values, built in ``storage/`` only.

Timestamps stay in their stored text form (``domain.clock.to_stored``), which is what the
captions and the SQL comparisons use; ``from_stored`` turns one into a ``datetime`` when a
computation needs it.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from child_report_bot.domain.report_draft import ContactMode
from child_report_bot.domain.triage import CloseReason, ReportState, Status


class PhotoKind(enum.StrEnum):
    PHOTO = "photo"            # images sent as files are re-encoded into photos before storing


@dataclasses.dataclass(frozen=True)
class Photo:
    kind: PhotoKind
    file_id: str


@dataclasses.dataclass(frozen=True)
class Report:
    """One row of ``reports``, typed."""

    report_id: int
    code: str
    draft_id: str
    reporter_id: int
    reporter_chat_id: int
    language: str
    urgent: bool
    danger: bool
    activity: str
    activity_other: str | None
    age_band: str
    children_count: int
    location_kind: str
    latitude: float | None
    longitude: float | None
    venue_title: str | None
    address_text: str | None
    description: str | None
    contact_mode: ContactMode
    contact_name: str | None
    contact_username: str | None
    contact_phone: str | None
    status: Status
    created_at: str
    updated_at: str
    queue: str
    rule: str | None
    region: str | None
    place_verified: bool
    place_geocoded: bool
    post_chat_id: int | None
    post_message_id: int | None
    version: int
    waiting_since: str | None
    claimed_by: int | None
    claimed_by_name: str | None
    claimed_at: str | None
    first_claimed_at: str | None
    closed_by: int | None
    closed_at: str | None
    outcome: CloseReason | None
    close_note: str | None
    duplicate_of: str | None
    transfer_to: str | None
    transfer_from_status: Status | None
    transfer_post_chat_id: int | None
    transfer_post_message_id: int | None
    reminded_at: str | None
    escalated_from: str | None
    escalated_at: str | None
    posted_at: str | None = None  # when its post (or digest line) reached the group

    @property
    def anonymous(self) -> bool:
        return self.contact_mode is ContactMode.ANONYMOUS

    @property
    def state(self) -> ReportState:
        """What the triage rules decide on."""
        return ReportState(status=self.status, queue=self.queue, claimed_by=self.claimed_by,
                           transfer_to=self.transfer_to)


@dataclasses.dataclass(frozen=True)
class Event:
    """One line of the audit log; ``detail`` is its JSON, decoded."""

    event_id: int
    report_id: int | None
    actor_id: int | None
    action: str
    detail: dict[str, Any]
    created_at: str


@dataclasses.dataclass(frozen=True)
class StaffMember:
    user_id: int
    queue_id: str
    name: str | None
    added_by: int
    added_at: str
