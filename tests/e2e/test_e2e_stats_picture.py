"""The /stats picture end to end: a PNG that opens, drawn from the same counts as the text."""

from __future__ import annotations

import io
import json

from PIL import Image

from child_report_bot import i18n
from child_report_bot.ui.stats_chart import DATA_KEY
from tests.support.chat import Person
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import office  # noqa: F401


async def _picture(emu, person, command):
    mark = emu.mark()
    await person.send("text", command, expect="stats.title")
    call = await person.wait_for("chart.caption", after=mark, method="sendPhoto")
    image = Image.open(io.BytesIO(emu.file_content(call.result["photo"][-1]["file_id"])))
    image.load()
    return image


async def test_stats_picture_opens_and_holds_the_counts(emu, office):
    citizen = Person(emu, 5311, "fa")
    made = [("flowers", "6to12"), ("flowers", "13to17"), ("scale", "6to12"), ("begging", "6to12")]
    for activity, age in made:
        await file_report(citizen, activity=activity, age=age)
    image = await _picture(emu, office.admin, "/stats 7")
    assert image.format == "PNG" and image.size[0] >= 800
    data = json.loads(image.text[DATA_KEY])
    label = lambda key: i18n.plain("en", key)  # noqa: E731
    assert dict(map(tuple, data["by_activity"])) == {
        label("activity.flowers"): 2, label("activity.scale"): 1, label("activity.begging"): 1}
    assert dict(map(tuple, data["by_age"])) == {label("age.6to12"): 3, label("age.13to17"): 1}
    assert sum(n for _, n in data["per_day"]) == 4
    assert sum(n for _, n in data["by_queue"]) == 4


async def test_persian_staff_get_persian_labels_and_digits(emu, office):
    citizen = Person(emu, 5312, "en")
    await file_report(citizen, activity="flowers")
    reza = office.people[9101]
    await reza.send("text", "/language", expect="language.choose")
    reza.language = "fa"
    await reza.press("v1:lang:set:fa", expect="language.set")
    data = json.loads((await _picture(emu, reza, "/stats")).text[DATA_KEY])
    assert data["by_activity"] == [[i18n.plain("fa", "activity.flowers"), 1]]
    day = data["per_day"][0][0]
    assert any(month in day for month in ("آذر", "آبان", "دی")) and not any(c in day for c in
                                                                            "0123456789")
