"""The one message a report costs in its queue's group: photo + caption + buttons.

A group may take only 20 messages a minute, so a report is one message; extra photos, the map
pin and the full description are sent on demand to the staff member who asks, in private.
"""

from __future__ import annotations

import dataclasses
import html
import re
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from child_report_bot.domain.models import Report
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.timefmt import staff_time
from child_report_bot.ui.callback_data import PostView
from child_report_bot.i18n import Markup, Translator

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")


def visible_length(html_text: str) -> int:
    """Length as Telegram counts it: after parsing the HTML, in UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def map_links(latitude: float, longitude: float) -> Markup:
    osm = "https://www.openstreetmap.org/?" + urlencode(
        {"mlat": f"{latitude:.6f}", "mlon": f"{longitude:.6f}"}
    ) + f"#map=17/{latitude:.6f}/{longitude:.6f}"
    google = "https://maps.google.com/?" + urlencode({"q": f"{latitude:.6f},{longitude:.6f}"})
    return Markup(f'<a href="{html.escape(osm)}">OSM</a> · <a href="{html.escape(google)}">Google</a>')


@dataclasses.dataclass(frozen=True)
class Names:
    """Configured names the caption shows in the staff language."""

    queue: str
    region: str | None

    @classmethod
    def of(cls, report: Report, routing: RoutingConfig, language: str) -> Names:
        queue = routing.queue(report.queue)
        region = routing.region(report.region)
        return cls(queue=queue.title(language) if queue else str(report.queue),
                   region=region.title(language) if region else report.region)


# The shipped config.toml's rules; a rule a deployment adds under another name shows that name.
RULE_TITLES = {
    "own_request": "rule.own_request", "danger": "rule.danger", "under_six": "rule.under_six",
    "sleeping_rough": "rule.sleeping_rough", "night": "rule.night",
    "qom_street_work": "rule.qom_street_work", "public_space": "rule.public_space",
    "default": "rule.default",
}


def rule_title(rule: str | None, tr: Translator) -> str:
    """The routing rule that chose the queue, in words ("at night"), not its id ("night")."""
    name = rule or "default"
    key = RULE_TITLES.get(name)
    return tr.plain(key) if key else name


PLACE_TEXT_WHEN_TIGHT = 120  # address and venue are cut to this when nothing else fits


def _place(report: Report, names: Names, tr: Translator, tight: bool = False) -> list[str]:
    def text(value: str) -> str:
        return _shorten(value, PLACE_TEXT_WHEN_TIGHT) if tight and len(value) > \
            PLACE_TEXT_WHEN_TIGHT else value

    lines = []
    if report.address_text:
        lines.append(tr("post.address", address=text(report.address_text)))
    if report.venue_title:
        lines.append(tr("post.venue", title=text(report.venue_title)))
    if report.latitude is not None:
        coordinates = tr.digits(f"{report.latitude:.5f}, {report.longitude:.5f}")
        lines.append(tr("post.coordinates", coordinates=coordinates,
                        links=map_links(report.latitude, report.longitude)))
        if report.place_geocoded:
            lines.append(tr("post.geocoded"))
    if not report.place_verified:
        lines.append(tr("post.unverified"))
    if names.region:
        lines.append(tr("post.region", region=names.region))
    return lines


def caption(report: Report, photo_count: int, names: Names, tr: Translator,
            limit: int, status: list[str] | None = None) -> str:
    """The post's text; the description is shortened first if it would pass ``limit``.

    ``status`` lines (who has it, how it ended; see ``delivery/post_state.py``) go last.
    """
    def head(tight: bool) -> list[str]:
        lines = [tr("post.urgent", code=report.code) if report.urgent
                 else tr("post.normal", code=report.code)]
        if report.danger:
            lines.append(tr("post.danger"))
        activity = tr(f"activity.{report.activity}")
        if report.activity_other:
            activity = Markup(f"{activity}: {html.escape(report.activity_other)}")
        lines.append(tr("post.child", activity=activity, age=tr(f"age.{report.age_band}"),
                        count=report.children_count))
        lines.append(tr("post.time", time=tr.digits(staff_time(report.created_at))))
        return lines + _place(report, names, tr, tight)

    tail = [tr("post.photos", count=photo_count)] if photo_count else []
    tail.append(tr("post.rule", rule=rule_title(report.rule, tr), queue=names.queue))
    tail.append(tr("post.anonymous") if report.anonymous
                else tr("post.contactable"))
    tail += status or []

    description = report.description or ""
    text = _join(head(False), description, tail, tr)
    if visible_length(text) <= limit:
        return text
    # Too long: shorten the description first, then (a very long address or venue) the place
    # text too — the code, the child, the time, the map links and the status always stay.
    for tight in (False, True):
        lines = head(tight)
        spare = limit - visible_length(_join(lines, "", tail, tr)) - visible_length(
            tr("post.description", text="")) - visible_length(tr("post.shortened")) - 2
        cut = _shorten(description, spare)
        text = _join(lines, cut, tail, tr, shortened=cut != description)
        if visible_length(text) <= limit:
            return text
    return text


def _join(head: list[str], description: str, tail: list[str], tr: Translator,
          shortened: bool = False) -> str:
    lines = list(head)
    if description or shortened:
        text = tr("post.description", text=description)
        lines.append(f"{text}{tr('post.shortened')}" if shortened else text)
    lines += tail
    return "\n".join(lines)


def _shorten(text: str, room: int) -> str:
    """Cut at a word boundary to fit ``room`` UTF-16 units (as Telegram counts), marking the
    cut; "" when there is no room worth using."""
    if room < 10:
        return ""
    if _units(text) <= room:
        return text
    cut = text[: room - 1]
    while _units(cut) > room - 1:  # characters outside the BMP count twice
        cut = cut[: -max(1, (_units(cut) - room + 1) // 2)]
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + "…"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def keyboard(report: Report, photo_count: int, tr: Translator) -> InlineKeyboardMarkup:
    """Buttons on the post: extra photos, the map pin and the full details, sent privately."""
    code = report.code
    row = [InlineKeyboardButton(tr.plain("post.btn_details"),
                                callback_data=PostView("details", code).encode())]
    if report.latitude is not None:
        row.append(InlineKeyboardButton(tr.plain("post.btn_pin"),
                                        callback_data=PostView("pin", code).encode()))
    if photo_count > 1:
        row.append(InlineKeyboardButton(tr.plain("post.btn_photos", count=photo_count),
                                        callback_data=PostView("photos", code).encode()))
    return InlineKeyboardMarkup([row])
