"""domain/volunteers.py: the registration's answers and order, who may manage volunteers, and
who is a candidate for a place (nearest first), without Telegram or a database."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from child_report_bot.domain import volunteers as v
from child_report_bot.domain.report_draft import InvalidAnswer

AZADI = (35.6997, 51.3380)
ENGHELAB = (35.7009, 51.3912)     # ~4.8 km east of Azadi
TAJRISH = (35.8046, 51.4330)      # ~14.5 km from Azadi


def volunteer(user_id, point=AZADI, radius=5, *, status=v.VolunteerStatus.APPROVED,
              available=True, languages=("fa",)):
    return v.Volunteer(user_id=user_id, status=status, name=f"V{user_id}", phone="+98912",
                       latitude=point[0], longitude=point[1], radius_km=radius,
                       languages=languages, available=available, created_at="x",
                       approved_by=9000, approved_at="x", updated_at="x")


def refused(change) -> InvalidAnswer:
    with pytest.raises(InvalidAnswer) as caught:
        change()
    return caught.value


# ------------------------------------------------------------------ matching
def test_candidates_are_approved_available_and_covering_nearest_first():
    """Only approved, available volunteers whose area covers the point, nearest first."""
    everyone = [
        volunteer(1, TAJRISH, 20),                                  # ~14.5 km: covers it
        volunteer(2, ENGHELAB, 10),                                 # ~4.8 km: covers it
        volunteer(3, TAJRISH, 5),                                   # too far for its radius
        volunteer(4, AZADI, 5, available=False),                    # away
        volunteer(5, AZADI, 5, status=v.VolunteerStatus.PENDING),   # not approved
        volunteer(6, AZADI, 1),                                     # right there
    ]
    found = v.nearest(everyone, *AZADI)
    assert [item.volunteer.user_id for item in found] == [6, 2, 1]
    assert found[1].distance_km == pytest.approx(geodesic(AZADI, ENGHELAB).km)
    assert [i.volunteer.user_id for i in v.nearest(everyone, *AZADI, limit=2)] == [6, 2]
    assert [i.volunteer.user_id for i in v.nearest(everyone, *AZADI, exclude={6})] == [2, 1]
    assert v.nearest(everyone, *AZADI, limit=0) == []


def test_equal_distances_are_ordered_by_user_id():
    """Two volunteers at the same centre: the lower id first, every time."""
    found = v.nearest([volunteer(9, ENGHELAB, 10), volunteer(3, ENGHELAB, 10)], *AZADI)
    assert [item.volunteer.user_id for item in found] == [3, 9]


def test_the_radius_edge_and_the_latitude_band():
    """A point just inside the radius is covered, just outside is not; the latitude band
    never drops a 50 km area."""
    assert v.distance_if_covered(volunteer(1, AZADI, 5), *AZADI) == pytest.approx(0, abs=1e-6)
    inside = geodesic(kilometers=4.99).destination(AZADI, 45)
    outside = geodesic(kilometers=5.01).destination(AZADI, 45)
    assert v.distance_if_covered(volunteer(1), inside.latitude, inside.longitude) is not None
    assert v.distance_if_covered(volunteer(1), outside.latitude, outside.longitude) is None
    low, high = v.latitude_band(AZADI[0])
    north = geodesic(kilometers=v.MAX_RADIUS_KM).destination(AZADI, 0)
    south = geodesic(kilometers=v.MAX_RADIUS_KM).destination(AZADI, 180)
    assert low < south.latitude and north.latitude < high


# ------------------------------------------------------------------ decisions
def test_registration_outcome_follows_the_row_on_file():
    """New for nobody or someone who left, updated while active, refused once removed."""
    assert v.registration_outcome(None) is v.Registered.NEW
    assert v.registration_outcome(volunteer(1, status=v.VolunteerStatus.LEFT)) is \
        v.Registered.NEW
    assert v.registration_outcome(volunteer(1, status=v.VolunteerStatus.PENDING)) is \
        v.Registered.UPDATED
    assert v.registration_outcome(volunteer(1)) is v.Registered.UPDATED
    assert v.registration_outcome(volunteer(1, status=v.VolunteerStatus.REMOVED)) is \
        v.Registered.REFUSED


def test_changed_fields_name_only_what_changed():
    old = volunteer(1, AZADI, 5)
    new = v.Details("V1", "+98912", *AZADI, 10, ("fa", "en"))
    assert v.changed_fields(old, new) == ["area", "languages"]


@pytest.mark.parametrize(("is_admin", "is_staff", "action", "target", "expected"), [
    (True, False, "approve", 7, None),
    (True, False, "approve", 7000, None),              # admins may approve themselves
    (False, True, "approve", 8, None),
    (False, True, "approve", 7000, "vol.self_approve"),
    (False, True, "remove", 7000, None),
    (False, False, "pending", None, "vol.staff_only"),
    (False, False, "approve", 8, "vol.staff_only"),
])
def test_who_may_manage_volunteers(is_admin, is_staff, action, target, expected):
    assert v.management_refusal(is_admin=is_admin, is_staff=is_staff, action=action,
                                target=target, user_id=7000) == expected


# ------------------------------------------------------------------ the registration's answers
def test_the_steps_come_in_one_order():
    order = [v.Step.NAME]
    while order[-1] is not v.Step.SUMMARY:
        order.append(v.next_step(v.Registration(), order[-1]))
    assert order == [v.Step.NAME, v.Step.PHONE, v.Step.AREA, v.Step.RADIUS, v.Step.LANGUAGES,
                     v.Step.SUMMARY]


def test_name_is_tidied_and_checked():
    registration = v.Registration()
    v.set_name(registration, "  Sara\u202e   Ahmadi ")
    assert registration.name == "Sara Ahmadi"
    problem = refused(lambda: v.set_name(registration, "S" * 61))
    assert (problem.reason, problem.params) == ("vol.name_too_long", {"length": 61,
                                                                      "limit": v.MAX_NAME})
    assert refused(lambda: v.set_name(registration, "۱۲۳")).reason == "vol.name_invalid"
    assert registration.name == "Sara Ahmadi"   # a refused answer changes nothing


def test_phone_is_their_own_contact_or_a_typed_number():
    registration = v.Registration()
    assert refused(lambda: v.set_phone_contact(registration, "+98935", 777, 5001)).reason == \
        "vol.phone_not_own"
    assert refused(lambda: v.set_phone_contact(registration, "+98935", None, 5001)).reason == \
        "vol.phone_not_own"
    v.set_phone_contact(registration, "989121234567", 5001, 5001)
    assert registration.phone == "+989121234567"
    v.set_phone_text(registration, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    assert registration.phone == "+989121234567"
    assert refused(lambda: v.set_phone_text(registration, "call me maybe")).reason == \
        "vol.phone_invalid"
    assert refused(lambda: v.set_phone_text(registration, "0912" * 11)).reason == \
        "vol.phone_invalid"


@pytest.mark.parametrize(("text", "km"), [("3", 3), ("۱۰ کیلومتر", 10), ("5 km", 5),
                                         ("50", 50), ("1", 1)])
def test_radius_accepts_digits_and_units(text, km):
    registration = v.Registration()
    v.set_radius(registration, text, "en")
    assert registration.radius_km == km and registration.languages == ["en"]


@pytest.mark.parametrize("text", ["0", "51", "2.5", "far", "999"])
def test_radius_out_of_range_names_the_range(text):
    problem = refused(lambda: v.set_radius(v.Registration(), text, "fa"))
    assert problem.reason == "vol.radius_invalid"
    assert problem.params == {"low": v.MIN_RADIUS_KM, "high": v.MAX_RADIUS_KM}


def test_languages_toggle_and_must_not_be_empty():
    registration = v.Registration()
    v.set_radius(registration, "3", "de")           # not a language of ours: none preselected
    assert registration.languages == []
    assert refused(lambda: v.finish_languages(registration)).reason == "vol.languages_none"
    v.toggle_language(registration, "en")
    v.toggle_language(registration, "fa")
    assert registration.chosen_languages == ["fa", "en"]
    v.toggle_language(registration, "en")
    assert registration.languages == ["fa"]
    assert refused(lambda: v.toggle_language(registration, "de")).reason == \
        "error.invalid_button"
    v.finish_languages(registration)


def test_details_only_from_a_complete_registration():
    registration = v.Registration()
    assert refused(lambda: v.details_of(registration)).reason == "vol.stale_button"
    v.set_name(registration, "Sara")
    v.set_phone_text(registration, "+989121234567")
    v.set_area(registration, *AZADI)
    v.set_radius(registration, "3", "en")
    v.toggle_language(registration, "fa")
    details = v.details_of(registration)
    assert details == v.Details("Sara", "+989121234567", *AZADI, 3, ("fa", "en"))
