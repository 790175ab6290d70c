"""The digest's text and buttons (ui/digest.py) and how much a group can take (its capacity)."""

from __future__ import annotations

import dataclasses

import pytest

from child_report_bot.delivery.budget import MARGIN, ChatBudget, Limits
from child_report_bot.i18n import Translator
from child_report_bot.ui.callback_data import parse
from child_report_bot.ui.digest import MAX_BUTTONS, digest_buttons, digest_text, page_size
from child_report_bot.ui.queue_post import TEXT_LIMIT, visible_length
from tests.unit.test_sender_budget import GROUP, PERSON, FakeClock
from tests.unit.test_triage_rules import stored


def reports(count: int):
    return [dataclasses.replace(stored(), report_id=n, code=f"R-{n:05d}", urgent=n == 0,
                                address_text="Azadi <square>" if n == 1 else None)
            for n in range(count)]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_every_waiting_report_has_a_line_and_a_button(language):
    listed = reports(5)
    waiting = {0, 1, 2}
    tr = Translator(language)
    text = digest_text(listed, waiting, {n: "Tehran" for n in range(5)}, tr)
    assert all(report.code in text for report in listed)
    assert "🚨" in text and text.count("⏳") == 2 and text.count("✅") == 2
    assert "Azadi &lt;square&gt;" in text                       # the place, escaped
    buttons = [b for row in digest_buttons(listed, waiting, tr).inline_keyboard for b in row]
    assert [parse(b.callback_data).argument for b in buttons] == ["R-00000", "R-00001", "R-00002"]


@pytest.mark.parametrize("language", ["fa", "en"])
@pytest.mark.parametrize("place", [None, "خیابان انقلاب، نبش خیابان فلسطین، روبروی دانشگاه"])
def test_a_page_holds_what_fits_one_message(language, place):
    """A page is at most 100 buttons and 4,096 characters as Telegram counts them, and holds
    every report given to it in full."""
    listed = [dataclasses.replace(report, address_text=place, urgent=True)
              for report in reports(300)]
    tr = Translator(language)
    regions = {n: "Tehran" for n in range(300)}
    fits = page_size(listed, regions, tr)
    assert 40 <= fits <= MAX_BUTTONS
    waiting = {report.report_id for report in listed}
    text = digest_text(listed[:fits], waiting, regions, tr)
    assert visible_length(text) <= TEXT_LIMIT and all(r.code in text for r in listed[:fits])
    keyboard = digest_buttons(listed[:fits], waiting, tr)
    assert sum(len(row) for row in keyboard.inline_keyboard) == fits
    assert digest_buttons(listed, set(), tr) is None            # all posted: no buttons
    assert page_size(listed[:7], regions, tr) == 7


def test_a_group_takes_its_minute_and_a_person_one_a_second():
    clock = FakeClock()
    budget = ChatBudget(Limits(), clock)
    assert budget.capacity(GROUP, 60) == 20
    for _ in range(15):
        budget.record(GROUP, outbox=True)
    assert budget.capacity(GROUP, 30) == 5                      # none of those leaves in 30 s
    clock.now += 30
    assert budget.capacity(GROUP, 31 + MARGIN) == 20            # by then all fifteen have left
    assert budget.capacity(PERSON, 60) == 61
