"""Batch linking files: reading customer CSVs (reporting bad rows by line) and writing a row per record.

A row that cannot be read is skipped and reported; a row whose credit code fails its check digit is
kept (the code is left out of matching, and the row's reasons say so). The output has a row for every
incoming record, ``unique`` ones too, so it can be joined back; as CSV (optionally with a BOM for
Excel) or as xlsx.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from referee_shared.events.common import validate_uscc

from .domain.linking import Link
from .domain.profile import CustomerRecord
from .domain.reasons_zh import VERDICTS_ZH

REQUIRED = ("id", "name")
OUTPUT = (
    "incoming_id",
    "existing_id",
    "verdict",
    "verdict_zh",
    "score",
    "reason_codes",
    "reasons",
    "reasons_zh",
    "notes",
)
UNIQUE = "unique"


@dataclass(frozen=True, slots=True)
class BadRow:
    path: Path
    line: int
    reason: str
    kept: bool = False  # the row was linked all the same (only one field of it was ignored)


@dataclass(frozen=True, slots=True)
class OutputRow:
    incoming_id: str
    existing_id: str
    verdict: str
    verdict_zh: str
    score: str
    reason_codes: str
    reasons: str
    reasons_zh: str
    notes: str


def rows_of(record: CustomerRecord, links: list[Link], notes: list[str]) -> list[OutputRow]:
    """The output rows of one incoming record: its links, or one ``unique`` row when it has none."""
    note = "; ".join(notes)
    if not links:
        reason = "no existing customer scored at or above the possible threshold"
        return [
            OutputRow(record.key, "", UNIQUE, VERDICTS_ZH[UNIQUE], "", "", reason, "未找到重复或疑似重复的客户", note)
        ]
    return [
        OutputRow(
            link.incoming_id,
            link.existing_id,
            link.verdict.value,
            VERDICTS_ZH[link.verdict.value],
            f"{link.score:.4f}",
            link.codes,
            link.reasons,
            link.reasons_zh,
            note,
        )
        for link in links
    ]


def read_customers(path: Path, problems: list[BadRow]) -> Iterator[CustomerRecord]:
    """Customers of a UTF-8 CSV with a header; a malformed row is added to ``problems`` and skipped."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(BadRow(path, 1, f"header lacks column(s) {', '.join(missing)}"))
            return
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            try:
                record = _record(row)
            except ValueError as exc:
                problems.append(BadRow(path, line, str(exc)))
                continue
            if record.key in seen:
                problems.append(BadRow(path, line, f"id {record.key!r} appears again"))
                continue
            seen.add(record.key)
            if record.uscc and (invalid := _invalid_uscc(record.uscc)):
                problems.append(BadRow(path, line, f"credit code {record.uscc} ignored: {invalid}", kept=True))
            yield record


def _invalid_uscc(code: str) -> str | None:
    try:
        validate_uscc(code)
    except ValueError as exc:
        return str(exc)
    return None


def count_rows(path: Path) -> int:
    """About how many records a CSV holds (its lines less the header), for a progress bar."""
    with path.open("rb") as source:
        return max(0, sum(1 for _ in source) - 1)


def _record(row: dict[str, str | None]) -> CustomerRecord:
    if None in row:
        raise ValueError("more fields than the header has columns")

    def field(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    key, name = field("id"), field("name")
    if key is None or name is None:
        raise ValueError("id and name must not be empty")
    uscc = field("uscc")
    return CustomerRecord(
        key=key,
        name=name,
        uscc=uscc.upper() if uscc else None,  # the matcher leaves an invalid code out, and says so
        phone=field("phone"),
        address=field("address"),
        province=field("province"),
        city=field("city"),
        district=field("district"),
        lat=_coordinate(field("lat"), "lat", 90),
        lon=_coordinate(field("lon"), "lon", 180),
    )


def _coordinate(text: str | None, name: str, limit: float) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not -limit <= value <= limit:
        raise ValueError(f"{name} {value} is out of range")
    return value


def write_rows(path: Path, rows: Iterable[OutputRow], *, bom: bool = False) -> int:
    """Write the rows as xlsx when ``path`` ends in .xlsx, else as CSV (UTF-8, with a BOM if asked)."""
    if path.suffix.lower() == ".xlsx":
        return _write_xlsx(path, rows)
    count = 0
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(OUTPUT)
        for row in rows:
            writer.writerow(_values(row))
            count += 1
    return count


def _write_xlsx(path: Path, rows: Iterable[OutputRow]) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("links")
    sheet.append(list(OUTPUT))
    count = 0
    for row in rows:
        sheet.append(list(_values(row)))
        count += 1
    book.save(path)
    return count


def _values(row: OutputRow) -> tuple[str, ...]:
    return tuple(getattr(row, column) for column in OUTPUT)


def source_stamp(source: Path) -> dict[str, object]:
    """What a saved index of ``source``'s customers is stamped with: the file's name, size and time."""
    stat = source.stat()
    return {"source": source.name, "size": stat.st_size, "mtime": stat.st_mtime_ns}
