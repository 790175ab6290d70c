"""End to end, the staff side's less travelled paths: a report whose image came as a file, one
with no photo at all, one with a photo and a file, the note after a close skipped or too long,
and the team commands' wrong or empty answers (/staff remove, /export, /volunteers)."""

from __future__ import annotations

from child_report_bot.domain.volunteers import Details
from child_report_bot.handlers.volunteer_admin import PENDING_SHOWN
from tests.e2e.test_e2e_assignment import approved
from tests.e2e.test_e2e_report import walk_to_location
from tests.e2e.test_e2e_photos import exif_laden_jpeg
from tests.e2e.test_e2e_triage import (  # noqa: F401  (office is a fixture)
    ADMIN, GROUPS, NASRIN, REZA, office, posted, press, report_row)
from tests.support.chat import Person, text_of
from tests.support.flows import file_report

VOLUNTEER = 6101


async def report_with_files(person: Person, *files: str) -> str:
    """A report whose images are ``"photo"`` or ``"file"`` (an image sent as a document), in
    this order; returns its code."""
    await walk_to_location(person)
    await person.send("location", 35.6997, 51.3380, expect="report.ask_photos")
    for kind in files:
        if kind == "photo":
            await person.send("photo", expect="report.photos_so_far")
        else:
            await person.send("document", "child.jpg", "image/jpeg", content=exif_laden_jpeg(),
                              expect="report.photos_so_far")
    await person.press("v1:rep:photos:done", expect="report.ask_description")
    await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    await person.press("v1:rep:contact:anonymous", expect="summary.title")
    received = await person.press("v1:rep:submit", expect="report.received")
    return received.params["text"].split("<code>")[1].split("</code>")[0]


async def offer_to_volunteer(emu, office, code: str):
    """Reza claims the report and offers it to the one approved volunteer; the offer sent."""
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    await approved(emu, office, VOLUNTEER, "Sara Ahmadi", (35.7009, 51.3910), 10)
    volunteer = Person(emu, VOLUNTEER, "fa")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:asg:pick:{code}.{VOLUNTEER}",
                "asg.offered")
    return await volunteer.wait_for("asg.offer_title", after=mark)


def buttons(params: dict) -> list[str]:
    return [button["callback_data"] for row in params["reply_markup"]["inline_keyboard"]
            for button in row]


async def test_an_image_sent_as_a_file_is_posted_as_a_clean_photo_and_offered_as_text(emu,
                                                                                       office):
    """The report's only image came as a file: it is cleaned and uploaded as a photo, so the
    group post is a photo with the caption and buttons; the offer carries no photo at all."""
    citizen = Person(emu, 5401, "en")
    code = await report_with_files(citizen, "file")
    post = await posted(emu, office, code)
    [call] = [c for c in emu.calls_to("sendPhoto", GROUPS["137"]) if c.error is None]
    assert code in text_of(call) and call.result["message_id"] == post["message_id"]
    assert "photo" in post and f"v1:tri:claim:{code}" in buttons(call.params)
    assert emu.calls_to("sendDocument", GROUPS["137"]) == []
    offer = await offer_to_volunteer(emu, office, code)
    assert offer.method == "sendMessage"
    assert any(data.startswith("v1:asg:") for data in buttons(offer.params))


async def test_a_report_without_photo_is_edited_as_text_and_offered_as_text(emu, office):
    """No photo: claiming edits the post's text (not a caption), and the volunteer's offer is a
    plain message with its buttons."""
    citizen = Person(emu, 5402, "en")
    code = await file_report(citizen, photos=0)
    post = await posted(emu, office, code)
    reza = office.people[REZA]
    mark = emu.mark()
    await press(reza, post, f"v1:tri:claim:{code}", "tri.done_claim")
    edit = await emu.await_call(method="editMessageText", chat_id=GROUPS["137"], after=mark)
    assert edit.error is None and edit.params["message_id"] == post["message_id"]
    assert "Reza" in text_of(edit) and code in text_of(edit)
    await approved(emu, office, VOLUNTEER, "Sara Ahmadi", (35.7009, 51.3910), 10)
    volunteer = Person(emu, VOLUNTEER, "fa")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:asg:pick:{code}.{VOLUNTEER}",
                "asg.offered")
    offer = await volunteer.wait_for("asg.offer_title", after=mark)
    assert offer.method == "sendMessage"
    assert any(data.startswith("v1:asg:") for data in buttons(offer.params))


async def test_a_photo_and_a_file_reach_staff_as_one_album(emu, office):
    """An image file is stored as a clean photo, so a photo and a file share one album when
    the Photos button sends them privately."""
    citizen = Person(emu, 5403, "en")
    code = await report_with_files(citizen, "photo", "file")
    post = await posted(emu, office, code)
    reza = office.people[REZA]
    mark = emu.mark()
    reza.user.press_in_group(GROUPS["137"], post, f"v1:post:photos:{code}")
    await reza.wait_for("post.sent_privately", after=mark)
    album = await emu.await_call(method="sendMediaGroup", chat_id=REZA, after=mark)
    assert album.error is None and len(album.params["media"]) == 2
    assert emu.calls_to("sendDocument", REZA) == []
    stored = office.rows("SELECT kind FROM report_photos ORDER BY position")
    assert [row["kind"] for row in stored] == ["photo", "photo"]


async def test_the_note_after_a_close_can_be_too_long_or_skipped(emu, office):
    """After closing, a note over 1000 characters is refused (the request stays); /skip then
    drops it and the report keeps no note."""
    citizen = Person(emu, 5404, "en")
    code = await file_report(citizen)
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "tri.done_close")
    await reza.wait_for("tri.ask_note", after=mark)
    too_long = await reza.send("text", "x" * 1001, expect="error.too_long")
    assert "1001" in text_of(too_long) or "۱۰۰۱" in text_of(too_long)
    await reza.send("text", "/skip", expect="tri.note_skipped")
    assert report_row(office, code)["close_note"] is None
    await reza.send("text", "/skip", expect="tri.no_note_asked")


async def test_staff_remove_with_a_bad_or_unknown_user_and_an_unknown_verb(emu, office):
    """/staff remove with a user id that is not a number, or of someone who is not staff, and
    /staff with a verb it does not know: the usage, "not staff", the usage; nobody's rights
    change."""
    admin = office.admin
    before = office.rows("SELECT COUNT(*) FROM staff")[0][0]
    await admin.send("text", "/staff remove reza 137", expect="staff.usage")
    await admin.send("text", "/staff remove 4242", expect="staff.not_staff")
    usage = await admin.send("text", f"/staff promote {REZA}", expect="staff.usage")
    assert "137" in text_of(usage) and "ngo" in text_of(usage)
    assert office.rows("SELECT COUNT(*) FROM staff")[0][0] == before


async def test_export_with_too_many_dates_shows_the_usage(emu, office):
    """/export with three dates: the usage, no file."""
    nasrin = office.people[NASRIN]
    mark = emu.mark()
    await nasrin.send("text", "/export 2026-11-01 2026-11-02 2026-11-03", expect="export.usage")
    assert not [call for call in emu.calls[mark:] if call.method == "sendDocument"]


async def test_no_pending_volunteers_and_a_forged_approve_button(emu, office):
    """/volunteers pending with nobody waiting says so; an Approve button whose user id is not a
    number is refused with an alert and approves nobody."""
    admin = office.admin
    await admin.send("text", "/volunteers pending", expect="vol.pending_none")
    chat = emu.messages(ADMIN)[-1]
    alert = await admin.press("", data="v1:vol:approve:abc", message=chat,
                              expect="error.invalid_button")
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert office.rows("SELECT COUNT(*) FROM volunteers")[0][0] == 0


async def test_more_pending_volunteers_than_one_listing_shows(emu, office):
    """Eleven registrations waiting: /volunteers pending shows ten cards with Approve and says
    how many more wait."""
    for n in range(PENDING_SHOWN + 1):
        await office.services.volunteers.register(
            7000 + n, Details(f"Volunteer {n}", "09120000000", 35.70, 51.39, 5, ("fa",)))
    admin = office.admin
    mark = emu.mark()
    await admin.send("text", "/volunteers pending", expect="vol.pending_title")
    more = await admin.wait_for("vol.pending_more", after=mark)
    assert "1" in text_of(more)
    cards = [call for call in emu.calls[mark:] if call.method == "sendMessage"
             and call.params.get("chat_id") == ADMIN and call.params.get("reply_markup")]
    assert len(cards) == PENDING_SHOWN
    assert all(buttons(card.params)[0].startswith("v1:vol:approve:") for card in cards)
