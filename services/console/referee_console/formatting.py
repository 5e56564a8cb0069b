"""How numbers and times read for a person: ¥1,200,000.00 and times in their own time zone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal


def money(amount: Decimal | str | float | int | None, currency: str = "CNY", locale: str = "zh_CN") -> str:
    if amount is None or amount == "":
        return "—"
    if currency == "CNY":  # ¥ in every language (English locales would write CN¥)
        return "¥" + format_decimal(Decimal(str(amount)), format="#,##0.00", locale="zh_CN")
    return format_currency(Decimal(str(amount)), currency, locale=locale, format="¤#,##0.00")


def local_time(value: datetime | str | None, zone: ZoneInfo) -> str:
    """A moment as ``2026-12-03 20:19`` in the reader's zone; naive moments are taken as UTC."""
    moment = parse_moment(value)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "—"


def parse_moment(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment


def remaining(until: datetime | str | None, now: datetime) -> tuple[int, int] | None:
    """Whole days and hours left until a moment; None once it has passed or when there is none."""
    moment = parse_moment(until)
    if moment is None or moment <= now:
        return None
    seconds = int((moment - now).total_seconds())
    return seconds // 86400, (seconds % 86400) // 3600
