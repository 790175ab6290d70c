"""A geocoder with geopy's interface and no network: known places, failures on demand."""

from __future__ import annotations

import threading

from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

FAILURES = {"unavailable": GeocoderUnavailable, "timeout": GeocoderTimedOut,
            "error": GeocoderServiceError}


class FakeGeocoder(Geocoder):
    """``places`` maps a substring of an address to ``(lat, lon)``; ``fail`` makes every lookup
    raise like a geocoder with no network. ``queries`` records what was asked, with options."""

    def __init__(self, places: dict[str, tuple[float, float]] | None = None) -> None:
        super().__init__(user_agent="tests")
        self.places = dict(places or {})
        self.fail: str | None = None
        self.queries: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def geocode(self, query, *, exactly_one=True, timeout=None, **options):  # geopy's signature
        with self._lock:
            self.queries.append((query, {"exactly_one": exactly_one, "timeout": timeout,
                                         **options}))
        if self.fail:
            raise FAILURES[self.fail](f"fake geocoder: {self.fail}")
        for needle, (latitude, longitude) in self.places.items():
            if needle.casefold() in str(query).casefold():
                location = Location(needle, Point(latitude, longitude), {"query": query})
                return location if exactly_one else [location]
        return None
