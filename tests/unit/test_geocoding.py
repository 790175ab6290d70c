"""geocoding.AddressLocator with a geopy-compatible fake and a real SQLite cache: what is cached,
what is not, and how politely the geocoder is asked."""

from __future__ import annotations

import asyncio
import time

import pytest

from child_report_bot.services.geocoding import AddressLocator, cache_key
from child_report_bot.storage.db import Database
from tests.support.fake_geocoder import FakeGeocoder

TAJRISH = (35.8044, 51.4339)
AZADI = (35.6997, 51.3380)


@pytest.fixture
def fake():
    return FakeGeocoder({"تجریش": TAJRISH, "azadi": AZADI})


def locator_for(fake, db, **options) -> AddressLocator:
    options.setdefault("min_interval", 0.0)
    return AddressLocator(fake, db, **options)


async def cached(db: Database):
    rows = await db.fetchall("SELECT query, latitude, longitude FROM geocode_cache ORDER BY query")
    return [tuple(row) for row in rows]


def asked(fake) -> list[str]:
    return [query for query, _ in fake.queries]


async def test_a_found_address_is_looked_up_once(db, fake):
    locator = locator_for(fake, db)
    assert await locator.locate("میدان تجریش") == TAJRISH
    assert asked(fake) == ["میدان تجریش"]
    assert await cached(db) == [("میدان تجریش", *TAJRISH)]
    assert await locator.locate("میدان تجریش") == TAJRISH
    assert asked(fake) == ["میدان تجریش"]  # from the cache


@pytest.mark.parametrize("again", ["  میدان   تجریش ", "میدان\tتجریش\n", "میدان تجریش\u202e"])
async def test_spacing_and_invisible_controls_share_one_entry(db, fake, again):
    locator = locator_for(fake, db)
    await locator.locate("میدان تجریش")
    assert await locator.locate(again) == TAJRISH
    assert len(fake.queries) == 1


async def test_case_does_not_matter(db, fake):
    locator = locator_for(fake, db)
    assert await locator.locate("Azadi Square, Tehran") == AZADI
    assert await locator.locate("  AZADI square,   tehran") == AZADI
    assert await locator.locate("azadi SQUARE, TEHRAN") == AZADI
    assert asked(fake) == ["Azadi Square, Tehran"]  # asked as typed, cached normalised
    assert await cached(db) == [("azadi square, tehran", *AZADI)]


def test_cache_key():
    assert cache_key("  Azadi\tSQUARE \n Tehran ") == "azadi square tehran"
    assert cache_key("Straße") == cache_key("STRASSE")  # casefold, not lower
    assert cache_key("می‌فروشد") == "می\u200cفروشد"  # ZWNJ is part of Persian spelling


async def test_the_cache_outlives_the_locator(tmp_path, fake):
    path = tmp_path / "bot.sqlite3"
    first = Database(path)
    await locator_for(fake, first).locate("میدان تجریش")
    await first.close()
    second = Database(path)
    other = FakeGeocoder()  # would find nothing
    assert await locator_for(other, second).locate("میدان تجریش") == TAJRISH
    assert other.queries == []
    await second.close()


async def test_not_found_is_cached_as_none(db, fake):
    locator = locator_for(fake, db)
    assert await locator.locate("کوچه‌ی بی‌نام") is None
    assert await cached(db) == [("کوچه\u200cی بی\u200cنام", None, None)]
    fake.places["بی‌نام"] = (1.0, 2.0)  # even if the map learns it later…
    assert await locator.locate("کوچه‌ی بی‌نام") is None  # …the answer is kept
    assert len(fake.queries) == 1


@pytest.mark.parametrize("failure", ["unavailable", "timeout", "error"])
async def test_a_failure_is_none_and_not_cached(db, fake, failure):
    locator = locator_for(fake, db)
    fake.fail = failure
    assert await locator.locate("میدان تجریش") is None
    assert await cached(db) == []
    fake.fail = None  # the network is back: it is asked again
    assert await locator.locate("میدان تجریش") == TAJRISH
    assert len(fake.queries) == 2
    assert await cached(db) == [("میدان تجریش", *TAJRISH)]


async def test_no_geocoder_means_none_and_nothing_stored(db):
    locator = AddressLocator(None, db)
    assert await locator.locate("میدان تجریش") is None
    assert await cached(db) == []


async def test_no_geocoder_still_reads_the_cache(db, fake):
    await locator_for(fake, db).locate("میدان تجریش")
    assert await AddressLocator(None, db).locate("میدان  تجریش") == TAJRISH


async def test_requests_are_spaced_by_min_interval(db, fake):
    locator = locator_for(fake, db, min_interval=0.2)
    started = time.monotonic()
    assert await locator.locate("میدان تجریش") == TAJRISH
    assert await locator.locate("Azadi Square") == AZADI
    assert time.monotonic() - started >= 0.2
    assert len(fake.queries) == 2


async def test_a_failed_request_counts_for_the_spacing_too(db, fake):
    locator = locator_for(fake, db, min_interval=0.2)
    fake.fail = "unavailable"
    started = time.monotonic()
    assert await locator.locate("میدان تجریش") is None
    fake.fail = None
    assert await locator.locate("میدان تجریش") == TAJRISH
    assert time.monotonic() - started >= 0.2


async def test_cached_answers_are_not_held_up_by_the_spacing(db, fake):
    locator = locator_for(fake, db, min_interval=3600.0)  # a second request would wait an hour
    await locator.locate("میدان تجریش")

    async def three_cached():
        return [await locator.locate("میدان تجریش") for _ in range(3)]

    assert await asyncio.wait_for(three_cached(), timeout=30) == [TAJRISH] * 3
    assert len(fake.queries) == 1


async def test_country_codes_and_timeout_are_passed_to_the_geocoder(db, fake):
    await locator_for(fake, db, timeout=2.5, country_codes="ir").locate("میدان تجریش")
    [(_, options)] = fake.queries
    assert options == {"exactly_one": True, "timeout": 2.5, "country_codes": "ir"}


async def test_the_default_country_is_iran(db, fake):
    await AddressLocator(fake, db, min_interval=0.0).locate("میدان تجریش")
    [(_, options)] = fake.queries
    assert options["country_codes"] == "ir" and options["timeout"] == 3.0


async def test_no_country_codes_leaves_the_option_out(db, fake):
    await locator_for(fake, db, timeout=1.0, country_codes=None).locate("Azadi Square")
    [(_, options)] = fake.queries
    assert options == {"exactly_one": True, "timeout": 1.0}
