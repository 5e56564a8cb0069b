"""Batch linking files: reading customer CSVs (reporting bad rows by line) and writing the links."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from referee_shared.events.common import validate_uscc

from .domain.linking import Link
from .domain.profile import CustomerRecord

REQUIRED = ("id", "name")
OUTPUT = ("incoming_id", "existing_id", "verdict", "score", "reasons")


@dataclass(frozen=True, slots=True)
class BadRow:
    path: Path
    line: int
    reason: str


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
            yield record


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
        uscc=validate_uscc(uscc) if uscc else None,
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


def write_links(path: Path, links: Iterator[Link]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(OUTPUT)
        for link in links:
            writer.writerow((link.incoming_id, link.existing_id, link.verdict.value, f"{link.score:.4f}", link.reasons))
            count += 1
    return count
