"""The streamed export files: parts under the size limit, gzip, 0600 files, formulas kept as
text in CSV and xlsx, and the fast Jalali stamp equal to ``timefmt.jalali`` (DST included)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import random

from openpyxl import load_workbook

from child_report_bot.domain.clock import to_stored
from child_report_bot.domain.timefmt import jalali
from child_report_bot.i18n import Translator
from child_report_bot.ui import export_files
from child_report_bot.ui.export_files import ExportParts, jalali_stamp

COLUMNS = ("code", "activity_other", "children_count")
FORMULA = '=HYPERLINK("http://example.com/x";"click me")'


def _rows(n: int):
    return [(f"R{i:05d}", FORMULA if i % 50 == 0 else "شال‌فروشی " * 5, i % 7) for i in range(n)]


def test_the_jalali_stamp_is_timefmt_jalali_also_across_dst():
    rng = random.Random(3)
    start = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)  # Iran kept DST until 2022
    moments = [start + dt.timedelta(seconds=rng.randrange(8 * 365 * 86400)) for _ in range(3000)]
    moments += [dt.datetime(2021, 3, 20, 20, 29, 59, tzinfo=dt.UTC) + dt.timedelta(seconds=s)
                for s in range(0, 7200, 60)]  # around the 2021 spring change
    for moment in moments:
        assert jalali_stamp(to_stored(moment)) == jalali(moment), moment


def test_csv_parts_stay_under_the_limit_and_each_has_its_header(tmp_path, monkeypatch):
    monkeypatch.setattr(export_files, "_CHECK_EVERY", 10)
    writer = ExportParts("csv", COLUMNS, Translator("en"), tmp_path, "r", part_bytes=20_000)
    writer.write(_rows(1000))
    paths = writer.close()
    assert len(paths) > 2 and writer.rows == 1000
    back = []
    for path in paths:
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.stat().st_size < 20_000 + 10 * 200  # a check every 10 rows of < 200 bytes
        content = path.read_bytes()
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        back += rows
    assert [row["code"] for row in back] == [f"R{i:05d}" for i in range(1000)]
    assert back[0]["activity_other"] == "'" + FORMULA  # through defusedcsv
    assert back[1]["activity_other"] == "شال‌فروشی " * 5


def test_gzipped_csv_reads_back_whole(tmp_path):
    writer = ExportParts("csv", COLUMNS, Translator("en"), tmp_path, "r", compress=True)
    writer.write(_rows(3000))
    [path] = writer.close()
    assert path.name == "r-1.csv.gz" and path.stat().st_mode & 0o777 == 0o600
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text)))) == 3000


def test_xlsx_parts_split_by_rows_and_keep_formulas_as_text(tmp_path):
    writer = ExportParts("xlsx", COLUMNS, Translator("fa"), tmp_path, "r", xlsx_rows=120)
    writer.write(_rows(300))
    paths = writer.close()
    assert [p.name for p in paths] == ["r-1.xlsx", "r-2.xlsx", "r-3.xlsx"]
    sheet = load_workbook(paths[0]).active
    assert sheet.sheet_view.rightToLeft and sheet.max_row == 121
    assert sheet["B2"].value == FORMULA and sheet["B2"].data_type == "s"
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in paths)
