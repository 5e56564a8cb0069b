"""A figures report as a flat table, and that table as files Excel opens: CSV (UTF-8 with a BOM, so
Chinese Excel reads it) and xlsx."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO, StringIO

from openpyxl import Workbook

from .report import FigureReport

Cell = str | int | Decimal | None


def flatten(report: FigureReport) -> tuple[list[str], list[list[Cell]]]:
    """One line per row of the report: period, group, side, every measure, every derived figure."""
    header = ["period", report.group_by.value if report.group_by else "group", "side", *report.measures]
    header += report.figures
    lines: list[list[Cell]] = []
    for row in report.rows:
        line: list[Cell] = [row.period, row.group, row.side]
        line += [row.counts.get(name, 0) for name in report.measures]
        line += [row.figures.get(name) for name in report.figures]
        lines.append(line)
    return header, lines


def csv_bytes(header: Sequence[str], lines: Sequence[Sequence[Cell]]) -> bytes:
    text = StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in line] for line in lines])
    return text.getvalue().encode("utf-8-sig")


def xlsx_bytes(title: str, header: Sequence[str], lines: Sequence[Sequence[Cell]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = title[:31]
    sheet.append(list(header))
    for line in lines:
        # Numbers stay numbers (Excel sums them); Decimal goes in as float only at this last step.
        sheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in line])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
