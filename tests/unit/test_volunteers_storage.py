"""Volunteers on a real SQLite file (services/volunteers.py over storage/volunteers.py):
registration, approval, erasure, availability, nearby()."""

from __future__ import annotations

import json
import sqlite3

import pytest
from geopy.distance import geodesic

from child_report_bot.domain import volunteers as v
from child_report_bot.services.volunteers import Volunteers, nearby
from child_report_bot.storage import users
from child_report_bot.storage.db import migrations

AZADI = (35.6997, 51.3380)        # Azadi square, Tehran
TAJRISH = (35.8046, 51.4330)      # Tajrish square, north Tehran (~14.5 km from Azadi)
ENGHELAB = (35.7009, 51.3912)     # Enghelab square (~4.8 km east of Azadi)
RAILWAY = (35.6608, 51.3975)      # Tehran railway station (~7 km from Azadi)
QOM_SHRINE = (34.6416, 50.8789)   # Qom (~125 km from Tehran)
QOM_BRIDGE = (34.6460, 50.8850)   # a bridge in Qom, ~0.75 km from the shrine


def details(point=AZADI, radius=5, languages=("fa",), name="Sara", phone="+989121234567"):
    return v.Details(name=name, phone=phone, latitude=point[0], longitude=point[1],
                     radius_km=radius, languages=tuple(languages))


def roster(db, notify=()):
    """The service, asking ``notify`` (the admins) to approve new registrations."""
    return Volunteers(db, notify, lambda: None)


async def approved(db, user_id, point, radius, *, admin=9000, available=True):
    assert await roster(db).register(user_id, details(point, radius)) is v.Registered.NEW
    assert await roster(db).approve(user_id, admin) is v.Approval.APPROVED
    if not available:
        await roster(db).set_available(user_id, False)


async def volunteer_events(db, user_id=None):
    rows = await db.fetchall("SELECT * FROM events WHERE action LIKE 'volunteer.%'"
                             " ORDER BY event_id")
    found = [(row["report_id"], row["actor_id"], row["action"], json.loads(row["detail"]))
             for row in rows]
    return [e for e in found if user_id is None or e[3].get("user_id") == user_id]


async def outbox_rows(db):
    rows = await db.fetchall("SELECT * FROM outbox ORDER BY outbox_id")
    return [(row["kind"], row["chat_id"], json.loads(row["payload"])) for row in rows]


async def test_migration_is_applied_and_the_table_refuses_half_rows(db, tmp_path):
    assert (await db.fetchone("PRAGMA user_version"))[0] == migrations()[-1][0] >= 4
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        with pytest.raises(sqlite3.IntegrityError):   # pending without details
            conn.execute("INSERT INTO volunteers (user_id, status, created_at, updated_at)"
                         " VALUES (1, 'pending', 'x', 'x')")
        with pytest.raises(sqlite3.IntegrityError):   # left but a phone kept
            conn.execute("INSERT INTO volunteers (user_id, status, phone, available,"
                         " created_at, updated_at) VALUES (1, 'left', '+98912', 0, 'x', 'x')")
        with pytest.raises(sqlite3.IntegrityError):   # radius out of range
            conn.execute("INSERT INTO volunteers (user_id, name, phone, latitude, longitude,"
                         " radius_km, languages, created_at, updated_at)"
                         " VALUES (1, 'a', 'b', 1, 1, 51, 'fa', 'x', 'x')")


@pytest.mark.parametrize("change", [
    {"radius": 0}, {"radius": 51}, {"radius": True}, {"radius": 2.5}, {"languages": ()},
    {"languages": ("de",)}, {"name": " "}, {"name": "x" * 61}, {"phone": ""},
    {"point": (91, 0)}, {"point": (0, 181)},
])
def test_details_refuse_what_the_table_would(change):
    with pytest.raises(ValueError):
        details(**change)


def test_details_tidy_name_and_languages():
    tidy = details(name="  Sara  ", languages=("en", "fa", "en"))
    assert tidy.name == "Sara" and tidy.languages == ("fa", "en")
    assert details(radius=1).radius_km == 1 and details(radius=50).radius_km == 50


async def test_register_is_pending_and_asks_each_admin_once_without_personal_data(db):
    outcome = await roster(db, (9000, 9001, 9000)).register(7, details(languages=("en", "fa")))
    assert outcome is v.Registered.NEW
    got = await roster(db).get(7)
    assert (got.status, got.name, got.phone, got.radius_km, got.languages, got.available) == (
        "pending", "Sara", "+989121234567", 5, ("fa", "en"), True)
    assert got.active and not got.approved and got.approved_by is None
    notices = await outbox_rows(db)
    assert [(kind, chat) for kind, chat, _ in notices] == [("notice", 9000), ("notice", 9001)]
    for _, _, payload in notices:
        assert payload == {"key": "vol.admin_request", "params": {"user_id": 7}}
    [(report_id, actor, action, detail)] = await volunteer_events(db)
    assert (report_id, actor, action) == (None, 7, "volunteer.registered")
    assert "Sara" not in json.dumps(detail) and "+98" not in json.dumps(detail)
    assert [row.user_id for row in await roster(db).pending()] == [7]


async def test_updating_a_pending_registration_does_not_ask_again(db):
    await roster(db, (9000,)).register(7, details())
    outcome = await roster(db, (9000,)).register(7, details(radius=10, name="Sara A."))
    assert outcome is v.Registered.UPDATED
    assert (await roster(db).get(7)).radius_km == 10
    assert len(await outbox_rows(db)) == 1
    *_, (_, _, action, detail) = await volunteer_events(db)
    assert action == "volunteer.updated" and detail["changed"] == ["name", "area"]
    assert "Sara A." not in json.dumps(detail)


async def test_approve_once_tells_the_volunteer_and_sets_the_role(db):
    await users.touch_user(db, 7, "fa")
    await roster(db).register(7, details())
    assert await roster(db).approve(7, 9000) is v.Approval.APPROVED
    assert await roster(db).approve(7, 9001) is v.Approval.ALREADY
    assert await roster(db).approve(8, 9000) is v.Approval.NOT_PENDING
    got = await roster(db).get(7)
    assert got.approved and got.approved_by == 9000 and got.approved_at
    assert (await db.fetchone("SELECT role FROM users WHERE user_id = 7"))["role"] == "volunteer"
    assert await outbox_rows(db) == [("notice", 7, {"key": "vol.approved_notice",
                                                    "params": {}})]
    assert [e[1:3] for e in await volunteer_events(db)] == [
        (7, "volunteer.registered"), (9000, "volunteer.approved")]
    # an approved volunteer who updates their details stays approved
    assert await roster(db).register(7, details(radius=3)) is v.Registered.UPDATED
    assert (await roster(db).get(7)).approved


async def test_leave_erases_everything_personal_and_allows_a_new_registration(db):
    await users.touch_user(db, 7, "fa")
    await approved(db, 7, AZADI, 5)
    assert await roster(db).leave(7) is True
    row = await db.fetchone("SELECT * FROM volunteers WHERE user_id = 7")
    assert row["status"] == "left" and row["available"] == 0
    for column in ("name", "phone", "latitude", "longitude", "radius_km", "languages"):
        assert row[column] is None, column
    assert (await db.fetchone("SELECT role FROM users WHERE user_id = 7"))["role"] == "citizen"
    assert await roster(db).leave(7) is False
    assert await roster(db).set_available(7, True) is v.Availability.NOT_REGISTERED
    assert [e[1:3] for e in await volunteer_events(db, 7)][-1] == (7, "volunteer.left")
    # nothing personal is left anywhere: not in the audit log, not in the outbox
    dump = json.dumps([list(r) for r in await db.fetchall("SELECT * FROM events")]
                      + [list(r) for r in await db.fetchall("SELECT * FROM outbox")])
    assert "Sara" not in dump and "989121234567" not in dump
    assert await roster(db, (9000,)).register(7, details()) is v.Registered.NEW
    again = await roster(db).get(7)
    assert again.status == "pending" and again.approved_by is None and again.available


async def test_remove_erases_tells_and_refuses_a_new_registration(db):
    await roster(db).register(7, details())
    assert await roster(db).remove(7, 9000) is True
    got = await roster(db).get(7)
    assert got.status == "removed" and got.name is None and got.phone is None
    assert not got.active and got.languages == ()
    assert await roster(db).remove(7, 9000) is False
    assert await roster(db).remove(8, 9000) is False
    assert await roster(db).approve(7, 9000) is v.Approval.NOT_PENDING
    assert await roster(db, (9000,)).register(7, details()) is v.Registered.REFUSED
    assert (await roster(db).get(7)).status == "removed"
    assert await outbox_rows(db) == [("notice", 7, {"key": "vol.removed_notice",
                                                    "params": {}})]
    actions = [e[1:3] for e in await volunteer_events(db, 7)]
    assert actions[-2:] == [(9000, "volunteer.removed"), (7, "volunteer.register_refused")]


async def test_availability_changes_are_audited_once(db):
    await approved(db, 7, AZADI, 5)
    assert await roster(db).set_available(7, True) is v.Availability.UNCHANGED
    assert await roster(db).set_available(7, False) is v.Availability.CHANGED
    assert await roster(db).set_available(7, False) is v.Availability.UNCHANGED
    assert await roster(db).set_available(7, True) is v.Availability.CHANGED
    assert await roster(db).set_available(8, True) is v.Availability.NOT_REGISTERED
    actions = [e[2] for e in await volunteer_events(db, 7)]
    assert actions[-2:] == ["volunteer.away", "volunteer.available"]


async def test_nearby_is_nearest_first_with_real_distances_in_tehran_and_qom(db):
    await approved(db, 1, TAJRISH, 20)       # ~14.5 km from Azadi: covers it
    await approved(db, 2, ENGHELAB, 10)      # ~5 km: covers it
    await approved(db, 3, RAILWAY, 5)        # ~7 km, but only 5 km wide: does not
    await approved(db, 4, QOM_SHRINE, 50)    # ~125 km away
    await approved(db, 5, AZADI, 1)          # right there
    await approved(db, 6, ENGHELAB, 10, available=False)   # away
    await roster(db).register(7, details(AZADI, 50))            # pending, never proposed

    found = await nearby(db, *AZADI)
    assert [item.volunteer.user_id for item in found] == [5, 2, 1]
    distances = [item.distance_km for item in found]
    assert distances == sorted(distances)
    assert distances[0] == pytest.approx(0, abs=1e-6)
    assert distances[1] == pytest.approx(geodesic(AZADI, ENGHELAB).km)
    assert 4 < distances[1] < 6 and 13 < distances[2] < 16

    assert [i.volunteer.user_id for i in await nearby(db, *AZADI, limit=2)] == [5, 2]
    assert [i.volunteer.user_id for i in await nearby(db, *AZADI, exclude={5})] == [2, 1]
    assert await nearby(db, *AZADI, limit=0) == []

    in_qom = await nearby(db, *QOM_BRIDGE)
    assert [i.volunteer.user_id for i in in_qom] == [4]
    assert in_qom[0].distance_km == pytest.approx(geodesic(QOM_BRIDGE, QOM_SHRINE).km)
    assert 0.5 < in_qom[0].distance_km < 1.0


async def test_nearby_radius_edges(db):
    await approved(db, 1, AZADI, 5)
    for bearing in (0, 90, 180, 270):
        inside = geodesic(kilometers=4.99).destination(AZADI, bearing)
        outside = geodesic(kilometers=5.01).destination(AZADI, bearing)
        assert [i.volunteer.user_id for i in
                await nearby(db, inside.latitude, inside.longitude)] == [1], bearing
        assert await nearby(db, outside.latitude, outside.longitude) == [], bearing


async def test_nearby_finds_the_widest_area_at_its_edge(db):
    """The latitude pre-filter must not drop a 50 km area whose centre is ~49 km north."""
    north = geodesic(kilometers=49.9).destination(AZADI, 0)
    await approved(db, 1, (north.latitude, north.longitude), 50)
    [item] = await nearby(db, *AZADI)
    assert item.distance_km == pytest.approx(49.9, abs=0.01)
    south = geodesic(kilometers=50.1).destination((north.latitude, north.longitude), 180)
    assert await nearby(db, south.latitude, south.longitude) == []
