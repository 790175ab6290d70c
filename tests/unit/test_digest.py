"""The digest's text and buttons (ui/digest.py) and how much a group can take (its capacity)."""

from __future__ import annotations

import dataclasses

import pytest

from child_report_bot.delivery.budget import MARGIN, ChatBudget, Limits
from child_report_bot.i18n import Translator
from child_report_bot.ui.callback_data import parse
from child_report_bot.ui.digest import MAX_BUTTONS, MAX_LINES, digest_buttons, digest_text
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


def test_a_long_digest_stays_within_telegrams_limits():
    listed = reports(200)
    tr = Translator("en")
    text = digest_text(listed, set(range(200)), {}, tr)
    assert len(text) < 4096 and text.count("⏳") == MAX_LINES - 1 and "140 more" in text
    keyboard = digest_buttons(listed, set(range(200)), tr)
    assert sum(len(row) for row in keyboard.inline_keyboard) == MAX_BUTTONS
    assert digest_buttons(listed, set(), tr) is None            # all posted: no buttons


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
