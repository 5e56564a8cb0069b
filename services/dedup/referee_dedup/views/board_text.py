"""The demand board as text, for `referee board` in a terminal: amounts as ¥1,200,000.00, days as dates."""

from __future__ import annotations

from decimal import Decimal

from .board import AccountBoard, AccountSummary

SOURCES = {"tender_notice": "招标公告", "customer_meeting": "客户会议", "partner_report": "伙伴报告"}
STATUS = {"planned": "计划", "done": "已拜访"}


def money(amount: Decimal | None, currency: str = "CNY") -> str:
    if amount is None:
        return "—"
    sign = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{amount:,.2f}"


def render_board(board: AccountBoard) -> str:
    holders = "、".join(f"{s if s != '*' else '整体'}: {p}" for s, p in sorted(board.holders.items())) or "—"
    lines = [
        f"{board.name} ({board.customer_key}, {board.region})",
        f"  分片 / slices: {holders}",
        "",
        "采购计划 / plans:",
    ]
    for plan in board.plans:
        when = plan.expected_on.isoformat() if plan.expected_on else "?"
        lines.append(
            f"  {when}  {plan.item}  {money(plan.estimated_amount, plan.currency)}  {plan.partner_id}"
            f"  [{SOURCES.get(plan.source, plan.source)}]" + (f"  {plan.slice}" if plan.slice else "")
        )
    lines += ["", "拜访 / visits:"]
    for visit in board.visits:
        marks = ("  本周" if visit.this_week else "") + ("  ⚠ 撞单" if visit.clash else "")
        by = f" ({visit.visited_by})" if visit.visited_by else ""
        lines.append(
            f"  {visit.visit_on.isoformat()}  {visit.contact}  {STATUS.get(visit.status, visit.status)}"
            f"  {visit.partner_id}{by}{marks}"
        )
    return "\n".join(lines)


def render_accounts(accounts: list[AccountSummary]) -> str:
    if not accounts:
        return "没有可见的共享客户 / no boards to show"
    return "\n".join(
        f"{a.customer_key}  {a.name}  {a.region}  计划 {a.plans}  本周拜访 {a.visits_this_week}  撞单 {a.clashes}"
        for a in accounts
    )
