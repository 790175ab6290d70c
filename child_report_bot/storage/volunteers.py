"""Volunteers: registration, approval by admins or staff, availability, leaving, who is near.

A registration is ``pending`` until an admin or a staff member approves it, because volunteers
will see where children are. Leaving (or being removed) erases the name, phone, area and
languages; the row keeps only the id and the status, and the audit log (``events`` with
``report_id`` NULL) keeps who did what.

Every change and its audit event are one transaction, and so are the messages it causes: they go
through the outbox as ``notice`` rows whose parameters hold the volunteer's id only — never a name
or a phone — so erasing the row erases everything personal.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Sequence

import aiosqlite
from geopy.distance import geodesic

from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event

LANGUAGE_CODES = ("fa", "en")
MIN_RADIUS_KM, MAX_RADIUS_KM = 1, 50
MAX_NAME = 60
ACTIVE = ("pending", "approved")
_KM_PER_DEGREE_LATITUDE = 110.574  # the shortest a degree of latitude gets (at the equator)


@dataclasses.dataclass(frozen=True)
class Details:
    """What a volunteer tells us when registering; checked on creation."""

    name: str
    phone: str
    latitude: float
    longitude: float
    radius_km: int
    languages: tuple[str, ...]

    def __post_init__(self) -> None:
        name = self.name.strip()
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"the name must have 1–{MAX_NAME} characters")
        if not self.phone:
            raise ValueError("a phone number is needed")
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValueError("coordinates out of range")
        if (isinstance(self.radius_km, bool) or not isinstance(self.radius_km, int)
                or not MIN_RADIUS_KM <= self.radius_km <= MAX_RADIUS_KM):
            raise ValueError(f"the radius must be {MIN_RADIUS_KM}–{MAX_RADIUS_KM} km")
        chosen = set(self.languages)
        if not chosen or not chosen <= set(LANGUAGE_CODES):
            raise ValueError(f"languages must be some of {LANGUAGE_CODES}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "languages",
                           tuple(code for code in LANGUAGE_CODES if code in chosen))


@dataclasses.dataclass(frozen=True)
class Volunteer:
    """One row of ``volunteers``; the personal fields are ``None`` once erased."""

    user_id: int
    status: str
    name: str | None
    phone: str | None
    latitude: float | None
    longitude: float | None
    radius_km: int | None
    languages: tuple[str, ...]
    available: bool
    created_at: str
    approved_by: int | None
    approved_at: str | None
    updated_at: str

    @property
    def active(self) -> bool:
        """Pending or approved: registered, with their details on file."""
        return self.status in ACTIVE

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclasses.dataclass(frozen=True)
class NearbyVolunteer:
    volunteer: Volunteer
    distance_km: float  # geodesic (WGS-84) distance from the point to the volunteer's centre


class Registered(enum.StrEnum):
    NEW = "new"            # a new (or renewed after leaving) registration, now pending
    UPDATED = "updated"    # details of a pending or approved one changed; status unchanged
    REFUSED = "refused"    # removed by the team: may not register again


class Approval(enum.StrEnum):
    APPROVED = "approved"
    ALREADY = "already"           # approved before (a second press, another admin was quicker)
    NOT_PENDING = "not_pending"   # never registered, left or removed


class Availability(enum.StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NOT_REGISTERED = "not_registered"


def _volunteer(row: aiosqlite.Row) -> Volunteer:
    return Volunteer(
        user_id=row["user_id"], status=row["status"], name=row["name"], phone=row["phone"],
        latitude=row["latitude"], longitude=row["longitude"], radius_km=row["radius_km"],
        languages=tuple(code for code in (row["languages"] or "").split(",") if code),
        available=bool(row["available"]), created_at=row["created_at"],
        approved_by=row["approved_by"], approved_at=row["approved_at"],
        updated_at=row["updated_at"],
    )


async def _row(conn: aiosqlite.Connection, user_id: int) -> aiosqlite.Row | None:
    cursor = await conn.execute("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
    return await cursor.fetchone()


async def _audit(conn: aiosqlite.Connection, actor_id: int | None, action: str,
                 **detail: object) -> int:
    """Log the event and return its id (which makes the outbox keys of its notices unique)."""
    await log_event(conn, None, actor_id, action, **detail)
    cursor = await conn.execute("SELECT last_insert_rowid()")
    return (await cursor.fetchone())[0]


async def _set_role(conn: aiosqlite.Connection, user_id: int, volunteer: bool) -> None:
    """``users.role`` follows approval, without demoting staff or admins."""
    old, new = ("citizen", "volunteer") if volunteer else ("volunteer", "citizen")
    await conn.execute("UPDATE users SET role = ? WHERE user_id = ? AND role = ?",
                       (new, user_id, old))


async def get(db: Database, user_id: int) -> Volunteer | None:
    """The volunteer's row (any status), or ``None`` if they never registered."""
    row = await db.fetchone("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
    return _volunteer(row) if row else None


async def pending(db: Database) -> list[Volunteer]:
    """Registrations waiting for approval, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM volunteers WHERE status = 'pending' ORDER BY created_at, user_id")
    return [_volunteer(row) for row in rows]


async def register(db: Database, user_id: int, details: Details, *,
                   notify: Sequence[int] = ()) -> Registered:
    """Register ``user_id`` (pending) or update their details; a new registration asks each of
    ``notify`` (the admins) to approve it, through the outbox, in the same transaction."""
    now = utcnow()
    values = (details.name, details.phone, details.latitude, details.longitude,
              details.radius_km, ",".join(details.languages))
    async with db.transaction() as conn:
        row = await _row(conn, user_id)
        if row is not None and row["status"] == "removed":
            await _audit(conn, user_id, "volunteer.register_refused", user_id=user_id)
            return Registered.REFUSED
        if row is not None and row["status"] in ACTIVE:
            old = _volunteer(row)
            changed = [field for field, before, after in (
                ("name", old.name, details.name), ("phone", old.phone, details.phone),
                ("area", (old.latitude, old.longitude, old.radius_km),
                 (details.latitude, details.longitude, details.radius_km)),
                ("languages", old.languages, details.languages)) if before != after]
            await conn.execute(
                "UPDATE volunteers SET name = ?, phone = ?, latitude = ?, longitude = ?,"
                " radius_km = ?, languages = ?, updated_at = ? WHERE user_id = ?",
                (*values, now, user_id))
            # Field names only: the audit log must not keep what leaving erases.
            await _audit(conn, user_id, "volunteer.updated", user_id=user_id,
                         status=old.status, changed=changed)
            return Registered.UPDATED
        if row is None:
            await conn.execute(
                "INSERT INTO volunteers (user_id, status, name, phone, latitude, longitude,"
                " radius_km, languages, available, created_at, updated_at)"
                " VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                (user_id, *values, now, now))
        else:  # came back after leaving
            await conn.execute(
                "UPDATE volunteers SET status = 'pending', name = ?, phone = ?, latitude = ?,"
                " longitude = ?, radius_km = ?, languages = ?, available = 1, created_at = ?,"
                " approved_by = NULL, approved_at = NULL, updated_at = ? WHERE user_id = ?",
                (*values, now, now, user_id))
        event_id = await _audit(conn, user_id, "volunteer.registered", user_id=user_id,
                                radius_km=details.radius_km, languages=list(details.languages))
        for admin_id in dict.fromkeys(notify):
            await outbox.enqueue(
                conn, f"volunteer-request:{user_id}:{event_id}:{admin_id}", "notice",
                chat_id=admin_id,
                payload={"key": "vol.admin_request", "params": {"user_id": user_id}})
    return Registered.NEW


async def approve(db: Database, user_id: int, approved_by: int) -> Approval:
    """Approve a pending registration (audited) and tell the volunteer through the outbox."""
    now = utcnow()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE volunteers SET status = 'approved', approved_by = ?, approved_at = ?,"
            " updated_at = ? WHERE user_id = ? AND status = 'pending'",
            (approved_by, now, now, user_id))
        if cursor.rowcount != 1:
            row = await _row(conn, user_id)
            if row is not None and row["status"] == "approved":
                return Approval.ALREADY
            return Approval.NOT_PENDING
        await _set_role(conn, user_id, volunteer=True)
        event_id = await _audit(conn, approved_by, "volunteer.approved", user_id=user_id)
        await outbox.enqueue(conn, f"volunteer-approved:{user_id}:{event_id}", "notice",
                             chat_id=user_id,
                             payload={"key": "vol.approved_notice", "params": {}})
    return Approval.APPROVED


_ERASE = ("name = NULL, phone = NULL, latitude = NULL, longitude = NULL, radius_km = NULL,"
          " languages = NULL, available = 0")


async def remove(db: Database, user_id: int, removed_by: int) -> bool:
    """An admin or staff member ends a pending or approved registration: the personal data is
    erased, the person is told, and they may not register again. ``False`` if not registered."""
    now = utcnow()
    async with db.transaction() as conn:
        row = await _row(conn, user_id)
        if row is None or row["status"] not in ACTIVE:
            return False
        await conn.execute(f"UPDATE volunteers SET status = 'removed', {_ERASE},"
                           " updated_at = ? WHERE user_id = ?", (now, user_id))
        await _set_role(conn, user_id, volunteer=False)
        event_id = await _audit(conn, removed_by, "volunteer.removed", user_id=user_id,
                                was=row["status"])
        await outbox.enqueue(conn, f"volunteer-removed:{user_id}:{event_id}", "notice",
                             chat_id=user_id,
                             payload={"key": "vol.removed_notice", "params": {}})
    return True


async def leave(db: Database, user_id: int) -> bool:
    """The volunteer stops: their personal data is erased, only the id and 'left' remain.
    ``False`` if they had no pending or approved registration."""
    now = utcnow()
    async with db.transaction() as conn:
        row = await _row(conn, user_id)
        if row is None or row["status"] not in ACTIVE:
            return False
        await conn.execute(f"UPDATE volunteers SET status = 'left', {_ERASE},"
                           " updated_at = ? WHERE user_id = ?", (now, user_id))
        await _set_role(conn, user_id, volunteer=False)
        await _audit(conn, user_id, "volunteer.left", user_id=user_id, was=row["status"])
    return True


async def set_available(db: Database, user_id: int, available: bool) -> Availability:
    """``/available`` and ``/away`` (pending volunteers may set it too, for after approval)."""
    async with db.transaction() as conn:
        row = await _row(conn, user_id)
        if row is None or row["status"] not in ACTIVE:
            return Availability.NOT_REGISTERED
        if bool(row["available"]) == available:
            return Availability.UNCHANGED
        await conn.execute("UPDATE volunteers SET available = ?, updated_at = ?"
                           " WHERE user_id = ?", (int(available), utcnow(), user_id))
        await _audit(conn, user_id, "volunteer.available" if available else "volunteer.away",
                     user_id=user_id)
    return Availability.CHANGED


async def nearby(db: Database, latitude: float, longitude: float, limit: int = 5, *,
                 exclude: Iterable[int] = ()) -> list[NearbyVolunteer]:
    """Approved, available volunteers whose area (centre and radius) covers the point, nearest
    first (ties by user id), with the geodesic distance in km; at most ``limit``."""
    if limit <= 0:
        return []
    skip = set(exclude)
    # No area is wider than MAX_RADIUS_KM, so rows further away in latitude alone cannot match.
    margin = MAX_RADIUS_KM / _KM_PER_DEGREE_LATITUDE + 0.01
    rows = await db.fetchall(
        "SELECT * FROM volunteers WHERE status = 'approved' AND available = 1"
        " AND latitude BETWEEN ? AND ?", (latitude - margin, latitude + margin))
    found = []
    for row in rows:
        volunteer = _volunteer(row)
        if volunteer.user_id in skip:
            continue
        distance = geodesic((latitude, longitude), (volunteer.latitude, volunteer.longitude)).km
        if math.isfinite(distance) and distance <= volunteer.radius_km:
            found.append(NearbyVolunteer(volunteer, distance))
    found.sort(key=lambda item: (item.distance_km, item.volunteer.user_id))
    return found[:limit]
