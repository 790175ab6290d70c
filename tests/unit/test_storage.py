"""Storage on a real SQLite file: migrations, drafts, idempotent submit, audit events."""

import asyncio
import sqlite3

import pytest

from child_report_bot.domain import report_draft as d
from child_report_bot.domain.report_draft import Step
from child_report_bot.storage import drafts, reports, updates, users
from child_report_bot.storage.db import Database, migrations
from child_report_bot.storage.events import events_of
from child_report_bot.storage.reports import ContactDetails, DraftGone, Routed

ROUTED = Routed(queue="137", rule="public_space", region="tehran", latitude=35.7,
                longitude=51.4, geocoded=False, place_verified=True)


async def finished_draft(db, user_id=7, contact="anonymous"):
    await users.touch_user(db, user_id, "fa")
    stored = await drafts.start_draft(db, user_id, user_id)
    draft = stored.draft
    d.set_danger(draft, True)
    d.set_activity(draft, "flowers")
    d.set_age_band(draft, "6to12")
    d.set_children_count(draft, "2")
    d.set_pin(draft, 35.7, 51.4)
    d.add_photo(draft, "photo-1", "u1")
    d.finish_photos(draft)
    d.set_description(draft, "<b>near</b> the metro")
    d.set_contact_mode(draft, contact)
    stored.step = Step.SUMMARY
    await drafts.save_draft(db, stored)
    return stored


async def test_migrations_set_user_version_and_pragmas(db, tmp_path):
    """A new file gets every migration; WAL and foreign keys are on."""
    row = await db.fetchone("PRAGMA user_version")
    assert row[0] == migrations()[-1][0]
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1


async def test_reopening_does_not_migrate_twice(tmp_path):
    path = tmp_path / "again.sqlite3"
    for _ in range(2):
        database = Database(path)
        await database.connect()
        await database.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]


async def test_language_is_guessed_once_then_kept(db):
    assert await users.touch_user(db, 1, "en") == "en"
    await users.set_language(db, 1, "fa")
    assert await users.touch_user(db, 1, "en") == "fa"


async def test_draft_answers_and_step_survive_reopening(tmp_path):
    """What a handler saved is what a restarted bot reads back."""
    path = tmp_path / "bot.sqlite3"
    first = Database(path)
    stored = await finished_draft(first)
    await first.close()
    second = Database(path)
    again = await drafts.get_draft(second, 7)
    assert again.step is Step.SUMMARY and again.draft == stored.draft
    assert await drafts.conversation_states(second) == {(7, 7): Step.SUMMARY}
    await second.close()


async def test_submit_stores_report_photos_and_event_then_drops_draft(db):
    stored = await finished_draft(db)
    result = await reports.submit_draft(db, 7, stored.draft_id, "fa", None, ROUTED)
    assert result.created
    row = await reports.get_report(db, result.code)
    assert row.urgent == 1 and row.activity == "flowers" and row.latitude == 35.7
    assert (row.queue, row.rule, row.region, row.place_verified) == (
        "137", "public_space", "tehran", 1)
    assert row.description == "<b>near</b> the metro"  # stored as typed, escaped on output
    assert row.contact_name is None and row.contact_mode == "anonymous"
    assert [p.file_id for p in await reports.photos_of(db, row.report_id)] == ["photo-1"]
    assert [e.action for e in await events_of(db, row.report_id)] == ["report.created"]
    assert await drafts.get_draft(db, 7) is None


async def test_submitting_twice_makes_one_report(db):
    """A double tap, or the same update twice, returns the first report."""
    stored = await finished_draft(db)
    first = await reports.submit_draft(db, 7, stored.draft_id, "fa", None, ROUTED)
    second = await reports.submit_draft(db, 7, stored.draft_id, "fa", None, ROUTED)
    assert (second.code, second.created) == (first.code, False)
    assert (await db.fetchone("SELECT COUNT(*) FROM reports"))[0] == 1


async def test_concurrent_submits_make_one_report(db):
    stored = await finished_draft(db)
    results = await asyncio.gather(
        *(reports.submit_draft(db, 7, stored.draft_id, "fa", None, ROUTED) for _ in range(5))
    )
    assert len({r.code for r in results}) == 1 and sum(r.created for r in results) == 1


async def test_submit_of_unknown_draft_is_refused(db):
    await users.touch_user(db, 7, "fa")
    with pytest.raises(DraftGone):
        await reports.submit_draft(db, 7, "nope", "fa", None, ROUTED)


async def test_contact_details_are_kept_only_when_agreed(db):
    stored = await finished_draft(db, contact="telegram")
    result = await reports.submit_draft(db, 7, stored.draft_id, "fa",
                                        ContactDetails(name="Sara", username="sara"), ROUTED)
    row = await reports.get_report(db, result.code)
    assert (row.contact_name, row.contact_username) == ("Sara", "sara")


async def test_a_failed_transaction_leaves_nothing(db):
    await users.touch_user(db, 7, "fa")
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("UPDATE users SET language = 'en' WHERE user_id = 7")
            raise RuntimeError("boom")
    assert (await db.fetchone("SELECT language FROM users WHERE user_id = 7"))[0] == "fa"


async def test_update_ids_are_seen_once(db):
    assert await updates.first_sight(db, 100)
    assert not await updates.first_sight(db, 100)


async def test_stale_drafts_expire_unless_touched(db):
    import datetime as dt
    stored = await finished_draft(db)
    await db.execute("UPDATE drafts SET updated_at = '2000-01-01T00:00:00+00:00'")
    stale = await drafts.stale_drafts(db, dt.timedelta(minutes=30))
    assert [s.draft_id for s in stale] == [stored.draft_id]
    await drafts.save_draft(db, stored)  # the citizen answered meanwhile
    assert not await drafts.delete_if_unchanged(db, stale[0])
    assert await drafts.get_draft(db, 7) is not None


async def test_reports_come_back_as_typed_values(db):
    """Storage hands back frozen models with enums and booleans, not rows; ``["column"]``
    still works on them for code not yet moved."""
    import dataclasses

    from child_report_bot.domain.models import Photo, PhotoKind, Report
    from child_report_bot.domain.triage import Status
    stored = await finished_draft(db)
    result = await reports.submit_draft(db, 7, stored.draft_id, "fa", None, ROUTED)
    report = await reports.get_report(db, result.code)
    assert isinstance(report, Report) and report.status is Status.NEW
    assert report.urgent is True and report.anonymous and report.code == result.code
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.status = Status.CLOSED
    assert await reports.photos_of(db, report.report_id) == [Photo(PhotoKind.PHOTO, "photo-1")]
    assert [e.detail["queue"] for e in await events_of(db, report.report_id)] == ["137"]
