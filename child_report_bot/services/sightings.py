"""Repeat sightings: at submit, a report of a child already being followed up is linked to the
open report about them instead of being posted again; staff can unlink it.

A group may take only 20 messages a minute, and the same child is often reported at the same
crossroads day after day: one post, edited to say "seen again N times", keeps the group usable.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
from collections.abc import Callable

import aiosqlite
from geopy.distance import geodesic

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.report_draft import Activity, Draft
from child_report_bot.domain.triage import Action, may
from child_report_bot.settings import SightingSettings
from child_report_bot.storage import sightings as store
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import Routed, get_report, read_report
from child_report_bot.storage.report_changes import tell_reporter
from child_report_bot.storage.staff import actor as load_actor

logger = logging.getLogger(__name__)

METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)


class Unlinked(enum.StrEnum):
    DONE = "done"
    DENIED = "denied"
    NOT_A_SIGHTING = "not_sighting"
    GONE = "gone"


def bounding_box(latitude: float, longitude: float,
                 radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a square a little larger than the circle."""
    dlat = radius_m / METRES_PER_DEGREE * 1.01
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)) * 1.01
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


class Sightings:
    """Shared by intake (``fold``) and the staff's /unlink (``unlink``)."""

    def __init__(self, db: Database, options: SightingSettings, admins: tuple[int, ...],
                 wake_sender: Callable[[], None], clock: Clock = system_clock) -> None:
        self.db = db
        self.options = options
        self.admins = admins
        self.wake_sender = wake_sender
        self.clock = clock

    async def fold(self, conn: aiosqlite.Connection, report_id: int, code: str, draft: Draft,
                   routed: Routed) -> bool:
        """Inside the submit's transaction: link the new report to an open one of the same
        activity nearby and recent, edit that one's post and tell the citizen; ``True`` if so
        (then the new report gets no post of its own). Danger is never folded."""
        if (not self.options.link_nearby or draft.danger or routed.latitude is None
                or draft.activity in (None, Activity.OTHER)):  # "other" work may be anything
            return False
        now = system_clock()  # reports are stamped by the storage's clock; compare by it too
        since = to_stored(now - dt.timedelta(days=self.options.days))
        box = bounding_box(routed.latitude, routed.longitude, self.options.radius_m)
        here = (routed.latitude, routed.longitude)
        near = [candidate for candidate in await store.in_box(
            conn, report_id, draft.activity.value, box, since)
            if geodesic(here, (candidate.latitude, candidate.longitude)).m
            <= self.options.radius_m]
        if not near:
            return False
        original = min(near, key=lambda c: geodesic(here, (c.latitude, c.longitude)).m)
        await store.link(conn, report_id, code, original, to_stored(now))
        await store.edit_original_post(conn, original.report_id, f"seen{report_id}")
        report = await read_report(conn, report_id)
        await tell_reporter(conn, report, "sighting.reporter_known", queue_id=original.queue)
        logger.info("report %s is a sighting of %s", code, original.code)
        return True

    async def unlink(self, user_id: int, code: str) -> Unlinked:
        """Staff of the report's queue (or admins) make a sighting a report of its own."""
        report = await get_report(self.db, code)
        if report is None:
            return Unlinked.GONE
        actor = await load_actor(self.db, user_id, self.admins)
        if not may(actor, Action.CLAIM, report.state):
            return Unlinked.DENIED
        if not await store.unlink(self.db, report.report_id, report.code, user_id,
                                  to_stored(self.clock())):
            return Unlinked.NOT_A_SIGHTING
        logger.info("sighting %s unlinked into a report of its own", report.code)
        self.wake_sender()
        return Unlinked.DONE
