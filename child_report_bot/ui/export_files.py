"""The /export files: CSV and xlsx that no spreadsheet runs as a formula.

CSV goes through ``defusedcsv`` (a maintained drop-in for ``csv`` that quotes cells a
spreadsheet would evaluate); tab and carriage return, which it leaves alone, get the same
apostrophe prefix here. The xlsx file stores every text cell as a string, so openpyxl never
writes a formula, and keeps the text exactly as typed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from defusedcsv import csv as safe_csv
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from child_report_bot.i18n import Translator

LABELS = {  # written out so the catalog test sees every key in use
    "code": "export.col_code",
    "created_at": "export.col_created_at",
    "queue": "export.col_queue",
    "rule": "export.col_rule",
    "region": "export.col_region",
    "status": "export.col_status",
    "urgent": "export.col_urgent",
    "danger": "export.col_danger",
    "activity": "export.col_activity",
    "activity_other": "export.col_activity_other",
    "age_band": "export.col_age_band",
    "children_count": "export.col_children_count",
    "location_kind": "export.col_location_kind",
    "latitude": "export.col_latitude",
    "longitude": "export.col_longitude",
    "place_verified": "export.col_place_verified",
    "first_claimed_at": "export.col_first_claimed_at",
    "closed_at": "export.col_closed_at",
    "outcome": "export.col_outcome",
    "duplicate_of": "export.col_duplicate_of",
    "created_jalali": "export.col_created_jalali",
}

_ALSO_DANGEROUS = ("\t", "\r")  # OWASP's list; defusedcsv covers = + - @ | %


def _neutral(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_ALSO_DANGEROUS):
        return "'" + value
    return value


def labels(columns: Sequence[str], tr: Translator) -> list[str]:
    """The column headings in the staff member's language."""
    return [tr.plain(LABELS[column]) for column in columns]


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A UTF-8 CSV with a BOM (so spreadsheets read Persian), every risky cell neutralised.

    The header keeps the column names, which scripts read; the xlsx file is the one for people.
    """
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_neutral(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]], tr: Translator) -> bytes:
    """An xlsx workbook: labelled header, text kept as text, right-to-left for Persian."""
    book = Workbook()
    sheet = book.active
    sheet.title = tr.plain("export.sheet_title")[:31]
    sheet.sheet_view.rightToLeft = tr.language == "fa"
    sheet.append(labels(columns, tr))
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # a citizen's "=…" is text, never a formula
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters xlsx cannot hold
    return value
