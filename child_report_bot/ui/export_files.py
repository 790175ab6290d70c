"""The /export files: CSV and xlsx that no spreadsheet runs as a formula, written row by row.

CSV goes through ``defusedcsv`` (a maintained drop-in for ``csv`` that quotes cells a
spreadsheet would evaluate); tab and carriage return, which it leaves alone, get the same
apostrophe prefix here. The xlsx file (openpyxl's write-only mode, which streams rows to disk)
stores every text cell as a string, so it never holds a formula, and keeps the text as typed.

Nothing is built in memory: ``ExportParts`` writes to files 0600 in a private temporary folder
and starts a new part before one would pass Telegram's 50 MB upload limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import csv as plain_csv
import gzip
import io
import os
from collections.abc import Sequence
from pathlib import Path

import jdatetime
from defusedcsv import csv as safe_csv
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from child_report_bot.domain.timefmt import DEFAULT_ZONE
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

PART_BYTES = 45 * 2**20    # a part closes past this: under Telegram's 50 MB with room to spare
XLSX_PART_ROWS = 250_000   # xlsx size is known only when saved: ~60 B a row, ~15 MiB a part
_CHECK_EVERY = 500         # rows between two looks at a CSV part's size
_ALSO_DANGEROUS = ("\t", "\r")  # OWASP's list; defusedcsv covers = + - @ | %
_RISKY_FIRST = frozenset("=+-@|%\t\r")  # first characters that send a row through defusedcsv


def _neutral(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_ALSO_DANGEROUS):
        return "'" + value
    return value


def labels(columns: Sequence[str], tr: Translator) -> list[str]:
    """The column headings in the staff member's language."""
    return [tr.plain(LABELS[column]) for column in columns]


@functools.lru_cache(maxsize=4096)
def _jalali_day(day: dt.date) -> str:
    jalali = jdatetime.date.fromgregorian(date=day)
    return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"


@functools.lru_cache(maxsize=8192)
def _hour_offset(hour: str, zone: dt.tzinfo) -> dt.timedelta | None:
    """The zone's offset through one UTC hour (``2026-11-22T10``), or None if it changes."""
    start = dt.datetime.fromisoformat(f"{hour}:00:00+00:00")
    first = start.astimezone(zone).utcoffset()
    last = (start + dt.timedelta(seconds=3599)).astimezone(zone).utcoffset()
    return first if first == last else None


def jalali_stamp(stored: str, zone: dt.tzinfo = DEFAULT_ZONE) -> str:
    """``timefmt.jalali`` of a stored time, with the zone and calendar work done once an hour
    and once a day (it is ~80 µs a row otherwise: half a minute for a year's export)."""
    moment = dt.datetime.fromisoformat(stored)
    offset = _hour_offset(stored[:13], zone) if moment.utcoffset() == dt.timedelta(0) else None
    local = moment + offset if offset is not None else moment.astimezone(zone)
    return "%s %02d:%02d" % (_jalali_day(local.date()), local.hour, local.minute)


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 (writers that reopen it keep the mode)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    return path


class ExportParts:
    """Rows written straight to one or more files: ``.csv``, ``.csv.gz`` or ``.xlsx``.

    ``write`` and ``close`` do blocking file work: the handler runs them in a thread.
    """

    def __init__(self, kind: str, columns: Sequence[str], tr: Translator, folder: Path,
                 stem: str, compress: bool = False, part_bytes: int | None = None,
                 xlsx_rows: int | None = None) -> None:
        self.kind, self.columns, self.tr = kind, list(columns), tr
        self.folder, self.stem, self.compress = folder, stem, compress
        self.part_bytes = part_bytes or PART_BYTES
        self.xlsx_rows = xlsx_rows or XLSX_PART_ROWS
        self.paths: list[Path] = []
        self.rows = 0
        self._in_part = 0
        self._open = None

    @property
    def suffix(self) -> str:
        if self.kind == "xlsx":
            return ".xlsx"
        return ".csv.gz" if self.compress else ".csv"

    def write(self, rows: Sequence[Sequence[object]]) -> None:
        """Append rows, starting a new part whenever the current one is full."""
        for row in rows:
            if self._open is None:
                self._start()
            if self.kind == "xlsx":
                self._sheet.append([_xlsx_cell(self._sheet, value) for value in row])
            elif any(type(value) is str and value[:1] in _RISKY_FIRST for value in row):
                self._safe_csv.writerow([_neutral(value) for value in row])
            else:  # nothing a spreadsheet could run: the C writer alone, 10× faster
                self._csv.writerow(row)
            self.rows += 1
            self._in_part += 1
            if self._full():
                self._finish()

    def close(self) -> list[Path]:
        """Finish the last part; the files, in order."""
        if self._open is not None:
            self._finish()
        return self.paths

    def _full(self) -> bool:
        if self.kind == "xlsx":
            return self._in_part >= self.xlsx_rows
        if self._in_part % _CHECK_EVERY:
            return False
        self._text.flush()
        return self._raw.tell() >= self.part_bytes

    def _start(self) -> None:
        path = private_file(self.folder / f"{self.stem}-{len(self.paths) + 1}{self.suffix}")
        self.paths.append(path)
        self._in_part = 0
        if self.kind == "xlsx":
            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet(self.tr.plain("export.sheet_title")[:31])
            self._sheet.sheet_view.rightToLeft = self.tr.language == "fa"
            self._sheet.freeze_panes = "A2"
            self._sheet.append(labels(self.columns, self.tr))
            self._open = path
            return
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in _finish
        # level 6: zlib's default, several times faster than gzip's 9 for a few % more bytes
        inner = (gzip.GzipFile(filename=path.name.removesuffix(".gz"), mode="wb",
                               fileobj=self._raw, compresslevel=6)
                 if self.compress else self._raw)
        # UTF-8 with a BOM, so spreadsheets read Persian; the header keeps the column names,
        # which scripts read (the xlsx file is the one for people).
        self._text = io.TextIOWrapper(inner, encoding="utf-8-sig", newline="")
        # Both writers share the stream and the dialect; rows with a cell that starts like a
        # formula go through defusedcsv, which quotes it.
        self._safe_csv = safe_csv.writer(self._text)
        self._csv = plain_csv.writer(self._text)
        self._csv.writerow(self.columns)
        self._open = path

    def _finish(self) -> None:
        if self.kind == "xlsx":
            self._book.save(self._open)
        else:
            self._text.close()  # closes the gzip stream too; GzipFile leaves fileobj open
            self._raw.close()
        self._open = None


def _xlsx_cell(sheet, value: object) -> object:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters xlsx cannot hold
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # a citizen's "=…" is text, never a formula
    return cell
