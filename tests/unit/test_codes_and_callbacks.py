"""Report codes and inline-button data: random, readable, strictly parsed."""

import pytest

from child_report_bot.domain.codes import CODE_PATTERN, new_code, parse_code
from child_report_bot.domain.triage import CloseReason, SendBackReason
from child_report_bot.ui import callback_data as cb
from child_report_bot.ui.callback_data import make, parse


def test_codes_are_random_and_well_formed():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) > 1990
    assert all(CODE_PATTERN.match(code) for code in codes)


@pytest.mark.parametrize("typed,code", [("r-7f3k2", "R-7F3K2"), ("7F3K2", "R-7F3K2"),
                                        (" R-7F3K2 ", "R-7F3K2")])
def test_codes_as_people_type_them(typed, code):
    assert parse_code(typed) == code


@pytest.mark.parametrize("typed", ["R-7F3K", "R-0O1IL", "hello", ""])
def test_malformed_codes(typed):
    assert parse_code(typed) is None


def test_button_data_round_trip():
    data = make("rep", "submit", "0123456789abcdef")
    button = parse(data)
    assert (button.scope, button.action, button.argument) == ("rep", "submit", "0123456789abcdef")
    assert len(data.encode()) <= 64


@pytest.mark.parametrize("data", [
    None, "", "rep:submit", "v0:rep:submit", "v1:rep:explode", "v1:xxx:set", "v1:rep:act:a:b",
    "v1:rep:act:", "v1:rep:act:<script>", "v1:lang:set:" + "a" * 60, b"v1:rep:edit", 42,
])
def test_forged_or_old_button_data_is_refused(data):
    assert parse(data) is None


def test_make_refuses_what_parse_would_refuse():
    with pytest.raises(ValueError):
        make("rep", "nope")


@pytest.mark.parametrize(("data", "press"), [
    ("v1:post:pin:R-7F3K2", cb.PostView("pin", "R-7F3K2")),
    ("v1:tri:claim:R-7F3K2", cb.TriagePress("claim", "R-7F3K2")),
    ("v1:tri:xfer:R-7F3K2", cb.TriagePress("xfer", "R-7F3K2")),
    ("v1:tri:out:R-7F3K2.family", cb.Close("R-7F3K2", CloseReason.FAMILY)),
    ("v1:tri:out:R-7F3K2.duplicate", cb.Close("R-7F3K2", None)),  # only through dupof
    ("v1:tri:out:R-7F3K2.bogus", cb.Close("R-7F3K2", None)),
    ("v1:tri:dupof:R-7F3K2.R-AAAAA", cb.Duplicate("R-7F3K2", "R-AAAAA")),
    ("v1:tri:to:R-7F3K2.ngo", cb.Transfer("R-7F3K2", "ngo")),
    ("v1:tri:to:R-7F3K2", cb.Transfer("R-7F3K2", None)),
    ("v1:tri:ret:R-7F3K2.area", cb.SendBack("R-7F3K2", SendBackReason.AREA)),
    ("v1:asg:pick:R-7F3K2.42", cb.AssignPress("pick", "R-7F3K2", 42)),
    ("v1:asg:pick:R-7F3K2.x", cb.AssignPress("pick", "R-7F3K2", None)),
    ("v1:asg:acc:5", None),       # the volunteer's buttons are not presses on a post
    ("v1:rep:submit", None),
    ("garbage", None),
])
def test_a_press_on_a_report_post_is_parsed_once_into_its_type(data, press):
    """Each scope's button becomes one small typed value; a bad choice is kept as None."""
    assert cb.report_press(data) == press


def test_pages_are_parsed_into_their_listing():
    assert cb.page("v1:view:mine:2") == cb.Page("mine", 2)
    assert cb.page("v1:view:queue") == cb.Page("queue", 0)
    assert cb.page("v1:tri:claim:R-7F3K2") is None
