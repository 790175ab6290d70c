"""Images sent as files: cleaned of every piece of metadata wherever they go; fakes refused."""

from __future__ import annotations

import io
import json

from PIL import ExifTags, Image

from tests.support.chat import Person, text_of
from tests.support.flows import AZADI
from tests.e2e.test_e2e_triage import office, posted  # noqa: F401

GPS_LATITUDE = ((35, 1), (41, 1), (59, 1))


def exif_laden_jpeg() -> bytes:
    """A landscape photo as a phone writes it: GPS, maker and model, rotated by its EXIF."""
    image = Image.new("RGB", (3000, 2000), (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Google"
    exif[ExifTags.Base.Model] = "Pixel 9 Pro"
    exif[ExifTags.Base.Orientation] = 6  # shown turned by 90°: the upright photo is portrait
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 41.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (51.0, 20.0, 17.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def assert_clean(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif(), "EXIF left in the image"
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and "comment" not in image.info
        assert b"Pixel" not in content and b"Google" not in content
        assert image.height > image.width and max(image.size) <= 1280


async def walk_to_photos(person: Person) -> None:
    await person.send("text", "/report", expect="report.ask_danger")
    await person.press("v1:rep:danger:no", expect="report.ask_activity")
    await person.press("v1:rep:act:flowers", expect="report.ask_age")
    await person.press("v1:rep:age:6to12", expect="report.ask_count")
    await person.send("text", "1", expect="report.ask_location")
    await person.send("location", *AZADI, expect="report.ask_photos")


async def test_exif_laden_file_comes_out_clean_everywhere(emu, office):
    original = exif_laden_jpeg()
    with Image.open(io.BytesIO(original)) as image:  # the test's photo does carry it all
        assert image.getexif()[ExifTags.Base.Model] == "Pixel 9 Pro"
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    citizen = Person(emu, 5401, "en")
    await walk_to_photos(citizen)
    mark = emu.mark()
    await citizen.send("document", "IMG_0001.jpg", "image/jpeg", content=original,
                       expect="report.photos_so_far")
    preview = await citizen.wait_for("report.photo_cleaned", after=mark, method="sendPhoto")
    shown = preview.result["photo"][-1]["file_id"]
    assert_clean(emu.file_content(shown))
    await citizen.press("v1:rep:photos:done", expect="report.ask_description")
    await citizen.press("v1:rep:desc:skip", expect="report.ask_contact")
    await citizen.press("v1:rep:contact:anonymous", expect="summary.title")
    received = await citizen.press("v1:rep:submit", expect="report.received")
    code = received.params["text"].split("<code>")[1].split("</code>")[0]
    [photo] = office.rows("SELECT * FROM report_photos")
    assert photo["kind"] == "photo" and photo["file_id"] == shown
    post = await posted(emu, office, code)
    assert_clean(emu.file_content(post["photo"][-1]["file_id"]))
    mina = office.people[9102]
    mark = emu.mark()
    await mina.send("text", f"/show {code}", expect="post.normal")
    sent = await emu.await_call(method="sendPhoto", chat_id=mina.id, after=mark)
    assert_clean(emu.file_content(sent.params["photo"]))
    stored_ids = {row["file_id"] for row in office.rows("SELECT file_id FROM report_photos")}
    assert stored_ids == {shown}  # the original's id is kept nowhere


async def test_fake_images_and_huge_files_are_refused_and_the_step_stays(emu, bot):
    citizen = Person(emu, 5402, "en")
    await walk_to_photos(citizen)
    await citizen.send("document", "photo.jpg", "image/jpeg", content=b"MZ\x90\x00" * 4096,
                       expect="error.not_an_image")
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
           b'<rect width="10" height="10"/></svg>')
    await citizen.send("document", "child.svg", "image/svg+xml", content=svg,
                       expect="error.not_an_image")
    huge = await citizen.send("document", "big.jpg", "image/jpeg",
                              content=b"\xff\xd8" + bytes(25 * 1024 * 1024),
                              expect="error.image_too_big")
    assert "20 MB" in text_of(huge)
    [draft] = bot.rows("SELECT answers FROM drafts")
    assert json.loads(draft["answers"])["photos"] == []
    # The step stayed: a real photo is taken now.
    await citizen.send("photo", expect="report.photos_so_far")
