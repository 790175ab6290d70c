"""domain/report_draft.keep_on_screen and ui/report_views.recap: what a question's message keeps
showing once the next question takes its place."""

from child_report_bot.domain import report_draft as d
from child_report_bot.domain.regions import Region
from child_report_bot.domain.report_draft import Draft, Step
from child_report_bot.i18n import Translator
from child_report_bot.ui import report_views as views


def test_answers_pile_up_on_one_message_and_a_new_message_starts_clean():
    """Edited in place twice, then a question sent anew: the next message keeps none."""
    draft = Draft()
    d.set_danger(draft, False)
    assert d.keep_on_screen(draft, Step.DANGER, True) == [Step.DANGER]
    d.set_activity(draft, "flowers")
    assert d.keep_on_screen(draft, Step.ACTIVITY, True) == [Step.DANGER, Step.ACTIVITY]
    assert d.keep_on_screen(draft, Step.AGE, False) == [Step.DANGER, Step.ACTIVITY, Step.AGE]
    assert draft.recap == []
    assert Draft.from_json(draft.to_json()).recap == []


def test_recap_reads_one_line_per_answer_and_folds_follow_ups():
    """"Other" and its words are one line; the labels are the summary's."""
    draft = Draft()
    d.set_danger(draft, True)
    d.set_activity(draft, "other")
    d.set_activity_other(draft, "shining shoes")
    text = views.recap(draft, [Step.DANGER, Step.ACTIVITY, Step.ACTIVITY_OTHER], Translator("en"))
    lines = text.splitlines()
    assert len(lines) == 2 and all(line.startswith("✅") for line in lines)
    assert "shining shoes" in lines[1]


def test_a_pin_is_named_by_its_region_and_a_pin_outside_every_region_is_not():
    """The citizen reads which configured region holds the pin, never the coordinates."""
    regions = (Region(name="qom", name_fa="قم", name_en="Qom", center=(34.64, 50.88),
                      radius_km=15),)
    draft = Draft()
    d.set_pin(draft, 34.65, 50.87)
    assert views.answer_text(Step.LOCATION, draft, Translator("en"), regions) == \
        "📍 Location shared on the map (in Qom)"
    assert "قم" in views.answer_text(Step.LOCATION, draft, Translator("fa"), regions)
    d.set_pin(draft, 29.6, 52.5, "Shiraz bazaar")  # a venue far from every region
    text = views.answer_text(Step.LOCATION, draft, Translator("en"), regions)
    assert "Shiraz bazaar" in text and "(in" not in text and "29.6" not in text
