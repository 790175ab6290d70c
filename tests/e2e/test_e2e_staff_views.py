"""Staff views end to end: /queue (paged), /mine, /show with history, /stats agreeing with the
reports made, /export read back with the csv module with Persian intact; refusals audited."""

from __future__ import annotations

import csv
import io

from child_report_bot.handlers.staff_views import parse_day
from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import ALI, NASRIN, REZA, office, posted, press  # noqa: F401


async def test_queue_mine_and_paging(emu, office):
    citizens = [Person(emu, 5301 + 10000 * i, "en") for i in range(3)]  # within the hourly limit
    codes = [await file_report(citizens[i % 3], activity="flowers") for i in range(11)]
    urgent = await file_report(citizens[2], age="under6")       # 123: not Reza's queue
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, codes[3]), f"v1:tri:claim:{codes[3]}",
                "tri.done_claim")
    page = await reza.send("text", "/queue", expect="view.queue_title")
    shown = text_of(page)
    assert "11 (page 1 of 2)" in shown and codes[0] in shown and urgent not in shown
    assert shown.index(codes[0]) < shown.index(codes[1])       # oldest first
    nxt = await reza.press("v1:view:queue:1", expect="view.queue_title")
    assert codes[10] in text_of(nxt) and "page 2 of 2" in text_of(nxt)
    mine = await reza.send("text", "/mine", expect="view.mine_title")
    assert codes[3] in text_of(mine) and codes[4] not in text_of(mine)
    ali = office.people[ALI]
    listing = await ali.send("text", "/queue", expect="view.queue_title")
    assert urgent in text_of(listing) and "🚨" in text_of(listing)


async def test_show_details_history_photos_and_pin(emu, office):
    citizen = Person(emu, 5302, "en", first_name="Laleh", username="laleh_m")
    code = await file_report(citizen, photos=2, contact="telegram", description="by the kiosk")
    mina = office.people[9102]
    mark = emu.mark()
    details = await mina.send("text", f"/show {code.lower()}", expect="post.normal")
    assert "by the kiosk" in text_of(details) and "Laleh" not in text_of(details)
    history = await mina.wait_for("view.history_title", after=mark)
    assert "report.created" in text_of(history)
    await emu.await_call(method="sendMediaGroup", chat_id=mina.id, after=mark)
    await emu.await_call(method="sendLocation", chat_id=mina.id, after=mark)
    await press(mina, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    mark = emu.mark()
    await mina.send("text", f"/show {code}", expect="post.normal")
    card = await mina.wait_for("claimer.title", after=mark)   # the claimer sees the contact
    assert "laleh_m" in text_of(card)
    await mina.send("text", "/show", expect="view.show_usage")
    await mina.send("text", "/show R-ZZZZZ", expect="view.no_such_report")


async def test_citizens_and_other_queues_are_refused_and_audited(emu, office):
    citizen = Person(emu, 5303, "en")
    code = await file_report(citizen)
    for command in ("/queue", "/mine", "/stats", "/export"):
        await citizen.send("text", command, expect="view.staff_only")
    await citizen.send("text", f"/show {code}", expect="auth.not_allowed")
    nasrin = office.people[NASRIN]                                # ngo staff; the report is 137's
    await nasrin.send("text", f"/show {code}", expect="auth.not_allowed")
    denied = office.rows("SELECT actor_id FROM events WHERE action = 'auth.denied'"
                         " ORDER BY event_id")
    assert [r["actor_id"] for r in denied] == [citizen.id] * 5 + [NASRIN]


async def test_stats_agree_with_the_reports_made(emu, office):
    citizen = Person(emu, 5304, "fa")
    made = [("flowers", "6to12"), ("flowers", "13to17"), ("scale", "6to12"), ("begging", "6to12")]
    codes = [await file_report(citizen, activity=a, age=g) for a, g in made]
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, codes[0]), f"v1:tri:claim:{codes[0]}",
                "tri.done_claim")
    await press(reza, await posted(emu, office, codes[0]), f"v1:tri:out:{codes[0]}.family",
                "tri.done_close")
    figures = text_of(await office.admin.send("text", "/stats ۷", expect="stats.title"))
    assert "Last 7 days" in figures and ": 4 reports" in figures
    assert "closed: 1" in figures and "received, waiting for review: 3" in figures
    assert "Selling flowers: 2" in figures and "Weighing people with a scale: 1" in figures
    assert "6–12: 3" in figures and "13–17: 1" in figures and "Tehran: 4" in figures
    assert "Median time to claim: 0 min" in figures
    mine = text_of(await office.people[ALI].send("text", "/stats", expect="stats.none"))
    assert "30" in mine                                            # nothing in queue 123
    await office.admin.send("text", "/stats lots", expect="stats.usage")


async def test_export_is_csv_with_bom_and_persian_intact(emu, office):
    citizen = Person(emu, 5305, "fa")
    code = await file_report(citizen, activity="other")            # "shining shoes" → ngo
    await file_report(citizen, activity="flowers")                 # 137: not Nasrin's
    nasrin = office.people[NASRIN]
    mark = emu.mark()
    await nasrin.send("text", "/export ۱۴۰۵/۰۸/۰۱ 2099-01-01", expect="export.caption")
    call = await emu.await_call(method="sendDocument", chat_id=nasrin.id, after=mark)
    [upload] = call.files.values()
    assert upload.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(upload.content.decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == [code]
    assert rows[0]["activity_other"] == "shining shoes" and rows[0]["queue"] == "ngo"
    assert rows[0]["created_jalali"].startswith("14")
    assert "contact_name" not in rows[0] and "reporter_id" not in rows[0]
    await nasrin.send("text", "/export yesterday", expect="export.bad_date")
    await nasrin.send("text", "/export 2026-11-22 2026-11-01", expect="export.range_wrong")
    await nasrin.send("text", "/export 2020-01-01 2020-01-02", expect="export.none")


def test_dates_in_jalali_and_iso():
    assert parse_day("1405/09/01").isoformat() == "2026-11-22"
    assert parse_day("۱۴۰۵/۰۹/۰۱").isoformat() == "2026-11-22"
    assert parse_day("2026-11-22").isoformat() == "2026-11-22"
    assert parse_day("1405/13/01") is None and parse_day("22/11") is None
