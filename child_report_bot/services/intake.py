"""A finished draft → a located, routed, stored report whose queue post is already in the outbox.

The place is settled first (a typed address is looked up, briefly, and stays text if that
fails), then the rules pick a queue, then one transaction stores the report, its photos, the
audit event and the outbox rows; only after it commits is the sender woken and the citizen told.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import aiosqlite

from child_report_bot import metrics
from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.intake import Accepted
from child_report_bot.domain.limits import Limited, over_limit
from child_report_bot.domain.outbox import OutboxKind, Priority
from child_report_bot.domain.regions import Region
from child_report_bot.domain.report_draft import Draft, LocationKind, as_sent
from child_report_bot.domain.routing import ReportFacts, RoutingConfig
from child_report_bot.services.geocoding import AddressLocator
from child_report_bot.storage import blocks, early_reports, outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.report_changes import edit_post
from child_report_bot.privacy_options import PrivacyOptions
from child_report_bot.storage.reports import (ContactDetails, Routed, get_report_for_draft,
                                              recent_counts, submit_draft)

logger = logging.getLogger(__name__)

QueueChats = Callable[[], Awaitable[dict[str, int]]]


def facts_of(draft: Draft, region: Region | None, local_time: dt.time) -> ReportFacts:
    return ReportFacts(
        danger=bool(draft.danger), urgent=draft.urgent, activity=draft.activity,
        age_band=draft.age_band, children=draft.children_count,
        region=region.name if region else None, local_time=local_time,
    )


class ReportIntake:
    """Shared by the handlers through ``Services``."""

    def __init__(self, db: Database, routing: RoutingConfig, locator: AddressLocator | None,
                 queue_chats: QueueChats, admins: tuple[int, ...],
                 wake_sender: Callable[[], None], clock: Clock = system_clock,
                 privacy: PrivacyOptions = PrivacyOptions(), sightings=None) -> None:
        self.db = db
        self.routing = routing
        self.locator = locator
        self.queue_chats = queue_chats
        self.admins = admins
        self.wake_sender = wake_sender
        self.clock = clock
        self.privacy = privacy
        self.sightings = sightings  # services.sightings.Sightings: repeat sightings (issue 14)

    async def route(self, draft: Draft, now: dt.datetime | None = None) -> Routed:
        """Where the report is and which queue it goes to (no writes but the geocoding cache)."""
        latitude, longitude = draft.latitude, draft.longitude
        geocoded, verified = False, True
        if draft.location_kind is LocationKind.ADDRESS and latitude is None:
            found = await self.locator.locate(draft.address_text) if self.locator else None
            if found is None:
                verified = False
            else:
                (latitude, longitude), geocoded = found, True
        point = (latitude, longitude) if latitude is not None else None
        region = self.routing.region_of(point)
        moment = now or self.clock()
        decision = self.routing.route(facts_of(draft, region, self.routing.local_time(moment)))
        return Routed(queue=decision.queue.id, rule=decision.rule,
                      region=region.name if region else None, latitude=latitude,
                      longitude=longitude, geocoded=geocoded, place_verified=verified)

    async def submit(self, user_id: int, draft_id: str, draft: Draft, language: str,
                     contact: ContactDetails | None) -> Accepted | Limited:
        """Store and queue the report once; a repeated submit returns the first result.

        Past the hourly or daily limit nothing is stored or posted (so a flood from one account
        delays nobody else) and the admins hear of it once per burst.
        """
        earlier = await get_report_for_draft(self.db, draft_id)
        if earlier is not None:  # a second tap: answer as before, decide nothing again
            return self._accepted(earlier.report_id, earlier.code, False,
                                  earlier.queue, earlier.region, earlier.danger)
        limited = await self._flooding(user_id)
        if limited is not None:
            return limited
        routed = await self.route(draft)
        chats = await self.queue_chats()

        held = False

        async def queue_the_post(conn: aiosqlite.Connection, report_id: int, code: str) -> None:
            nonlocal held
            sighting = ((lambda: self.sightings.fold(conn, report_id, code, draft, routed))
                        if self.sightings else None)
            held = await self._queue_post(conn, user_id, routed.queue, report_id, code,
                                          draft.urgent, chats, sighting)

        submitted = await submit_draft(self.db, user_id, draft_id, language, contact, routed,
                                       on_stored=queue_the_post)
        if submitted.created and held:
            logger.info("report %s held: its reporter is blocked", submitted.code)
        elif submitted.created:
            logger.info("report %s → queue %s (rule %s, region %s)", submitted.code,
                        routed.queue, routed.rule, routed.region)
            metrics.REPORTS.labels(routed.queue).inc()
            self.wake_sender()
        return self._accepted(submitted.report_id, submitted.code, submitted.created,
                              routed.queue, routed.region, bool(draft.danger))

    async def _queue_post(self, conn: aiosqlite.Connection, user_id: int, queue_id: str,
                          report_id: int, code: str, urgent: bool, chats: dict[str, int],
                          sighting: Callable[[], Awaitable[bool]] | None = None) -> bool:
        """Queue the report's post in the caller's transaction; ``True`` if it is held instead
        (its reporter is blocked). ``sighting`` links a repeat sighting to the open report it
        repeats (whose post is then edited, and this one gets none)."""
        if await blocks.is_blocked(conn, user_id):
            # Stored, never posted: not waiting, so no reminder or escalation either.
            await conn.execute("UPDATE reports SET waiting_since = NULL WHERE report_id = ?",
                               (report_id,))
            await log_event(conn, report_id, None, "report.held")
            return True
        if sighting is not None and await sighting():
            return False
        priority = Priority.URGENT if urgent else Priority.NORMAL
        await outbox.enqueue(conn, f"post:{report_id}", OutboxKind.QUEUE_POST,
                             queue_id=queue_id, report_id=report_id, priority=priority)
        if queue_id not in chats:  # held until a group is bound; the admins must know
            await outbox.alert_admins(conn, self.admins, f"unbound:{queue_id}",
                                      "admin.queue_unbound",
                                      {"queue_id": queue_id, "code": code}, self.clock)
        return False

    async def submit_danger(self, user_id: int, chat_id: int, draft_id: str, draft: Draft,
                            language: str) -> Accepted | Limited:
        """Danger first: store and queue the report as soon as its place is known, urgent,
        while the draft stays open for the optional questions; a repeat returns the first."""
        earlier = await get_report_for_draft(self.db, draft_id)
        if earlier is not None:
            return self._accepted(earlier.report_id, earlier.code, False,
                                  earlier.queue, earlier.region, earlier.danger)
        limited = await self._flooding(user_id)
        if limited is not None:
            return limited
        sent = as_sent(draft)
        routed = await self.route(sent)
        chats = await self.queue_chats()
        async with self.db.transaction(durable=True) as conn:  # a code told survives power loss
            report_id, code = await early_reports.store_early(conn, user_id, chat_id, draft_id,
                                                              language, sent, routed)
            held = await self._queue_post(conn, user_id, routed.queue, report_id, code, True,
                                          chats)
        if held:
            logger.info("report %s held: its reporter is blocked", code)
        else:
            logger.info("report %s → queue %s at once (danger, rule %s)", code, routed.queue,
                        routed.rule)
            metrics.REPORTS.labels(routed.queue).inc()
            self.wake_sender()
        return self._accepted(report_id, code, True, routed.queue, routed.region, True)

    async def add_details(self, report_id: int, user_id: int, draft: Draft,
                          contact: ContactDetails | None) -> None:
        """An optional answer after a danger report was sent: into the same report, and its
        post edited in place through the outbox (no second post)."""
        async with self.db.transaction() as conn:
            report = await early_reports.add_details(conn, report_id, user_id, as_sent(draft),
                                                     contact)
            if report is not None:
                await edit_post(conn, report)
        if report is not None and report.post_message_id is not None:
            self.wake_sender()

    async def receipt_later(self, chat_id: int, code: str, language: str) -> None:
        """Queue the code's message for a citizen whose direct reply failed (sent by the
        outbox with its retries; one per report)."""
        async with self.db.transaction() as conn:
            await outbox.enqueue(conn, f"receipt:{code}", OutboxKind.NOTICE, chat_id=chat_id,
                                 priority=Priority.URGENT,
                                 payload={"key": "report.received", "language": language,
                                          "params": {"code": code}})
        self.wake_sender()

    async def _flooding(self, user_id: int) -> Limited | None:
        """``Limited`` if one more report from ``user_id`` passes a limit; tells the admins."""
        now = system_clock()  # reports are stamped by the storage's clock, so count by it too
        per_hour, per_day = self.privacy.max_reports_per_hour, self.privacy.max_reports_per_day
        last_hour, last_day, latest = await recent_counts(
            self.db, user_id, to_stored(now - dt.timedelta(hours=1)),
            to_stored(now - dt.timedelta(days=1)))
        if not over_limit(last_hour, last_day, per_hour, per_day):
            return None
        logger.warning("report limit reached (latest report %s)", latest)
        async with self.db.transaction() as conn:
            # Keyed by the latest report: one notice per burst, and no user id in the outbox.
            queued = False
            for admin in self.admins:
                queued |= await outbox.enqueue(
                    conn, f"alert:flood:{latest}:{admin}", OutboxKind.NOTICE, chat_id=admin,
                    priority=Priority.URGENT,
                    payload={"key": "admin.report_flood",
                             "params": {"code": latest, "hour": per_hour, "day": per_day}})
        if queued:
            self.wake_sender()
        return Limited(per_hour, per_day)

    def _accepted(self, report_id: int, code: str, created: bool, queue_id: str,
                  region: str | None, danger: bool) -> Accepted:
        queue = self.routing.queue(queue_id) or self.routing.queue(
            self.routing.options.default_queue)
        return Accepted(report_id, code, created, queue, self.routing.region(region), danger)
