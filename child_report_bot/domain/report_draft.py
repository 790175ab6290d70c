"""A report being written: its answers, the order of the steps, and what each answer may be.

Nothing here knows about Telegram; handlers turn updates into calls on these functions.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, TypeVar

from child_report_bot.domain.text import clean_text, normalize_phone, parse_whole_number

MAX_PHOTOS = 3
MAX_DESCRIPTION = 1000
MAX_ACTIVITY_OTHER = 100
MIN_ADDRESS, MAX_ADDRESS = 3, 300
MAX_CHILDREN = 50


class Step(enum.IntEnum):
    """Conversation states; the values are stored in ``drafts.step`` and must never change."""

    DANGER = 1
    ACTIVITY = 2
    ACTIVITY_OTHER = 3
    AGE = 4
    COUNT = 5
    LOCATION = 6
    ADDRESS = 7
    PHOTOS = 8
    DESCRIPTION = 9
    CONTACT = 10
    PHONE = 11
    SUMMARY = 12


class Activity(enum.StrEnum):
    """What the child is doing (work types from the seeds, plus a few the hotlines name)."""

    FLOWERS = "flowers"
    VENDING = "vending"
    SCALE = "scale"
    BEGGING = "begging"
    CAR_WASH = "car_wash"
    WASTE = "waste"
    KILN = "kiln"
    WORKSHOP = "workshop"
    SLEEPING_ROUGH = "sleeping_rough"
    OTHER = "other"
    OWN_REQUEST = "own_request"  # a child asking for help for themselves (never a button)


# What a citizen may pick for a child they saw; the child's own request has its own path.
SEEN_ACTIVITIES = tuple(activity for activity in Activity if activity is not Activity.OWN_REQUEST)


class AgeBand(enum.StrEnum):
    """Age bands from the seeds' statistics; under six is the most urgent."""

    UNDER_6 = "under6"
    AGE_6_12 = "6to12"
    AGE_13_17 = "13to17"
    UNSURE = "unsure"


class LocationKind(enum.StrEnum):
    PIN = "pin"
    VENUE = "venue"
    ADDRESS = "address"


class ContactMode(enum.StrEnum):
    ANONYMOUS = "anonymous"
    TELEGRAM = "telegram"
    PHONE = "phone"


# Steps the citizen may go back to from the summary, in the order they are asked.
EDITABLE_STEPS = (
    Step.DANGER,
    Step.ACTIVITY,
    Step.AGE,
    Step.COUNT,
    Step.LOCATION,
    Step.PHOTOS,
    Step.DESCRIPTION,
    Step.CONTACT,
)


Choice = TypeVar("Choice", bound=enum.Enum)


class InvalidAnswer(ValueError):
    """An answer that does not fit the step; ``reason`` is a message key, ``params`` fill it."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclasses.dataclass
class Draft:
    """The answers given so far. Stored as JSON in ``drafts.answers``."""

    danger: bool | None = None
    activity: Activity | None = None
    activity_other: str | None = None
    age_band: AgeBand | None = None
    children_count: int | None = None
    location_kind: LocationKind | None = None
    latitude: float | None = None
    longitude: float | None = None
    venue_title: str | None = None
    address_text: str | None = None
    pending_address: str | None = None  # typed at the location step, waiting for "use it"
    photos: list[dict[str, str]] = dataclasses.field(default_factory=list)
    photos_answered: bool = False  # "done" or "skip" pressed
    description: str | None = None
    description_answered: bool = False
    contact_mode: ContactMode | None = None
    contact_phone: str | None = None
    editing: bool = False  # came from the summary: go back there after this step
    report_id: int | None = None  # danger: the report was sent as soon as the place was given;
    report_code: str | None = None  # every later answer updates it
    recap: list[int] = dataclasses.field(default_factory=list)  # steps answered on the message
    # that shows the current question (it was edited from one question into the next)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        known = {field.name for field in dataclasses.fields(cls)}
        draft = cls(**{key: value for key, value in data.items() if key in known})
        for field, kind in _CHOICE_FIELDS:
            value = getattr(draft, field)
            setattr(draft, field, kind(value) if value else None)
        return draft

    @property
    def urgent(self) -> bool:
        """Immediate danger, a child under six or a child's own request: the front of every queue."""
        return (bool(self.danger) or self.age_band is AgeBand.UNDER_6
                or self.activity is Activity.OWN_REQUEST)

    def missing_step(self) -> Step | None:
        """The first step with no answer yet, or ``None`` when the draft can be submitted."""
        checks = (
            (Step.DANGER, self.danger is not None),
            (Step.ACTIVITY, self.activity is not None),
            (Step.ACTIVITY_OTHER, self.activity is not Activity.OTHER or bool(self.activity_other)),
            (Step.AGE, self.age_band is not None),
            (Step.COUNT, self.children_count is not None),
            (Step.LOCATION, self.location_kind is not None),
            (Step.PHOTOS, self.photos_answered),
            (Step.DESCRIPTION, self.description_answered),
            (Step.CONTACT, self.contact_mode is not None),
            (Step.PHONE, self.contact_mode is not ContactMode.PHONE or bool(self.contact_phone)),
        )
        for step, done in checks:
            if not done:
                return step
        return None


# The fields stored as an enum's value (JSON has no enums).
_CHOICE_FIELDS = (("activity", Activity), ("age_band", AgeBand),
                  ("location_kind", LocationKind), ("contact_mode", ContactMode))


def danger_due(draft: Draft) -> bool:
    """Immediate danger and a place: send the report now, before any other question."""
    return bool(draft.danger) and draft.location_kind is not None and draft.report_id is None


def sent_early(draft: Draft) -> bool:
    """The report went out already (danger first); the questions left are optional."""
    return draft.report_id is not None


def as_sent(draft: Draft) -> Draft:
    """The draft as a report can store it while questions are still open (danger first): what
    was not answered yet is "unsure", one child, anonymous, no photo (none is ever asked for in
    danger: nobody should take a picture where a child is at risk)."""
    done = dataclasses.replace(draft, photos=list(draft.photos), recap=list(draft.recap))
    if done.activity is None:
        done.activity, done.activity_other = Activity.OTHER, None
    done.age_band = done.age_band or AgeBand.UNSURE
    done.children_count = done.children_count or 1
    if done.contact_mode is None or (done.contact_mode is ContactMode.PHONE
                                     and not done.contact_phone):
        done.contact_mode = ContactMode.ANONYMOUS
    return done


def keep_on_screen(draft: Draft, answered: Step, in_place: bool) -> list[Step]:
    """The steps whose answers the answered question's message shows from now on; remembered
    when the next question takes its place there (``in_place``), else the next question's own
    message starts with none."""
    shown = list(dict.fromkeys([*map(Step, draft.recap), answered]))
    draft.recap = [int(step) for step in shown] if in_place else []
    return shown


def next_step(draft: Draft, answered: Step) -> Step:
    """Where to go after ``answered``: its follow-up, the next unanswered step, or the summary.

    In danger the place comes first (the report is sent as soon as it is known), and no photo
    is asked for."""
    if draft.danger and draft.location_kind is None:
        return Step.LOCATION
    if draft.danger:
        draft.photos_answered = True
    if answered is Step.ACTIVITY and draft.activity is Activity.OTHER and not draft.activity_other:
        return Step.ACTIVITY_OTHER
    if answered is Step.CONTACT and draft.contact_mode is ContactMode.PHONE:
        if not draft.contact_phone:
            return Step.PHONE
    if draft.editing:
        missing = draft.missing_step()
        if missing is None:
            draft.editing = False
            return Step.SUMMARY
        return missing
    return draft.missing_step() or Step.SUMMARY


# --- answers -----------------------------------------------------------------------------------


def set_danger(draft: Draft, danger: bool) -> None:
    draft.danger = danger


def choose(kind: type[Choice], value: str) -> Choice:
    """The member of ``kind`` a button carries; any other value is not one of its buttons."""
    try:
        return kind(value)
    except ValueError:
        raise InvalidAnswer("error.choose_button") from None


def set_activity(draft: Draft, value: str) -> None:
    activity = choose(Activity, value)
    if activity not in SEEN_ACTIVITIES:
        raise InvalidAnswer("error.choose_button")
    draft.activity = activity
    if draft.activity is not Activity.OTHER:
        draft.activity_other = None


def set_activity_other(draft: Draft, text: str) -> None:
    value = clean_text(text)
    if not value:
        raise InvalidAnswer("error.text_expected")
    if len(value) > MAX_ACTIVITY_OTHER:
        raise InvalidAnswer("error.too_long", limit=MAX_ACTIVITY_OTHER, length=len(value))
    draft.activity_other = value


def set_age_band(draft: Draft, value: str) -> None:
    draft.age_band = choose(AgeBand, value)


def set_children_count(draft: Draft, text: str) -> None:
    number = parse_whole_number(text)
    if number is None:
        raise InvalidAnswer("error.count_not_number", limit=MAX_CHILDREN)
    if not 1 <= number <= MAX_CHILDREN:
        raise InvalidAnswer("error.count_range", limit=MAX_CHILDREN)
    draft.children_count = number


def set_pin(draft: Draft, latitude: float, longitude: float, venue_title: str | None = None,
            venue_address: str | None = None) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidAnswer("error.location_expected")
    draft.location_kind = LocationKind.VENUE if venue_title else LocationKind.PIN
    draft.latitude, draft.longitude = latitude, longitude
    draft.venue_title = clean_text(venue_title)[:MAX_ADDRESS] if venue_title else None
    draft.address_text = clean_text(venue_address)[:MAX_ADDRESS] if venue_address else None
    draft.pending_address = None


def check_address(text: str) -> str:
    value = clean_text(text)
    if len(value) < MIN_ADDRESS:
        raise InvalidAnswer("error.address_short", limit=MIN_ADDRESS)
    if len(value) > MAX_ADDRESS:
        raise InvalidAnswer("error.too_long", limit=MAX_ADDRESS, length=len(value))
    return value


def set_address(draft: Draft, text: str) -> None:
    draft.location_kind = LocationKind.ADDRESS
    draft.address_text = check_address(text)
    draft.latitude = draft.longitude = draft.venue_title = None
    draft.pending_address = None


def add_photo(draft: Draft, file_id: str, file_unique_id: str, kind: str = "photo") -> None:
    """Keep a photo (``kind="photo"``) or an image sent as a file (``kind="document"``)."""
    if any(photo["file_unique_id"] == file_unique_id for photo in draft.photos):
        return  # the same picture twice (a re-sent album) counts once
    if len(draft.photos) >= MAX_PHOTOS:
        raise InvalidAnswer("error.too_many_photos", limit=MAX_PHOTOS)
    draft.photos.append({"file_id": file_id, "file_unique_id": file_unique_id, "kind": kind})


def finish_photos(draft: Draft) -> None:
    draft.photos_answered = True


def clear_photos(draft: Draft) -> None:
    draft.photos = []
    draft.photos_answered = False


def set_description(draft: Draft, text: str | None) -> None:
    if text is None:
        draft.description = None
    else:
        value = clean_text(text)
        if not value:
            raise InvalidAnswer("error.text_expected")
        if len(value) > MAX_DESCRIPTION:
            raise InvalidAnswer("error.too_long", limit=MAX_DESCRIPTION, length=len(value))
        draft.description = value
    draft.description_answered = True


def set_contact_mode(draft: Draft, value: str) -> None:
    draft.contact_mode = choose(ContactMode, value)
    if draft.contact_mode is not ContactMode.PHONE:
        draft.contact_phone = None


def set_phone(draft: Draft, text: str) -> None:
    phone = normalize_phone(text)
    if phone is None:
        raise InvalidAnswer("error.phone_invalid")
    draft.contact_phone = phone


def start_editing(draft: Draft, step: Step) -> Step:
    """From the summary, go back to ``step``; its old answer is kept until a new one is given."""
    if step not in EDITABLE_STEPS:
        raise InvalidAnswer("error.choose_button")
    draft.editing = True
    return step
