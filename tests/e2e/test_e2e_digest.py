"""End to end: a group that cannot take its backlog in a minute gets a digest (issue 11, Must 5).

Forty reports wait for a group that takes twenty a minute: one digest lists them all within
seconds, is edited as their own posts follow, and a staff member opens one from it privately.
"""

from __future__ import annotations

import time

import pytest

from child_report_bot.storage import outbox, reports
from child_report_bot.storage.reports import Routed
from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_surge import group_429s
from tests.e2e.test_e2e_triage import ADMIN, REZA, command
from tests.support.chat import Person, text_of
from tests.support.waiting import eventually
from tests.support.drafts import finished_draft

GROUP = -1001370
COUNT = 40


async def stored_report(db, user_id: int) -> str:
    """A report stored with its queue post waiting, as the intake stores it; its code."""
    draft_row = await finished_draft(db, user_id, "en")

    async def queue_post(conn, report_id, code):
        await outbox.enqueue(conn, f"post:{report_id}", "queue_post", queue_id="137",
                             report_id=report_id)

    routed = Routed("137", "public_space", "tehran", 35.7, 51.4, False, True)
    submitted = await reports.submit_draft(db, user_id, draft_row.draft_id, "en", None, routed,
                                           on_stored=queue_post)
    return submitted.code


@pytest.fixture
async def backlog(emu, tmp_path):
    """Forty reports for 137 stored while it has no group; Reza is staff of 137."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    admin = Person(emu, ADMIN, "en", first_name="Admin")
    await admin.send("text", "/start", expect="start.welcome")
    await command(admin, f"/staff add {REZA} 137", "staff.added")
    running.reza = Person(emu, REZA, "en", first_name="Reza")
    await running.reza.send("text", "/start", expect="start.welcome")
    running.admin = admin
    running.codes = [await stored_report(running.services.db, 7000 + n) for n in range(COUNT)]
    yield running
    await running.stop()


def digest_calls(emu, method):
    return [c for c in emu.calls_to(method, chat_id=GROUP)
            if c.error is None and "📋" in text_of(c)]


async def test_a_full_group_gets_one_digest_of_every_report_then_the_posts(emu, backlog):
    emu.limits()  # Telegram's: 20 a minute in a group
    started = time.monotonic()
    await command(backlog.admin, "/bind 137", "bind.done", chat_id=GROUP)
    [digest] = await eventually(lambda: digest_calls(emu, "sendMessage"), timeout=60,
                                what="a digest in the group")
    shown = time.monotonic() - started
    assert all(code in text_of(digest) for code in backlog.codes)      # every report visible
    seen = "SELECT COUNT(*) FROM reports WHERE posted_at IS NOT NULL"
    await eventually(lambda: backlog.rows(seen)[0][0] == COUNT,   # their clocks start now
                     what="every listed report stamped as seen by its group")

    reza = backlog.reza
    mark = emu.mark()
    reza.user.press(digest.result, f"v1:dig:open:{backlog.codes[-1]}")
    private = await reza.wait_for("post.normal", after=mark)
    assert backlog.codes[-1] in text_of(private)
    stranger = Person(emu, 7999, "en")
    await stranger.send("text", "/start", expect="start.welcome")
    mark = emu.mark()
    stranger.user.press(digest.result, f"v1:dig:open:{backlog.codes[0]}")
    await stranger.wait_for("auth.not_allowed", after=mark, method="answerCallbackQuery")

    edit = await eventually(lambda: [c for c in digest_calls(emu, "editMessageText")
                                     if "✅" in text_of(c)], timeout=60,
                            what="the digest edited as posts went out")
    edited = time.monotonic() - started
    posts = backlog.rows("SELECT COUNT(*) FROM reports WHERE post_message_id IS NOT NULL")[0][0]
    print(f"\ndigest: {COUNT} reports for a group taking 20 a minute; digest after {shown:.1f} s"
          f" listing all, first edit after {edited:.1f} s with {posts} posted;"
          f" 429s provoked in the group: {group_429s(emu)}, in all: {emu.flood_count}")
    assert 0 < posts < COUNT and "⏳" in text_of(edit[0])
    assert group_429s(emu) == 0
