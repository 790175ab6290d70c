"""Typed addresses → coordinates, through geopy, politely and never in the citizen's way.

Nominatim's usage policy asks for at most one request a second and an identifying user agent.
geopy's geocoders are synchronous, so each lookup runs in a worker thread with a short timeout;
``aiolimiter.AsyncLimiter`` (installed with PTB's rate limiter) starts at most one request a
second: the first never waits, a failed one counts, and answers from the cache never ask it. Answers (including "nothing found") are cached
in the database; a failure (no network, timeout, refusal) is not cached and simply means the
address stays text and staff see that the place is unverified.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiolimiter import AsyncLimiter
from geopy.exc import GeopyError
from geopy.geocoders.base import Geocoder

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.text import clean_text
from child_report_bot.storage.db import Database

logger = logging.getLogger(__name__)


def cache_key(address: str) -> str:
    """Addresses that differ only in case or spacing share one cache entry."""
    return " ".join(clean_text(address).casefold().split())


class AddressLocator:
    """``await locator.locate("میدان تجریش")`` → ``(lat, lon)`` or ``None``."""

    def __init__(self, geocoder: Geocoder | None, db: Database, timeout: float = 3.0,
                 min_interval: float = 1.0, country_codes: str | None = "ir",
                 clock: Clock = system_clock) -> None:
        self.geocoder = geocoder
        self.db = db
        self.timeout = timeout
        self.min_interval = min_interval
        self.country_codes = country_codes
        self.clock = clock
        # One request per ``min_interval``, as a bucket of one; no interval means no limit.
        self._limiter = AsyncLimiter(1, min_interval) if min_interval > 0 else None

    async def locate(self, address: str) -> tuple[float, float] | None:
        """Coordinates for ``address`` from the cache or the geocoder; ``None`` if unknown."""
        key = cache_key(address)
        row = await self.db.fetchone(
            "SELECT latitude, longitude FROM geocode_cache WHERE query = ?", (key,)
        )
        if row is not None:
            return None if row["latitude"] is None else (row["latitude"], row["longitude"])
        if self.geocoder is None:
            return None
        try:
            found = await asyncio.wait_for(self._ask(address), timeout=self.timeout + 1)
        except (GeopyError, OSError, TimeoutError) as exc:
            logger.warning("geocoding failed (%s); the address stays unverified",
                           type(exc).__name__)
            return None
        await self.db.execute(
            "INSERT OR REPLACE INTO geocode_cache (query, latitude, longitude, looked_up_at)"
            " VALUES (?, ?, ?, ?)",
            (key, found[0] if found else None, found[1] if found else None,
             to_stored(self.clock())),
        )
        return found

    async def _ask(self, address: str) -> tuple[float, float] | None:
        async with self._limiter or contextlib.nullcontext():
            return await asyncio.to_thread(self._geocode, address)

    def _geocode(self, address: str) -> tuple[float, float] | None:
        options = {"timeout": self.timeout, "exactly_one": True}
        if self.country_codes:
            options["country_codes"] = self.country_codes
        location = self.geocoder.geocode(address, **options)
        return None if location is None else (location.latitude, location.longitude)
