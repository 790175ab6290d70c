"""End to end: a group that cannot take its backlog in a minute gets a digest (issue 11, Must 5).

Forty reports wait for a group that takes twenty a minute: one digest lists them all within
seconds, is edited as their own posts follow, and a staff member opens one from it privately.
A backlog longer than one message is split over pages, every report on one of them; in
digest-only mode the listed reports are not posted until staff open one from its button.
"""

from __future__ import annotations

import re
import time

import pytest

from child_report_bot.domain.codes import ALPHABET, LENGTH

from child_report_bot.storage import outbox, reports
from child_report_bot.storage.reports import Routed
from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_surge import group_429s
from tests.e2e.test_e2e_triage import ADMIN, REZA, command, posted, press
from tests.support.chat import Person, text_of
from tests.support.waiting import eventually
from tests.support.drafts import finished_draft

GROUP = -1001370
COUNT = 40
LONG = 150  # more than one message holds: a page takes at most 100 buttons, 4,096 characters
CODE = re.compile(rf"R-[{ALPHABET}]{{{LENGTH}}}")


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
    running = await start_backlog(emu, tmp_path, COUNT)
    yield running
    await running.stop()


async def start_backlog(emu, tmp_path, count: int, **settings) -> RunningBot:
    """The bot with ``count`` reports for 137 stored while it has no group; Reza its staff."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,), **settings)).start()
    admin = Person(emu, ADMIN, "en", first_name="Admin")
    await admin.send("text", "/start", expect="start.welcome")
    await command(admin, f"/staff add {REZA} 137", "staff.added")
    running.reza = Person(emu, REZA, "en", first_name="Reza")
    await running.reza.send("text", "/start", expect="start.welcome")
    running.admin = admin
    running.codes = [await stored_report(running.services.db, 7000 + n) for n in range(count)]
    return running


def digest_calls(emu, method):
    return [c for c in emu.calls_to(method, chat_id=GROUP)
            if c.error is None and "📋" in text_of(c)]


def listed_codes(emu) -> set[str]:
    """Every report code some digest page has shown in the group (sent or edited)."""
    return {code for method in ("sendMessage", "editMessageText")
            for call in digest_calls(emu, method) for code in CODE.findall(text_of(call))}


def group_posts(emu) -> list:
    """The group's own report posts: anything sent there that is not a digest page."""
    return [c for method in ("sendMessage", "sendPhoto")
            for c in emu.calls_to(method, chat_id=GROUP)
            if c.error is None and "📋" not in text_of(c)]


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


async def test_a_backlog_longer_than_one_message_is_listed_in_full_over_pages(emu, tmp_path):
    """150 reports: every one is on a digest page within seconds, no page over Telegram's
    limits (the emulator refuses a text over 4,096 or a keyboard over 100 buttons), no 429."""
    running = await start_backlog(emu, tmp_path, LONG)
    try:
        emu.limits()
        started = time.monotonic()
        await command(running.admin, "/bind 137", "bind.done", chat_id=GROUP)
        await eventually(lambda: set(running.codes) <= listed_codes(emu), timeout=60,
                         what="every report on some digest page")
        listed = time.monotonic() - started
        pages = digest_calls(emu, "sendMessage")
        refused = [c for c in emu.calls if c.params.get("chat_id") == GROUP and c.error
                   and c.status == 400]
        print(f"\ndigest pages: {LONG} reports listed after {listed:.1f} s on {len(pages)} pages;"
              f" group posts meanwhile {len(group_posts(emu))}; 429s in the group:"
              f" {group_429s(emu)}")
        assert len(pages) >= 2 and not refused and group_429s(emu) == 0
        seen = "SELECT COUNT(*) FROM reports WHERE posted_at IS NOT NULL"
        await eventually(lambda: running.rows(seen)[0][0] == LONG,
                         what="every listed report stamped as seen by its group")
    finally:
        await running.stop()


async def test_digest_only_posts_a_listed_report_when_staff_open_it(emu, tmp_path):
    """digest_mode = "digest_only": the digest lists every report and their posts are not sent;
    a staff member's press sends the report privately and posts it in the group, where it can
    be claimed."""
    running = await start_backlog(emu, tmp_path, COUNT, delivery={"digest_mode": "digest_only",
                                                                  "per_chat_burst": 1000})
    try:
        emu.limits()
        await command(running.admin, "/bind 137", "bind.done", chat_id=GROUP)
        await eventually(lambda: set(running.codes) <= listed_codes(emu), timeout=60,
                         what="every report on the digest")
        dropped = ("SELECT COUNT(*) FROM outbox WHERE kind = 'queue_post' AND status = 'cancelled'"
                   " AND last_error LIKE 'listed in a digest%'")
        await eventually(lambda: running.rows(dropped)[0][0] >= COUNT - len(group_posts(emu)),
                         what="the listed reports' posts dropped")
        before = len(group_posts(emu))
        assert before < COUNT  # only what went out before the digest started
        code = next(c for c in running.codes
                    if not running.rows("SELECT post_message_id FROM reports WHERE code = ?",
                                        (c,))[0][0])
        page = next(c for c in digest_calls(emu, "sendMessage") if code in text_of(c))
        mark = emu.mark()
        running.reza.user.press(page.result, f"v1:dig:open:{code}")
        private = await running.reza.wait_for("post.normal", after=mark)
        assert code in text_of(private)
        post = await posted(emu, running, code)
        await press(running.reza, post, f"v1:tri:claim:{code}", "tri.done_claim")
        assert len(group_posts(emu)) == before + 1  # that one report, and no other
    finally:
        await running.stop()
