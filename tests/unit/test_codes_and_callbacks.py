"""Report codes and inline-button data: random, readable, strictly parsed."""

import pytest

from child_report_bot.domain.codes import CODE_PATTERN, new_code, parse_code
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
