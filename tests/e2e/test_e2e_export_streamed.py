"""A long export end to end: a progress message edited as rows are written, the file split into
parts (each with its header, captioned "part i of n"), every row exactly once, and the private
temporary folder gone afterwards."""

from __future__ import annotations

import csv
import gzip
import io
import os
import tempfile

from child_report_bot import i18n
from child_report_bot.handlers import staff_export
from child_report_bot.storage import stats
from child_report_bot.ui import export_files
from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import NASRIN, office  # noqa: F401


async def test_a_long_export_shows_progress_and_comes_in_parts(emu, office, monkeypatch):
    citizen = Person(emu, 5411, "fa")
    codes = [await file_report(citizen, activity="other", other_text=f"=cmd {i}")
             for i in range(4)]
    monkeypatch.setattr(staff_export, "PROGRESS_ROWS", 2)     # "long" from two rows
    monkeypatch.setattr(staff_export, "PROGRESS_SECONDS", 0)  # an edit after every batch
    monkeypatch.setattr(staff_export, "GZIP_ROWS", 4)
    monkeypatch.setattr(stats, "EXPORT_BATCH", 1)
    monkeypatch.setattr(export_files, "_CHECK_EVERY", 1)
    monkeypatch.setattr(export_files, "PART_BYTES", 1)         # a part a row
    folders, real_mkdtemp = [], tempfile.mkdtemp

    def remembered(**kwargs):
        folders.append(real_mkdtemp(**kwargs))
        return folders[-1]

    monkeypatch.setattr(staff_export.tempfile, "mkdtemp", remembered)
    nasrin = office.people[NASRIN]
    mark = emu.mark()
    await nasrin.send("text", "/export 1405/08/01 2099-01-01", expect="export.progress")
    ready = nasrin.expects("export.ready", count=4,
                           parts=i18n.plain(nasrin.language, "export.files", count=4))
    await emu.await_call(lambda call: ready in text_of(call), method="editMessageText",
                         after=mark)
    edits = emu.calls_to("editMessageText", chat_id=nasrin.id)
    assert len([c for c in edits if c.index > mark]) >= 3       # progress, then ready
    uploads = [c for c in emu.calls_to("sendDocument", chat_id=nasrin.id) if c.index > mark]
    assert [text_of(c).split(":")[0] for c in uploads] == [
        f"📄 Part {i} of 4" for i in range(1, 5)]
    rows = []
    for call in uploads:
        [upload] = call.files.values()
        assert upload.filename.endswith(".csv.gz")
        text = gzip.decompress(upload.content).decode("utf-8-sig")
        rows += list(csv.DictReader(io.StringIO(text)))
    assert [row["code"] for row in rows] == codes
    assert all(row["activity_other"].startswith("'=") for row in rows)
    [folder] = folders
    assert not os.path.exists(folder)
