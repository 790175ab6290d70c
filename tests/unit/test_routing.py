"""Routing over the shipped config.toml: first matching rule wins, else the default queue."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from child_report_bot.domain.report_draft import Activity, AgeBand
from child_report_bot.domain.routing import HourRange, ReportFacts
from child_report_bot.settings import DEFAULT_CONFIG, ConfigError, load_settings

TEHRAN_AZADI = (35.6997, 51.3380)
QOM_HARAM = (34.6416, 50.8789)
ISFAHAN = (32.6539, 51.6660)


@pytest.fixture(scope="module")
def routing():
    return load_settings({"BOT_TOKEN": "1:x", "BOT_CONFIG": str(DEFAULT_CONFIG)}).routing_config


def facts(routing, *, danger=False, activity="flowers", age="6to12", children=1, at=None,
          hour="12:00"):
    region = routing.region_of(at)
    age_band = AgeBand(age)
    return ReportFacts(danger=danger, urgent=danger or age_band is AgeBand.UNDER_6,
                       activity=Activity(activity), age_band=age_band, children=children,
                       region=region.name if region else None,
                       local_time=dt.time.fromisoformat(hour))


CASES = [
    # (what a citizen saw, facts, queue, rule)
    ("danger beats everything", dict(danger=True, age="under6", hour="23:00"), "110", "danger"),
    ("danger at a kiln in Qom", dict(danger=True, activity="kiln", at=QOM_HARAM), "110", "danger"),
    ("five-year-old at night", dict(age="under6", hour="23:30"), "123", "under_six"),
    ("five-year-old at noon selling flowers", dict(age="under6"), "123", "under_six"),
    ("sleeping rough at noon", dict(activity="sleeping_rough", age="13to17"), "123",
     "sleeping_rough"),
    ("flower seller at 23:00 in Tehran", dict(at=TEHRAN_AZADI, hour="23:00"), "123", "night"),
    ("kiln at 05:59", dict(activity="kiln", hour="05:59"), "123", "night"),
    ("flower seller at 06:00 (night ended)", dict(hour="06:00"), "137", "public_space"),
    ("flower seller at 19:59", dict(hour="19:59"), "137", "public_space"),
    ("flower seller at 20:00 (night began)", dict(hour="20:00"), "123", "night"),
    ("flower seller at noon in Tehran", dict(at=TEHRAN_AZADI), "137", "public_space"),
    ("scale weighing in Qom", dict(activity="scale", at=QOM_HARAM), "123", "qom_street_work"),
    ("vending in Qom", dict(activity="vending", at=QOM_HARAM, age="13to17"), "123",
     "qom_street_work"),
    ("kiln in Qom", dict(activity="kiln", at=QOM_HARAM), "ngo", "default"),
    ("scale weighing in Isfahan", dict(activity="scale", at=ISFAHAN), "137", "public_space"),
    ("scale weighing, place unknown", dict(activity="scale"), "137", "public_space"),
    ("car-window washing", dict(activity="car_wash", children=3), "137", "public_space"),
    ("begging", dict(activity="begging", age="unsure"), "137", "public_space"),
    ("brick kiln at noon", dict(activity="kiln", age="13to17", children=12), "ngo", "default"),
    ("workshop", dict(activity="workshop"), "ngo", "default"),
    ("waste picking", dict(activity="waste"), "ngo", "default"),
    ("something else", dict(activity="other"), "ngo", "default"),
]


@pytest.mark.parametrize(("seen", "given", "queue", "rule"), CASES, ids=[c[0] for c in CASES])
def test_shipped_rules(routing, seen, given, queue, rule):
    decision = routing.route(facts(routing, **given))
    assert (decision.queue.id, decision.rule) == (queue, rule), seen


def test_police_is_never_the_route_for_an_ordinary_working_child(routing):
    """Protection principle: without danger no combination reaches 110."""
    for activity in Activity:
        for age in AgeBand:
            for hour in ("03:00", "12:00", "21:00"):
                for at in (None, TEHRAN_AZADI, QOM_HARAM):
                    decision = routing.route(facts(routing, activity=activity.value,
                                                   age=age.value, hour=hour, at=at))
                    assert decision.queue.id != "110", (activity, age, hour, at)


def test_shipped_queues_numbers_and_fallbacks(routing):
    by_id = {queue.id: queue for queue in routing.queues}
    assert set(by_id) == {"110", "123", "137", "ngo"}
    assert by_id["110"].phones == ("110",) and by_id["123"].phones == ("123",)
    assert by_id["137"].phones == ("137",) and "021-55848183" in by_id["ngo"].phones
    assert all(queue.fallback in by_id for queue in routing.queues)
    assert routing.region("qom").phones == ("09934883818", "09192529409")


def test_local_time_is_read_in_tehran(routing):
    moment = dt.datetime(2026, 11, 22, 19, 30, tzinfo=dt.UTC)  # 23:00 in Tehran (+03:30)
    assert routing.local_time(moment) == dt.time(23, 0)


@pytest.mark.parametrize(("text", "inside", "outside"), [
    ("20:00-06:00", ["20:00", "23:59", "00:00", "05:59"], ["06:00", "12:00", "19:59"]),
    ("08:00-17:30", ["08:00", "17:29"], ["07:59", "17:30", "23:00"]),
    ("22:00-24:00", ["22:00", "23:59"], ["00:00", "21:59"]),
])
def test_hour_ranges(text, inside, outside):
    span = HourRange.parse(text)
    assert all(span.contains(dt.time.fromisoformat(t)) for t in inside)
    assert not any(span.contains(dt.time.fromisoformat(t)) for t in outside)


@pytest.mark.parametrize("text", ["8-17", "25:00-06:00", "10:00-10:00", "20:00", "24:30-01:00"])
def test_bad_hour_ranges_are_refused(text):
    with pytest.raises(ValueError):
        HourRange.parse(text)


BASE = """
[[queues]]
id = "a"
name_fa = "الف"
name_en = "A"
[[queues]]
id = "b"
name_fa = "ب"
name_en = "B"
[routing]
default_queue = "a"
"""


def load(tmp_path, extra):
    path = tmp_path / "config.toml"
    path.write_text(BASE + textwrap.dedent(extra), encoding="utf-8")
    return load_settings({"BOT_TOKEN": "1:x", "BOT_CONFIG": str(path)})


@pytest.mark.parametrize(("extra", "words"), [
    ('[[rules]]\nname = "x"\nqueue = "nope"\n', "names queue 'nope'"),
    ('[[rules]]\nname = "x"\nqueue = "b"\nregions = ["mars"]\n', "unknown region"),
    ('[[rules]]\nname = "x"\nqueue = "b"\nactivities = ["juggling"]\n', "rules[0].activities"),
    ('[[rules]]\nname = "x"\nqueue = "b"\nhours = "night"\n', "not an hour range"),
    ('[[rules]]\nname = "x"\nqueue = "b"\nactivities = []\n', "empty list"),
    ('[[rules]]\nname = "x"\nqueue = "b"\nmin_children = 5\nmax_children = 2\n', "min_children"),
    ('[[rules]]\nname = "x"\nqueue = "b"\n[[rules]]\nname = "x"\nqueue = "a"\n', "unique"),
    ('[[rules]]\nname = "x"\nqueue = "b"\nweather = "rain"\n', "rules[0].weather"),
    ('[[regions]]\nname = "r"\ncenter = [35.7, 51.4]\nradius_km = 0\n', "must be positive"),
    ('[[regions]]\nname = "r"\ncenter = [35.7, 51.4]\nradius_km = -3\n', "must be positive"),
    ('[[regions]]\nname = "r"\ncenter = [35.7, 51.4]\n', "needs both"),
    ('[[regions]]\nname = "r"\ncenter = [95, 51.4]\nradius_km = 2\n', "latitude 95"),
    ('[[regions]]\nname = "r"\npolygon = [[35, 51], [35.1, 51.1]]\n', "three distinct"),
    ('[[regions]]\nname = "r"\npolygon = [[35, 51], [35.1, 51.1], [35.2, 51.2]]\n', "one line"),
    ('[[regions]]\nname = "r"\npolygon = [[35, 51], [35.1], [35.2, 51.3]]\n', "a point is"),
    ('[[regions]]\nname = "r"\npolygon = [[35, 51], [35, 52], [36, 52]]\ncenter = [35, 51]\n'
     'radius_km = 1\n', "not both"),
])
def test_configuration_mistakes_are_clear_errors(tmp_path, extra, words):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, extra)
    assert words in str(caught.value)
    assert "config.toml" in caught.value.setting


@pytest.mark.parametrize(("old", "new", "words"), [
    ('default_queue = "a"', 'default_queue = "zz"', "default_queue 'zz' is not a queue"),
    ('name_en = "B"', 'name_en = "B"\nfallback = "c"', "fallback 'c' is not a queue"),
    ('name_en = "B"', 'name_en = "B"\nfallback = "b"', "its own fallback"),
    ('name_en = "B"', 'name_en = "B"\nchat_id = 42', "not a group chat id"),
    ('id = "b"', 'id = "a"', "unique"),
])
def test_queue_mistakes_are_clear_errors(tmp_path, old, new, words):
    path = tmp_path / "config.toml"
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"BOT_TOKEN": "1:x", "BOT_CONFIG": str(path)})
    assert words in str(caught.value)


def test_a_valid_small_config_loads(tmp_path):
    settings = load(tmp_path, '[[rules]]\nname = "x"\nqueue = "b"\nregions = [""]\n')
    assert [rule.name for rule in settings.routing_config.rules] == ["x"]
