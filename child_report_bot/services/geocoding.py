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

from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.domain.text import clean_text, fold_persian
from child_report_bot.storage.db import Database
from child_report_bot.storage.geocache import cached_place, remember_place

logger = logging.getLogger(__name__)


def cache_key(address: str) -> str:
    """Addresses that differ only in case, spacing or Arabic ي/ك for ی/ک share one entry."""
    return " ".join(fold_persian(clean_text(address)).casefold().split())


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
        cached = await cached_place(self.db, key)
        if cached is not None:
            return cached.point
        if self.geocoder is None:
            return None
        try:
            async with asyncio.timeout(self.timeout + 1):  # waiting for the limiter counts
                found = await self._ask(address)
        except (GeopyError, OSError, TimeoutError) as exc:
            logger.warning("geocoding failed (%s); the address stays unverified",
                           type(exc).__name__)
            return None
        await remember_place(self.db, key, found, self.clock())
        return found

    async def _ask(self, address: str) -> tuple[float, float] | None:
        async with self._limiter or contextlib.nullcontext():
            return await asyncio.to_thread(self._geocode, fold_persian(address))

    def _geocode(self, address: str) -> tuple[float, float] | None:
        options = {"timeout": self.timeout, "exactly_one": True}
        if self.country_codes:
            options["country_codes"] = self.country_codes
        location = self.geocoder.geocode(address, **options)
        return None if location is None else (location.latitude, location.longitude)
