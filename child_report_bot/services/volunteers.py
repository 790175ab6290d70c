"""Volunteers' registrations: register, approve, remove, leave, availability, who is near.

Each use case is one transaction: read the registration, decide (``domain.volunteers``), write,
audit, and queue the messages it causes in the outbox. Those ``notice`` rows hold the
volunteer's id only — never a name or a phone — so erasing the registration erases everything
personal; the audit log keeps field names and ids, not what leaving erases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.domain.volunteers import (
    CANDIDATES,
    Approval,
    Availability,
    Details,
    NearbyVolunteer,
    Registered,
    Volunteer,
    VolunteerStatus,
    changed_fields,
    latitude_band,
    management_refusal,
    nearest,
    registration_outcome,
)
from child_report_bot.storage import outbox
from child_report_bot.storage import volunteers as store
from child_report_bot.storage.db import Database
from child_report_bot.storage.staff import actor as load_actor

logger = logging.getLogger(__name__)


async def nearby(db: Database, latitude: float, longitude: float, limit: int = CANDIDATES, *,
                 exclude: Iterable[int] = ()) -> list[NearbyVolunteer]:
    """Approved, available volunteers whose area covers the point, nearest first (ties by
    user id), with the geodesic distance in km; at most ``limit``."""
    if limit <= 0:
        return []
    low, high = latitude_band(latitude)
    found = await store.available_between(db, low, high)
    return nearest(found, latitude, longitude, limit, exclude=exclude)


class Volunteers:
    """Shared by handlers (and ``Fieldwork``) through ``Services``."""

    def __init__(self, db: Database, admins: Sequence[int], wake_sender: Callable[[], None],
                 clock: Clock = system_clock, approver_queues: Iterable[str] = ()) -> None:
        self.db = db
        self.admins = tuple(dict.fromkeys(admins))   # each admin asked once
        # Besides the admins, only staff of these queues ([privacy] volunteer_approver_queues).
        self.approver_queues = frozenset(approver_queues)
        self.wake_sender = wake_sender
        self.clock = clock

    async def get(self, user_id: int) -> Volunteer | None:
        return await store.get(self.db, user_id)

    async def pending(self) -> list[Volunteer]:
        return await store.pending(self.db)

    async def nearby(self, latitude: float, longitude: float, limit: int = CANDIDATES, *,
                     exclude: Iterable[int] = ()) -> list[NearbyVolunteer]:
        return await nearby(self.db, latitude, longitude, limit, exclude=exclude)

    async def refusal(self, user_id: int, action: str, target: int | None) -> str | None:
        """Why ``user_id`` may not manage volunteers (a catalog key), or ``None``."""
        person = await load_actor(self.db, user_id, self.admins)
        approver = bool(self.approver_queues & set(person.queues))
        reason = management_refusal(is_admin=person.is_admin, is_staff=approver,
                                    action=action, target=target, user_id=user_id)
        if reason == "vol.staff_only" and person.queues:  # staff, but not of such a queue
            return "vol.admins_only"
        return reason

    def sees_contact(self, user_id: int) -> bool:
        """Whether ``user_id`` may see volunteers' phone numbers and home areas (admins)."""
        return user_id in self.admins

    async def register(self, user_id: int, details: Details) -> Registered:
        """Register ``user_id`` (pending) or update their details; a new registration asks
        each admin to approve it."""
        now = to_stored(self.clock())
        async with self.db.transaction() as conn:
            existing = await store.fetch(conn, user_id)
            outcome = registration_outcome(existing)
            if outcome is Registered.REFUSED:
                await store.audit(conn, user_id, "volunteer.register_refused", user_id=user_id)
                return outcome
            if outcome is Registered.UPDATED:
                await store.update_details(conn, user_id, details, now)
                await store.audit(conn, user_id, "volunteer.updated", user_id=user_id,
                                  status=existing.status,
                                  changed=changed_fields(existing, details))
                return outcome
            if existing is None:
                await store.insert(conn, user_id, details, now)
            else:  # came back after leaving
                await store.renew(conn, user_id, details, now)
            event_id = await store.audit(conn, user_id, "volunteer.registered", user_id=user_id,
                                         radius_km=details.radius_km,
                                         languages=list(details.languages))
            for admin_id in self.admins:
                await outbox.enqueue(
                    conn, f"volunteer-request:{user_id}:{event_id}:{admin_id}", OutboxKind.NOTICE,
                    chat_id=admin_id,
                    payload={"key": "vol.admin_request", "params": {"user_id": user_id}})
        logger.info("volunteer registration %s pending approval", event_id)
        self.wake_sender()
        return outcome

    async def approve(self, user_id: int, approved_by: int) -> Approval:
        """Approve a pending registration and tell the volunteer."""
        now = to_stored(self.clock())
        async with self.db.transaction() as conn:
            if not await store.approve(conn, user_id, approved_by, now):
                existing = await store.fetch(conn, user_id)
                if existing is not None and existing.approved:
                    return Approval.ALREADY
                return Approval.NOT_PENDING
            await store.set_role(conn, user_id, volunteer=True)
            event_id = await store.audit(conn, approved_by, "volunteer.approved",
                                         user_id=user_id)
            await outbox.enqueue(conn, f"volunteer-approved:{user_id}:{event_id}", OutboxKind.NOTICE,
                                 chat_id=user_id,
                                 payload={"key": "vol.approved_notice", "params": {}})
        logger.info("volunteer approved (event %s)", event_id)
        self.wake_sender()
        return Approval.APPROVED

    async def remove(self, user_id: int, removed_by: int) -> bool:
        """An admin or staff member ends a registration: erased, the person told, and they may
        not register again. ``False`` if not registered."""
        return await self._end(user_id, VolunteerStatus.REMOVED, removed_by)

    async def leave(self, user_id: int) -> bool:
        """The volunteer stops: erased, only the id and 'left' remain. ``False`` if they had no
        pending or approved registration."""
        return await self._end(user_id, VolunteerStatus.LEFT, user_id)

    async def _end(self, user_id: int, status: VolunteerStatus, actor_id: int) -> bool:
        now = to_stored(self.clock())
        async with self.db.transaction() as conn:
            existing = await store.fetch(conn, user_id)
            if existing is None or not await store.erase(conn, user_id, status, now):
                return False
            await store.set_role(conn, user_id, volunteer=False)
            event_id = await store.audit(conn, actor_id, f"volunteer.{status.value}",
                                         user_id=user_id, was=existing.status)
            if status is VolunteerStatus.REMOVED:
                await outbox.enqueue(conn, f"volunteer-removed:{user_id}:{event_id}", OutboxKind.NOTICE,
                                     chat_id=user_id,
                                     payload={"key": "vol.removed_notice", "params": {}})
        logger.info("volunteer registration ended: %s (event %s)", status.value, event_id)
        self.wake_sender()
        return True

    async def set_available(self, user_id: int, available: bool) -> Availability:
        """``/available`` and ``/away`` (pending volunteers may set it too, for after
        approval)."""
        now = to_stored(self.clock())
        async with self.db.transaction() as conn:
            existing = await store.fetch(conn, user_id)
            if existing is None or not existing.active:
                return Availability.NOT_REGISTERED
            if existing.available == available:
                return Availability.UNCHANGED
            await store.set_available(conn, user_id, available, now)
            await store.audit(conn, user_id,
                              "volunteer.available" if available else "volunteer.away",
                              user_id=user_id)
        return Availability.CHANGED
