"""The repeat-sighting look-up is an indexed bounding box, never a scan of every report."""

from __future__ import annotations

from geopy.distance import geodesic

import pytest

from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.domain.relay import AskRefusal, RelayLimits, ask_refusal
from child_report_bot.domain.triage import Actor, Status
from child_report_bot.services.sightings import bounding_box
from child_report_bot.storage.db import Database
from child_report_bot.storage.sightings import BOX_SQL
from tests.unit.test_triage_rules import stored


async def test_the_look_up_searches_the_place_index(tmp_path):
    """SQLite's plan for the look-up uses ``reports_by_place`` with a range on latitude."""
    db = Database(tmp_path / "plan.sqlite3")
    await db.connect()
    rows = await db.fetchall("EXPLAIN QUERY PLAN " + BOX_SQL,
                             ("flowers", 35.0, 35.1, 51.0, 51.1, "2026-01-01T00:00:00Z", 1))
    plan = " ".join(row["detail"] for row in rows)
    assert "SEARCH reports USING INDEX reports_by_place (activity=? AND latitude>? AND latitude<?)" \
        in plan
    assert "SCAN reports" not in plan
    await db.close()


def test_the_box_holds_the_whole_circle():
    """Every point 200 m away, in every direction, is inside the box (Tehran and further north)."""
    for latitude, longitude in ((35.7, 51.34), (60.0, 10.0)):
        south, north, west, east = bounding_box(latitude, longitude, 200)
        for bearing in range(0, 360, 15):
            point = geodesic(meters=200).destination((latitude, longitude), bearing)
            assert south <= point.latitude <= north and west <= point.longitude <= east


CLAIMER = Actor(user_id=9101, is_admin=False, queues=frozenset({"137"}))
COLLEAGUE = Actor(user_id=9102, is_admin=False, queues=frozenset({"137"}))
LIMITS = RelayLimits(max_open=5, max_per_hour=10)
CLAIMED = {"status": Status.CLAIMED, "claimed_by": 9101}


@pytest.mark.parametrize("actor, changes, counts, refusal", [
    (CLAIMER, CLAIMED, (0, 0, False), None),
    (COLLEAGUE, CLAIMED, (0, 0, False), AskRefusal.NOT_CLAIMER),
    # A stranger is refused as "not the claimer" before anything about the report is said.
    (COLLEAGUE, {"status": Status.CLOSED, "claimed_by": None}, (0, 0, True),
     AskRefusal.NOT_CLAIMER),
    (Actor(9101, False, frozenset({"ngo"})), CLAIMED, (0, 0, False), AskRefusal.NOT_CLAIMER),
    (CLAIMER, {"status": Status.TRANSFERRED, "claimed_by": 9101}, (0, 0, False),
     AskRefusal.NOT_OPEN),
    (CLAIMER, {**CLAIMED, "reporter_chat_id": FORGOTTEN}, (0, 0, False), AskRefusal.NOBODY),
    (CLAIMER, CLAIMED, (0, 0, True), AskRefusal.STOPPED),
    (CLAIMER, CLAIMED, (5, 5, False), AskRefusal.TOO_MANY_OPEN),
    (CLAIMER, CLAIMED, (1, 10, False), AskRefusal.TOO_MANY_HOUR),
])
def test_who_may_ask_the_reporter(actor, changes, counts, refusal):
    """Only the claimer of a claimed report, still staff of its queue, within the limits."""
    open_questions, last_hour, stopped = counts
    assert ask_refusal(stored(**changes), actor, stopped=stopped, open_questions=open_questions,
                       last_hour=last_hour, limits=LIMITS) is refusal
