"""Volunteers, plain: the registration's steps and answers, statuses, models, who is near.

A registration is ``pending`` until an admin or a staff member approves it, because volunteers
will see where children are. Leaving (or being removed) erases every personal field. Nothing here
knows about Telegram or SQLite; handlers and services call these functions.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
from collections.abc import Iterable

from geopy.distance import geodesic

from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.domain.report_draft import InvalidAnswer
from child_report_bot.domain.text import clean_text, normalize_phone, parse_whole_number

MIN_RADIUS_KM, MAX_RADIUS_KM = 1, 50
MAX_NAME = 60
MAX_TYPED = 40                     # longer text is not a phone number or a radius
CANDIDATES = 5                     # volunteers offered to the claimer at once
_KM_PER_DEGREE_LATITUDE = 110.574  # the shortest a degree of latitude gets (at the equator)
_UNIT = re.compile(r"[\s\u200c]*(km|kilometers?|kilometres?|کیلو[\s\u200c]*متر|کیلو)$",
                   re.IGNORECASE)  # "5 km", "۵ کیلومتر"


class Step(enum.IntEnum):
    """The /volunteer conversation's states (kept in memory only)."""

    NAME = 0
    PHONE = 1
    AREA = 2
    RADIUS = 3
    LANGUAGES = 4
    SUMMARY = 5
    STOP = 6


class VolunteerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REMOVED = "removed"    # by the team: may not register again
    LEFT = "left"          # by themselves: may register again


ACTIVE = (VolunteerStatus.PENDING, VolunteerStatus.APPROVED)


class AssignmentStatus(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


LIVE = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)


class Feedback(enum.StrEnum):
    """What a volunteer reports back from the field."""

    TALKED = "talked"
    REFERRED = "referred"
    NOT_FOUND = "notfound"
    POLICE = "police"


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


# ------------------------------------------------------------------ models
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
        if not chosen or not chosen <= set(LANGUAGES):
            raise ValueError(f"languages must be some of {LANGUAGES}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "languages", tuple(code for code in LANGUAGES if code in chosen))


@dataclasses.dataclass(frozen=True)
class Volunteer:
    """One registration (any status); the personal fields are ``None`` once erased."""

    user_id: int
    status: VolunteerStatus
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
        return self.status is VolunteerStatus.APPROVED


@dataclasses.dataclass(frozen=True)
class Assignment:
    """A volunteer offered one report: offered → accepted (→ feedback) or declined/expired/
    withdrawn."""

    assignment_id: int
    report_id: int
    volunteer_id: int
    assigned_by: int
    distance_km: float | None
    status: AssignmentStatus
    feedback: Feedback | None
    offered_at: str
    answered_at: str | None
    feedback_at: str | None

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclasses.dataclass(frozen=True)
class LiveAssignment:
    """What a report's post shows of its live assignment: the volunteer's name, not their id."""

    status: AssignmentStatus
    distance_km: float | None
    feedback: Feedback | None
    name: str | None


@dataclasses.dataclass(frozen=True)
class NearbyVolunteer:
    volunteer: Volunteer
    distance_km: float  # geodesic (WGS-84) distance from the point to the volunteer's centre


# ------------------------------------------------------------------ matching
def latitude_band(latitude: float) -> tuple[float, float]:
    """Latitudes outside which no area can cover the point (none is wider than the maximum)."""
    margin = MAX_RADIUS_KM / _KM_PER_DEGREE_LATITUDE + 0.01
    return latitude - margin, latitude + margin


def distance_if_covered(volunteer: Volunteer, latitude: float, longitude: float) -> float | None:
    """The distance in km if ``volunteer`` is a candidate for the point, else ``None``:
    approved, available, and their area (centre and radius) covers it."""
    if not (volunteer.approved and volunteer.available) or volunteer.radius_km is None:
        return None
    distance = geodesic((latitude, longitude), (volunteer.latitude, volunteer.longitude)).km
    if math.isfinite(distance) and distance <= volunteer.radius_km:
        return distance
    return None


def nearest(volunteers: Iterable[Volunteer], latitude: float, longitude: float,
            limit: int = CANDIDATES, *, exclude: Iterable[int] = ()) -> list[NearbyVolunteer]:
    """The candidates for the point, nearest first (ties by user id), at most ``limit``."""
    if limit <= 0:
        return []
    skip = set(exclude)
    found = []
    for volunteer in volunteers:
        if volunteer.user_id in skip:
            continue
        distance = distance_if_covered(volunteer, latitude, longitude)
        if distance is not None:
            found.append(NearbyVolunteer(volunteer, distance))
    found.sort(key=lambda item: (item.distance_km, item.volunteer.user_id))
    return found[:limit]


# ------------------------------------------------------------------ decisions
def registration_outcome(existing: Volunteer | None) -> Registered:
    """What submitting a registration does, given the row on file (if any)."""
    if existing is not None and existing.status is VolunteerStatus.REMOVED:
        return Registered.REFUSED
    if existing is not None and existing.active:
        return Registered.UPDATED
    return Registered.NEW


def changed_fields(old: Volunteer, new: Details) -> list[str]:
    """Names of the fields an update changes (names only: the audit log keeps no details)."""
    return [field for field, before, after in (
        ("name", old.name, new.name), ("phone", old.phone, new.phone),
        ("area", (old.latitude, old.longitude, old.radius_km),
         (new.latitude, new.longitude, new.radius_km)),
        ("languages", old.languages, new.languages)) if before != after]


def management_refusal(*, is_admin: bool, is_staff: bool, action: str, target: int | None,
                       user_id: int) -> str | None:
    """Why ``user_id`` may not approve or remove (a catalog key), or ``None`` if they may.

    Admins and staff of any queue may; staff never approve themselves."""
    if is_admin:
        return None
    if not is_staff:
        return "vol.staff_only"
    if action == "approve" and target == user_id:
        return "vol.self_approve"
    return None


# ------------------------------------------------------------------ the registration's answers
@dataclasses.dataclass
class Registration:
    """The answers so far and the step the conversation is on (to re-ask its question)."""

    step: Step = Step.NAME
    name: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int | None = None
    languages: list[str] = dataclasses.field(default_factory=list)

    @property
    def chosen_languages(self) -> list[str]:
        """The chosen languages in the bot's order."""
        return [code for code in LANGUAGES if code in self.languages]


_ORDER = (Step.NAME, Step.PHONE, Step.AREA, Step.RADIUS, Step.LANGUAGES, Step.SUMMARY)


def next_step(registration: Registration, answered: Step) -> Step:
    """The step after ``answered``; the registration asks its questions in one order."""
    return _ORDER[_ORDER.index(answered) + 1]


def set_name(registration: Registration, text: str) -> None:
    name = " ".join(clean_text(text).split())
    if len(name) > MAX_NAME:
        raise InvalidAnswer("vol.name_too_long", length=len(name), limit=MAX_NAME)
    if not any(char.isalpha() for char in name):
        raise InvalidAnswer("vol.name_invalid")
    registration.name = name


def set_phone_contact(registration: Registration, phone_number: str | None,
                      contact_user_id: int | None, user_id: int) -> None:
    """A shared contact: only their own, so the number is one they can be reached on."""
    if contact_user_id != user_id:
        raise InvalidAnswer("vol.phone_not_own")
    raw = phone_number or ""
    _set_phone(registration, normalize_phone(raw) or normalize_phone("+" + raw.lstrip("+")))


def set_phone_text(registration: Registration, text: str) -> None:
    _set_phone(registration, normalize_phone(text) if len(text) <= MAX_TYPED else None)


def _set_phone(registration: Registration, phone: str | None) -> None:
    if phone is None:
        raise InvalidAnswer("vol.phone_invalid")
    registration.phone = phone


def set_area(registration: Registration, latitude: float, longitude: float) -> None:
    registration.latitude, registration.longitude = latitude, longitude


def set_radius(registration: Registration, text: str, language: str) -> None:
    """A radius typed or pressed ("5", "۵ کیلومتر"); the user's language is preselected next."""
    value = parse_whole_number(_UNIT.sub("", text[:MAX_TYPED].strip()))
    if value is None or not MIN_RADIUS_KM <= value <= MAX_RADIUS_KM:
        raise InvalidAnswer("vol.radius_invalid", low=MIN_RADIUS_KM, high=MAX_RADIUS_KM)
    registration.radius_km = value
    if not registration.languages:
        registration.languages = [language] if language in LANGUAGES else []


def toggle_language(registration: Registration, code: str) -> None:
    if code not in LANGUAGES:
        raise InvalidAnswer("error.invalid_button")
    if code in registration.languages:
        registration.languages.remove(code)
    else:
        registration.languages.append(code)


def finish_languages(registration: Registration) -> None:
    if not registration.languages:
        raise InvalidAnswer("vol.languages_none")


def details_of(registration: Registration) -> Details:
    """The complete answers; a registration that did not come through the steps is refused,
    so half a registration is never stored."""
    try:
        return Details(registration.name, registration.phone, registration.latitude,
                       registration.longitude, registration.radius_km,
                       tuple(registration.languages))
    except (AttributeError, TypeError, ValueError):
        raise InvalidAnswer("vol.stale_button") from None
