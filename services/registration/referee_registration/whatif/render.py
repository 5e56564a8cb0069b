"""A what-if report for people: a text summary (CLI) and the changed decisions as a table (CSV with a
BOM and xlsx), in Chinese first or English; amounts as ¥1,200,000.00 and times in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..figures.tables import Cell, csv_bytes, xlsx_bytes
from .history import SHANGHAI
from .report import ChangedDecision, WhatIfReport

LANGUAGES = ("zh_CN", "en")

_WORDS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "title": "规则试算（what-if）：{draft} 替换 {replaced}",
        "period": "回放期间：{since} 至 {until}（最近 {months} 个月），报备 {registrations} 条，成交 {deals} 笔",
        "changed": "结论改变的报备：{count} 条",
        "locks": "锁定变化：{count} 项",
        "figures": "指标变化（全部伙伴）：",
        "money": "分账金额变化（按伙伴）：",
        "none": "（无）",
        "accepted": "受理并锁定",
        "rejected": "驳回",
        "held": "待复核",
        "granted": "新增锁定",
        "gone": "锁定取消",
        "expires_earlier": "提前到期",
        "expires_later": "延后到期",
        "moved": "锁定对象改变",
        "ended_differently": "结束方式改变",
        "lead_id": "报备编号",
        "partner": "伙伴",
        "customer": "客户",
        "product_line": "产品线",
        "received_at": "报备时间",
        "before_outcome": "现行结论",
        "before_reason": "现行理由",
        "before_rule": "现行规则版本",
        "after_outcome": "试算结论",
        "after_reason": "试算理由",
        "after_rule": "试算规则版本",
    },
    "en": {
        "title": "What-if: {draft} in place of {replaced}",
        "period": "Replayed: {since} to {until} (last {months} months), {registrations} registrations, {deals} deals",
        "changed": "Decisions that change: {count}",
        "locks": "Locks that change: {count}",
        "figures": "Figures (all partners):",
        "money": "Settlement amounts that differ (per partner):",
        "none": "(none)",
        "accepted": "accepted and locked",
        "rejected": "rejected",
        "held": "held for review",
        "granted": "lock granted",
        "gone": "lock gone",
        "expires_earlier": "expires earlier",
        "expires_later": "expires later",
        "moved": "locks another customer",
        "ended_differently": "ends differently",
        "lead_id": "lead id",
        "partner": "partner",
        "customer": "customer",
        "product_line": "product line",
        "received_at": "received at",
        "before_outcome": "outcome now",
        "before_reason": "reason now",
        "before_rule": "rule version now",
        "after_outcome": "outcome with the draft",
        "after_reason": "reason with the draft",
        "after_rule": "draft version",
    },
}


def words(language: str) -> dict[str, str]:
    return _WORDS.get(language, _WORDS["zh_CN"])


def yuan(amount: Decimal) -> str:
    """¥1,200,000.00; a negative difference as -¥12,000.00."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def local_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def text(report: WhatIfReport, language: str = "zh_CN") -> str:
    w = words(language)
    lines = [
        w["title"].format(draft=report.draft, replaced=", ".join(report.replaced) or "—"),
        w["period"].format(
            since=local_time(report.since),
            until=local_time(report.until),
            months=report.months,
            registrations=report.registrations,
            deals=report.deals_replayed,
        ),
        "",
        w["changed"].format(count=report.decisions_changed),
    ]
    for change in report.changed:
        lines.append(f"  {local_time(change.received_at)}  {change.partner_id}  {change.customer_name}")
        lines.append(f"    - {w.get(change.before.outcome, change.before.outcome)}: {change.before.reason}")
        lines.append(f"    + {w.get(change.after.outcome, change.after.outcome)}: {change.after.reason}")
    lines += ["", w["locks"].format(count=len(report.locks))]
    lines += [f"  {lock.partner_id}  {lock.lead_id}  {w.get(lock.change, lock.change)}" for lock in report.locks]
    lines += ["", w["figures"]]
    lines += [f"  {f.measure}: {f.before} → {f.after}" for f in report.figures if f.partner == "*"]
    lines += ["", w["money"]]
    lines += [
        f"  {s.party_id}: {yuan(s.before)} → {yuan(s.after)} ({'+' if s.difference > 0 else ''}{yuan(s.difference)})"
        for s in report.settlements
    ] or [f"  {w['none']}"]
    return "\n".join(lines) + "\n"


def changed_table(report: WhatIfReport, language: str = "zh_CN") -> tuple[list[str], list[list[Cell]]]:
    w = words(language)
    header = [
        w[k]
        for k in (
            "lead_id",
            "partner",
            "customer",
            "product_line",
            "received_at",
            "before_outcome",
            "before_reason",
            "before_rule",
            "after_outcome",
            "after_reason",
            "after_rule",
        )
    ]
    return header, [_line(change, w) for change in report.changed]


def _line(change: ChangedDecision, w: dict[str, str]) -> list[Cell]:
    return [
        str(change.lead_id),
        change.partner_id,
        change.customer_name,
        change.product_line,
        local_time(change.received_at),
        w.get(change.before.outcome, change.before.outcome),
        change.before.reason,
        change.before.rule_ref,
        w.get(change.after.outcome, change.after.outcome),
        change.after.reason,
        change.after.rule_ref,
    ]


def changed_csv(report: WhatIfReport, language: str = "zh_CN") -> bytes:
    return csv_bytes(*changed_table(report, language))


def changed_xlsx(report: WhatIfReport, language: str = "zh_CN") -> bytes:
    return xlsx_bytes("试算变化" if language == "zh_CN" else "what-if changes", *changed_table(report, language))
