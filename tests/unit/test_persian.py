"""Persian done right: digits and the decimal sign, real English plurals through ngettext,
Jalali dates, routing rules in words, Arabic ي/ك folded, Tehran landlines accepted."""

from __future__ import annotations

import datetime as dt

import pytest

from child_report_bot import i18n
from child_report_bot.domain.text import fold_persian, normalize_phone
from child_report_bot.i18n import Translator
from child_report_bot.services.geocoding import cache_key
from child_report_bot.ui.queue_post import rule_title


@pytest.mark.parametrize(("language", "value", "shown"), [
    ("fa", 12, "۱۲"), ("fa", "0.5", "۰٫۵"), ("fa", "35.69970, 51.33800", "۳۵٫۶۹۹۷۰, ۵۱٫۳۳۸۰۰"),
    ("en", "0.5", "0.5"), ("en", 12, "12"),
])
def test_digits_follow_the_reader(language, value, shown):
    """Persian readers get ۰–۹ and the Persian decimal sign; English readers what was given."""
    assert i18n.digits(language, value) == shown


@pytest.mark.parametrize(("count", "english", "persian"), [
    (1, "📷 1 photo", "📷 ۱ عکس"), (2, "📷 2 photos", "📷 ۲ عکس"), (0, "📷 0 photos", "📷 ۰ عکس"),
])
def test_a_count_chooses_the_plural_form_and_the_digits(count, english, persian):
    """gettext's ngettext with each catalog's Plural-Forms: English has two, Persian one."""
    assert i18n.translate("en", "post.photos", count=count) == english
    assert i18n.translate("fa", "post.photos", count=count) == persian


def test_children_and_export_counts_are_real_plurals():
    assert i18n.translate("en", "post.child", activity="a", age="b", count=1).endswith("1 child")
    assert i18n.translate("en", "post.child", activity="a", age="b", count=3).endswith(
        "3 children")
    assert i18n.translate("en", "export.caption", count=1, start="x", end="y").startswith(
        "📄 1 report,")
    assert "(s)" not in i18n.translate("en", "summary.photos", count=2)


def test_a_count_given_as_text_is_left_as_it_is():
    """Callers that already wrote the digits keep working (no plural choice for text)."""
    assert i18n.translate("fa", "post.photos", count="۳") == "📷 ۳ عکس"


def test_an_entry_with_plural_forms_is_still_found_without_a_count():
    """Tests and fingerprints look a message up by key alone."""
    assert i18n.translate("en", "post.photos").startswith("📷 {count}")


def test_export_dates_are_jalali_in_persian_digits():
    assert Translator("fa").date(dt.date(2026, 11, 22)) == "۱۴۰۵/۰۹/۰۱"
    assert Translator("en").date(dt.date(2026, 11, 22)) == "2026-11-22"


def test_routing_rules_are_named_in_words():
    """"قاعده‌ی مسیریابی: night" was the id; a rule a deployment added keeps its name."""
    assert rule_title("night", Translator("fa")) == i18n.plain("fa", "rule.night") != "night"
    assert rule_title(None, Translator("en")) == i18n.plain("en", "rule.default")
    assert rule_title("our_own_rule", Translator("fa")) == "our_own_rule"


def test_arabic_letters_fold_to_persian_before_caching():
    """The same street typed on an Arabic keyboard is the same cache entry."""
    assert fold_persian("خيابان كريمخان") == "خیابان کریمخان"
    assert cache_key("خيابان  كريمخان ") == cache_key("خیابان کریمخان")


@pytest.mark.parametrize(("typed", "stored"), [
    ("021 5584 8183", "+982155848183"),           # the society's landline, as printed
    ("۰۲۱-۵۵۸۴۸۱۸۳", "+982155848183"),
    ("025 3123 4567", "+982531234567"),           # Qom
    ("0912 123 4567", "+989121234567"),
    ("5584 8183", None),                          # no area code: which city?
    ("021 12", None),
])
def test_tehran_landlines_are_accepted(typed, stored):
    assert normalize_phone(typed) == stored
