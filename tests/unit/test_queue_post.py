"""delivery/queue_post.py on reports stored in a real SQLite file: how Telegram counts a caption,
how a long report is shortened to fit one, the map links and the buttons."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from child_report_bot import i18n
from child_report_bot.ui.queue_post import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Names,
    caption,
    keyboard,
    map_links,
    visible_length,
)
from child_report_bot.domain import report_draft as d
from child_report_bot.ui.callback_data import parse
from child_report_bot.i18n import Translator
from child_report_bot.storage import drafts, reports, users
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import Routed

ROOT = Path(__file__).resolve().parents[2]
FA, EN = Translator("fa"), Translator("en")
NAMES = Names(queue="اورژانس اجتماعی ۱۲۳", region="تهران")

PERSIAN_WORDS = "کودکی حدود هشت ساله کنار چهارراه ولیعصر گل می‌فروشد و شب‌ها همان‌جا می‌خوابد "
LONG_DESCRIPTION = (PERSIAN_WORDS * 20)[:1000]  # the longest answer allowed; ends in a letter
LONG_ADDRESS = ("خیابان انقلاب، نرسیده به میدان فردوسی، کوچه‌ی شماره‌ی ۱۲، " * 10)[:300]


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    i18n.compile_catalogs()


class Reports:
    """Files reports through the real draft → submit path and reads their stored rows back."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.next_user = 100

    async def __call__(self, *, description: str | None = None, danger: bool = False,
                      age: str = "6to12", activity: str = "flowers",
                      activity_other: str | None = None, pin: tuple[float, float] | None = None,
                      venue: tuple[str, str | None] | None = None, address: str | None = None,
                      found: tuple[float, float] | None = None, contact: str = "anonymous",
                      region: str | None = "tehran"):
        self.next_user += 1
        user = self.next_user
        await users.touch_user(self.db, user, "fa")
        stored = await drafts.start_draft(self.db, user, user)
        draft = stored.draft
        d.set_danger(draft, danger)
        d.set_activity(draft, activity)
        if activity_other:
            d.set_activity_other(draft, activity_other)
        d.set_age_band(draft, age)
        d.set_children_count(draft, "2")
        if address is not None:
            d.set_address(draft, address)
            latitude, longitude = found if found else (None, None)
        else:
            latitude, longitude = pin or (35.7, 51.4)
            title, venue_address = venue or (None, None)
            d.set_pin(draft, latitude, longitude, title, venue_address)
        d.finish_photos(draft)
        d.set_description(draft, description)
        d.set_contact_mode(draft, contact)
        if contact == "phone":
            d.set_phone(draft, "09121234567")
        await drafts.save_draft(self.db, stored)
        routed = Routed(queue="137", rule="public_space", region=region, latitude=latitude,
                        longitude=longitude, geocoded=address is not None and found is not None,
                        place_verified=address is None or found is not None)
        contact_details = None if contact == "anonymous" else reports.ContactDetails("Sara", None)
        submitted = await reports.submit_draft(self.db, user, stored.draft_id, "fa",
                                               contact_details, routed)
        return await reports.get_report(self.db, submitted.code)


@pytest.fixture
def report(db):
    return Reports(db)


# --- visible_length ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "length"), [
    ("", 0),
    ("abc", 3),
    ("<b>abc</b>", 3),
    ('<a href="https://example.org/?a=1&amp;b=2">OSM</a>', 3),
    ("<code>R-ABCDE</code>", 7),
    ("a &lt;b&gt; &amp; c", 9),  # "a <b> & c"
    ("&quot;&#39;", 2),
    ("کودک", 4),
    ("می‌فروشد", 8),  # the ZWNJ counts
    ("🧒", 2),  # outside the BMP: two UTF-16 code units
    ("<b>🚨 فوری</b>", 7),
    ("۱۲۳", 3),
])
def test_visible_length_counts_like_telegram(text, length):
    assert visible_length(text) == length


def test_visible_length_of_map_links_is_only_their_words():
    assert visible_length(map_links(35.7, 51.4)) == len("OSM · Google")


# --- map_links -----------------------------------------------------------------------------------


def test_map_links_point_at_osm_and_google_with_six_decimals():
    links = map_links(35.699999949, 51.3380001)
    assert isinstance(links, i18n.Markup)
    hrefs = [part.split('"')[0].replace("&amp;", "&") for part in links.split('href="')[1:]]
    osm, google = (urlparse(href) for href in hrefs)
    assert (osm.scheme, osm.netloc, osm.path) == ("https", "www.openstreetmap.org", "/")
    assert parse_qs(osm.query) == {"mlat": ["35.700000"], "mlon": ["51.338000"]}
    assert osm.fragment == "map=17/35.700000/51.338000"
    assert (google.netloc, parse_qs(google.query)) == (
        "maps.google.com", {"q": ["35.700000,51.338000"]})
    assert ">OSM</a>" in links and ">Google</a>" in links
    assert "&mlon" not in links  # the & inside the attribute is escaped


def test_map_links_keep_signs_and_round_to_six_places():
    links = map_links(-33.8688197, -151.2092957)
    assert "mlat=-33.868820" in links and "mlon=-151.209296" in links
    assert "q=-33.868820%2C-151.209296" in links


# --- caption -------------------------------------------------------------------------------------


async def test_a_short_report_is_whole_and_not_shortened(report):
    row = await report(description="کنار مترو، <b>شب‌ها</b> & صبح‌ها")
    text = caption(row, 1, NAMES, FA, CAPTION_LIMIT)
    assert visible_length(text) < CAPTION_LIMIT
    assert FA("post.shortened") not in text and "…" not in text
    assert f"<code>{row.code}</code>" in text
    assert "کنار مترو، &lt;b&gt;شب‌ها&lt;/b&gt; &amp; صبح‌ها" in text  # typed text is escaped
    assert "<b>شب‌ها</b>" not in text
    assert map_links(35.7, 51.4) in text
    assert FA("post.rule", rule=i18n.plain("fa", "rule.public_space"), queue=NAMES.queue) in text
    assert FA("post.region", region="تهران") in text
    assert FA("post.photos", count=1) in text
    assert FA("post.anonymous") in text
    assert FA("post.danger") not in text and FA("post.unverified") not in text


async def test_the_lines_of_an_urgent_english_caption(report):
    row = await report(description="Selling flowers at the crossing", danger=True,
                       activity="other", activity_other="sells <gum> & tissues",
                       venue=("Tajrish Bazaar", "Tajrish Sq."), contact="telegram")
    text = caption(row, 0, Names(queue="Social emergency 123", region=None), EN, TEXT_LIMIT,
                   status=["👤 Claimed by Reza"])
    lines = text.split("\n")
    assert lines[0] == EN("post.urgent", code=row.code)
    assert lines[1] == EN("post.danger")
    assert "sells &lt;gum&gt; &amp; tissues" in lines[2]
    assert EN("post.venue", title="Tajrish Bazaar") in lines
    assert EN("post.address", address="Tajrish Sq.") in lines
    assert lines[-1] == "👤 Claimed by Reza"  # status lines go last
    assert lines[-2] == EN("post.contactable")
    assert EN("post.rule", rule=i18n.plain("en", "rule.public_space"), queue="Social emergency 123") in lines
    assert not any(line.startswith("📷") for line in lines)  # no photos, no photo line
    assert not any(line.startswith("🗺") for line in lines)  # no region configured
    assert lines.index(EN("post.description", text="Selling flowers at the crossing")) < (
        lines.index(EN("post.rule", rule=i18n.plain("en", "rule.public_space"), queue="Social emergency 123")))


async def test_a_typed_address_nobody_found_is_marked_unverified(report):
    row = await report(address="پشت پارک لاله", description=None)
    text = caption(row, 1, NAMES, FA, CAPTION_LIMIT)
    assert FA("post.address", address="پشت پارک لاله") in text
    assert FA("post.unverified") in text
    assert "openstreetmap" not in text  # no coordinates, no map links
    assert "📝" not in text  # no description line at all


async def test_a_geocoded_address_says_so(report):
    row = await report(address="میدان تجریش", found=(35.8044, 51.4339))
    text = caption(row, 1, NAMES, FA, CAPTION_LIMIT)
    assert FA("post.geocoded") in text and FA("post.unverified") not in text
    assert "۳۵٫۸۰۴۴۰, ۵۱٫۴۳۳۹۰" in text and map_links(35.8044, 51.4339) in text


async def test_a_long_persian_report_is_shortened_to_fit_a_caption(report):
    assert len(LONG_DESCRIPTION) == 1000 and len(LONG_ADDRESS) == 300
    row = await report(description=LONG_DESCRIPTION, address=LONG_ADDRESS,
                       found=(35.70123456, 51.41987654), danger=True)
    text = caption(row, 3, NAMES, FA, CAPTION_LIMIT)
    assert visible_length(text) <= CAPTION_LIMIT
    assert visible_length(caption(row, 3, NAMES, FA, TEXT_LIMIT)) > CAPTION_LIMIT  # it had to
    assert FA("post.shortened") in text
    assert f"<code>{row.code}</code>" in text
    assert map_links(35.70123456, 51.41987654) in text
    assert FA("post.rule", rule=i18n.plain("fa", "rule.public_space"), queue=NAMES.queue) in text
    assert FA("post.address", address=LONG_ADDRESS) in text  # the place is kept whole
    # The description is cut, at a word, and marked; what is kept is its beginning.
    [line] = [line for line in text.split("\n") if line.startswith("📝")]
    kept = line.removeprefix("📝 ").removesuffix(FA("post.shortened"))
    assert kept.endswith("…") and len(kept) > 100
    assert LONG_DESCRIPTION.startswith(kept[:-1])
    assert LONG_DESCRIPTION[len(kept) - 1] == " "  # cut where a word ended


async def test_the_whole_description_fits_a_text_message(report):
    row = await report(description=LONG_DESCRIPTION, address=LONG_ADDRESS)
    text = caption(row, 0, NAMES, FA, TEXT_LIMIT)
    assert FA("post.shortened") not in text
    assert FA("post.description", text=LONG_DESCRIPTION) in text


async def test_shortening_measures_the_escaped_text_as_telegram_does(report):
    """``&`` becomes ``&amp;`` in the HTML but is one character to Telegram."""
    row = await report(description=("A & B < C > D " * 80)[:1000].strip())
    text = caption(row, 1, NAMES, EN, CAPTION_LIMIT)
    assert visible_length(text) <= CAPTION_LIMIT < len(text)
    assert EN("post.shortened") in text
    assert "&amp;" in text and "&lt;" in text and " & " not in text


@pytest.mark.parametrize("limit", [400, 600, 800])
async def test_a_smaller_limit_is_kept_too(report, limit):
    row = await report(description=LONG_DESCRIPTION)
    text = caption(row, 1, NAMES, FA, limit)
    assert visible_length(text) <= limit
    assert FA("post.shortened") in text and f"<code>{row.code}</code>" in text


async def test_an_emoji_description_is_shortened_not_dropped(report):
    row = await report(description="🧒🌹 " * 333 + "🧒")
    text = caption(row, 1, NAMES, FA, CAPTION_LIMIT)
    assert visible_length(text) <= CAPTION_LIMIT
    assert FA("post.shortened") in text
    assert "📝 🧒🌹" in text


async def test_the_fallback_of_an_urgent_report_keeps_where_the_child_is(report):
    row = await report(description="کودک " * 100, danger=True, activity="other",
                       activity_other="ا" * 100, venue=("و" * 300, "خ" * 300))
    text = caption(row, 1, NAMES, FA, CAPTION_LIMIT, status=["👤 " + "ن" * 40])
    assert visible_length(text) <= CAPTION_LIMIT
    assert f"<code>{row.code}</code>" in text
    assert map_links(35.7, 51.4) in text


async def test_the_fallback_of_an_ordinary_report_still_fits(report):
    row = await report(description="کودک " * 100, activity="other", activity_other="ا" * 100,
                       venue=("و" * 300, "خ" * 300))
    text = caption(row, 1, NAMES, FA, CAPTION_LIMIT, status=["👤 " + "ن" * 40])
    assert visible_length(text) <= CAPTION_LIMIT
    assert f"<code>{row.code}</code>" in text
    assert FA("post.rule", rule=i18n.plain("fa", "rule.public_space"), queue=NAMES.queue) in text
    assert text.endswith("👤 " + "ن" * 40)  # the status is never cut


# --- keyboard ------------------------------------------------------------------------------------


def buttons(markup) -> list[tuple[str, str]]:
    [row] = markup.inline_keyboard
    return [(button.text, button.callback_data) for button in row]


async def test_keyboard_of_a_pinned_report_with_photos(report):
    row = await report()
    code = row.code
    assert buttons(keyboard(row, 3, EN)) == [
        (EN.plain("post.btn_details"), f"v1:post:details:{code}"),
        (EN.plain("post.btn_pin"), f"v1:post:pin:{code}"),
        ("📷 All photos (3)", f"v1:post:photos:{code}"),
    ]
    for _, data in buttons(keyboard(row, 3, FA)):
        button = parse(data)
        assert button is not None and button.scope == "post" and button.argument == code


@pytest.mark.parametrize("photos", [0, 1])
async def test_one_photo_or_none_has_no_photos_button(report, photos):
    row = await report()
    assert [data.split(":")[2] for _, data in buttons(keyboard(row, photos, FA))] == [
        "details", "pin"]


async def test_a_place_without_coordinates_has_no_pin_button(report):
    row = await report(address="پشت پارک لاله")
    assert [data.split(":")[2] for _, data in buttons(keyboard(row, 2, FA))] == [
        "details", "photos"]
    assert [data.split(":")[2] for _, data in buttons(keyboard(row, 0, FA))] == ["details"]


async def test_a_found_address_has_a_pin_button(report):
    row = await report(address="میدان تجریش", found=(35.8044, 51.4339))
    assert "v1:post:pin:" + row.code in [data for _, data in buttons(keyboard(row, 1, FA))]


# --- the module on its own -----------------------------------------------------------------------


def test_the_module_imports_on_its_own():
    result = subprocess.run([sys.executable, "-c", "import child_report_bot.ui.queue_post"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr.splitlines()[-1:]
