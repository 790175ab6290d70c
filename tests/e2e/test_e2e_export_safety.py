"""Exports that cannot attack staff: a citizen's formula stays text in CSV and in xlsx, and the
xlsx file has its labels in the staff member's language with Persian intact."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from child_report_bot import i18n
from tests.support.flows import file_report
from tests.support.chat import Person
from tests.e2e.test_e2e_triage import NASRIN, office  # noqa: F401

FORMULA = '=HYPERLINK("http://example.com/x";"click me")'


async def _export(emu, person, command):
    mark = emu.mark()
    await person.send("text", command, expect="export.caption")
    call = await emu.await_call(method="sendDocument", chat_id=person.id, after=mark)
    [upload] = call.files.values()
    return upload


async def test_a_formula_in_the_csv_export_is_neutralised(emu, office):
    citizen = Person(emu, 5391, "fa")
    for text in (FORMULA, "+98 912", "@cmd", "\tTAB", "-1+2"):
        await file_report(citizen, activity="other", other_text=text)
    upload = await _export(emu, office.people[NASRIN], "/export 1405/08/01 2099-01-01")
    rows = list(csv.DictReader(io.StringIO(upload.content.decode("utf-8-sig"))))
    cells = [row["activity_other"] for row in rows]
    assert len(cells) == 5
    for cell in cells:
        assert cell[0] not in "=+-@\t\r", cell
    assert cells[0] == "'" + FORMULA


async def test_xlsx_export_keeps_text_as_text_with_labels_in_the_staff_language(emu, office):
    citizen = Person(emu, 5392, "fa")
    code = await file_report(citizen, activity="other", other_text=FORMULA)
    persian = await file_report(citizen, activity="other", other_text="واکس زدن کفش")
    nasrin = office.people[NASRIN]
    await nasrin.send("text", "/language", expect="language.choose")
    nasrin.language = "fa"
    await nasrin.press("v1:lang:set:fa", expect="language.set")
    upload = await _export(emu, nasrin, "/export xlsx ۱۴۰۵/۰۸/۰۱ 2099-01-01")
    assert upload.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(upload.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == i18n.plain("fa", "export.col_code")
    assert i18n.plain("fa", "export.col_activity_other") in header
    column = header.index(i18n.plain("fa", "export.col_activity_other"))
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    formula_cell = rows[code][column]
    assert formula_cell.value == FORMULA and formula_cell.data_type == "s"
    assert rows[persian][column].value == "واکس زدن کفش"
    assert sheet.sheet_view.rightToLeft
