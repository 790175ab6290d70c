"""The report draft: step order, answers and their limits (no Telegram involved)."""

import pytest

from child_report_bot.domain import report_draft as d
from child_report_bot.domain.report_draft import Activity, AgeBand, ContactMode, Draft, InvalidAnswer, Step
from child_report_bot.domain.text import clean_text, normalize_phone, parse_whole_number, to_ascii_digits


def complete_draft() -> Draft:
    draft = Draft()
    d.set_danger(draft, False)
    d.set_activity(draft, "flowers")
    d.set_age_band(draft, "6to12")
    d.set_children_count(draft, "2")
    d.set_pin(draft, 35.7, 51.4)
    d.finish_photos(draft)
    d.set_description(draft, None)
    d.set_contact_mode(draft, "anonymous")
    return draft


def test_steps_follow_the_documented_order():
    """Each answer leads to the next unanswered question, then to the summary."""
    draft = Draft()
    order = []
    step = Step.DANGER
    answers = {
        Step.DANGER: lambda: d.set_danger(draft, False),
        Step.ACTIVITY: lambda: d.set_activity(draft, "other"),
        Step.ACTIVITY_OTHER: lambda: d.set_activity_other(draft, "selling gum"),
        Step.AGE: lambda: d.set_age_band(draft, "under6"),
        Step.COUNT: lambda: d.set_children_count(draft, "۳"),
        Step.LOCATION: lambda: d.set_address(draft, "Vali-Asr crossroads"),
        Step.PHOTOS: lambda: d.finish_photos(draft),
        Step.DESCRIPTION: lambda: d.set_description(draft, "near the metro"),
        Step.CONTACT: lambda: d.set_contact_mode(draft, "phone"),
        Step.PHONE: lambda: d.set_phone(draft, "۰۹۱۲ ۱۲۳ ۴۵۶۷"),
    }
    while step is not Step.SUMMARY:
        order.append(step)
        answers[step]()
        step = d.next_step(draft, step)
    assert order == list(answers)
    assert draft.urgent and draft.children_count == 3 and draft.contact_phone == "+989121234567"


def test_in_danger_the_place_comes_first_and_no_photo_is_asked():
    """Yes to danger: the place next (then the report is due), the rest after it, no photos."""
    draft = Draft()
    d.set_danger(draft, True)
    assert d.next_step(draft, Step.DANGER) is Step.LOCATION
    assert not d.danger_due(draft)
    d.set_pin(draft, 35.7, 51.4)
    assert d.danger_due(draft)
    draft.report_id, draft.report_code = 7, "R-ABCDE"
    assert not d.danger_due(draft) and d.sent_early(draft)
    assert d.next_step(draft, Step.LOCATION) is Step.ACTIVITY
    d.set_activity(draft, "begging")
    d.set_age_band(draft, "6to12")
    d.set_children_count(draft, "1")
    assert d.next_step(draft, Step.COUNT) is Step.DESCRIPTION


def test_a_report_sent_early_fills_what_was_not_answered_yet():
    """Unanswered: "other" without words, "unsure", one child, anonymous; the draft unchanged."""
    draft = Draft()
    d.set_danger(draft, True)
    d.set_pin(draft, 35.7, 51.4)
    sent = d.as_sent(draft)
    assert (sent.activity, sent.activity_other, sent.age_band, sent.children_count,
            sent.contact_mode) == (Activity.OTHER, None, AgeBand.UNSURE, 1, ContactMode.ANONYMOUS)
    assert draft.activity is None and draft.age_band is None and sent.urgent
    d.set_contact_mode(draft, "phone")  # no number yet: still anonymous
    assert d.as_sent(draft).contact_mode is ContactMode.ANONYMOUS


def test_editing_from_the_summary_returns_to_the_summary():
    """Changing one answer goes back to the summary, through a follow-up question if needed."""
    draft = complete_draft()
    d.start_editing(draft, Step.ACTIVITY)
    d.set_activity(draft, "other")
    assert d.next_step(draft, Step.ACTIVITY) is Step.ACTIVITY_OTHER
    d.set_activity_other(draft, "shining shoes")
    assert d.next_step(draft, Step.ACTIVITY_OTHER) is Step.SUMMARY
    assert not draft.editing


def test_urgency_comes_from_danger_or_under_six():
    draft = complete_draft()
    assert not draft.urgent
    d.set_age_band(draft, "under6")
    assert draft.urgent


@pytest.mark.parametrize("text,expected", [("3", 3), ("۱۲", 12), ("٤", 4), (" 50 ", 50)])
def test_children_count_accepts_every_digit_script(text, expected):
    draft = Draft()
    d.set_children_count(draft, text)
    assert draft.children_count == expected


@pytest.mark.parametrize("text,reason", [
    ("three", "error.count_not_number"), ("0", "error.count_range"), ("51", "error.count_range"),
    ("-2", "error.count_not_number"), ("2.5", "error.count_not_number"),
    ("²", "error.count_not_number"),
])
def test_children_count_refuses_what_is_not_a_sensible_number(text, reason):
    with pytest.raises(InvalidAnswer) as caught:
        d.set_children_count(Draft(), text)
    assert caught.value.reason == reason


def test_description_limit_is_1000_characters():
    draft = Draft()
    d.set_description(draft, "x" * 1000)
    with pytest.raises(InvalidAnswer) as caught:
        d.set_description(draft, "x" * 1001)
    assert caught.value.params == {"limit": 1000, "length": 1001}
    assert draft.description == "x" * 1000  # the earlier answer is kept


def test_photos_at_most_three_and_no_duplicates():
    draft = Draft()
    for n in range(3):
        d.add_photo(draft, f"file{n}", f"u{n}")
    d.add_photo(draft, "file0-again", "u0")  # same picture re-sent
    assert len(draft.photos) == 3
    with pytest.raises(InvalidAnswer):
        d.add_photo(draft, "file4", "u4")


def test_address_limits_and_pin_replaces_address():
    draft = Draft()
    with pytest.raises(InvalidAnswer):
        d.set_address(draft, "ab")
    with pytest.raises(InvalidAnswer):
        d.set_address(draft, "a" * 301)
    d.set_address(draft, "  Tajrish square  ")
    assert draft.address_text == "Tajrish square"
    d.set_pin(draft, 35.8, 51.43, "Tajrish Bazaar", "Tajrish")
    assert draft.location_kind is d.LocationKind.VENUE and draft.venue_title == "Tajrish Bazaar"


def test_draft_round_trips_through_json():
    draft = complete_draft()
    d.add_photo(draft, "f", "u", "document")
    again = Draft.from_json(draft.to_json())
    assert again == draft
    assert again.activity is Activity.FLOWERS and again.age_band is AgeBand.AGE_6_12
    assert again.contact_mode is ContactMode.ANONYMOUS


def test_unknown_button_values_are_refused():
    for setter in (d.set_activity, d.set_age_band, d.set_contact_mode):
        with pytest.raises(InvalidAnswer):
            setter(Draft(), "nonsense")


@pytest.mark.parametrize("typed,phone", [
    ("09121234567", "+989121234567"), ("۰۹۱۲-۱۲۳-۴۵۶۷", "+989121234567"),
    ("+98 912 123 4567", "+989121234567"), ("00989121234567", "+989121234567"),
    ("9121234567", "+989121234567"), ("+44 20 7946 0958", "+442079460958"),
])
def test_phone_numbers_are_normalised(typed, phone):
    assert normalize_phone(typed) == phone


@pytest.mark.parametrize("typed", ["12", "hello", "0912abc4567", "+1", ""])
def test_bad_phone_numbers_are_refused(typed):
    assert normalize_phone(typed) is None


def test_text_helpers():
    assert to_ascii_digits("۱۲۳٤٥") == "12345"
    assert parse_whole_number("٧") == 7
    assert clean_text(" می\u200cخواهم\u202e \x00") == "می\u200cخواهم"  # keeps ZWNJ, drops RLO/NUL
