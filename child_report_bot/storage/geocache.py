"""Addresses looked up before: found coordinates, or "nothing found", kept for good."""

from __future__ import annotations

import dataclasses
import datetime as dt

from child_report_bot.domain.clock import to_stored
from child_report_bot.storage.db import Database

Point = tuple[float, float]


@dataclasses.dataclass(frozen=True)
class CachedPlace:
    """One earlier answer; ``point`` is ``None`` when the geocoder found nothing."""

    query: str
    point: Point | None


async def cached_place(db: Database, query: str) -> CachedPlace | None:
    """The earlier answer for the normalised ``query``, if it was asked before."""
    row = await db.fetchone(
        "SELECT latitude, longitude FROM geocode_cache WHERE query = ?", (query,))
    if row is None:
        return None
    point = None if row["latitude"] is None else (row["latitude"], row["longitude"])
    return CachedPlace(query, point)


async def remember_place(db: Database, query: str, point: Point | None,
                         looked_up_at: dt.datetime) -> None:
    """Keep the geocoder's answer (found or not) for the normalised ``query``."""
    await db.execute(
        "INSERT OR REPLACE INTO geocode_cache (query, latitude, longitude, looked_up_at)"
        " VALUES (?, ?, ?, ?)",
        (query, point[0] if point else None, point[1] if point else None,
         to_stored(looked_up_at)),
    )
