"""Tables as files finance opens in Excel: CSV in UTF-8 with a BOM (so Chinese Excel reads it) and xlsx."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from io import BytesIO, StringIO

from openpyxl import Workbook

Row = Sequence[object]


def csv_bytes(header: Row, rows: Sequence[Row]) -> bytes:
    text = StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheet_title: str, header: Row, rows: Sequence[Row]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = sheet_title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
