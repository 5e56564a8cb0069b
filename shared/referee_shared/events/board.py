"""Payloads of the demand board (动态需求看板): plans and visits in (board.plans, board.visits), changes out.

What goes out on ``board.changes`` is what every partner entitled to the account may read: never an
amount, a price or a quote, and never who of another partner's staff went or what they noted.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import Field

from ..timebounds import BoundedDate, BoundedDatetime
from .common import CurrencyCode, Money, PartyId, ProductLine
from .envelope import Payload

CustomerKey = str


class PlanSource(StrEnum):
    """Where word of a procurement plan came from."""

    TENDER_NOTICE = "tender_notice"
    CUSTOMER_MEETING = "customer_meeting"
    PARTNER_REPORT = "partner_report"


class ProcurementPlanReported(Payload):
    """A partner reports what a shared account plans to buy, roughly how much and when."""

    event_type = "board.plan"

    plan_id: UUID = Field(description="chosen by the portal; reporting the same id twice is one plan")
    partner_id: PartyId
    customer_key: CustomerKey = Field(min_length=1, max_length=80, description="the account, as leads.locks names it")
    department: str | None = Field(default=None, max_length=100, description="slice of the account, if any")
    product_line: ProductLine
    item: str = Field(min_length=1, max_length=200, description="what the customer plans to buy")
    estimated_amount: Money | None = Field(default=None, ge=0, description="rough; only the reporter and staff see it")
    currency: CurrencyCode = "CNY"
    expected_on: BoundedDate | None = Field(default=None, description="when the purchase is expected")
    source: PlanSource
    notes: str = Field(default="", max_length=2000, description="only the reporter and staff see it")


class VisitStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"


class VisitReported(Payload):
    """A partner plans a visit to a contact of a shared account, or reports it done (same ``visit_id``)."""

    event_type = "board.visit"

    visit_id: UUID = Field(description="chosen by the portal; report it again with status done after the visit")
    partner_id: PartyId
    customer_key: CustomerKey = Field(min_length=1, max_length=80)
    department: str | None = Field(default=None, max_length=100)
    product_line: ProductLine
    contact: str = Field(min_length=1, max_length=100, description="whom: e.g. 骨科 王主任")
    visit_on: BoundedDate = Field(description="the day of the visit, Asia/Shanghai")
    status: VisitStatus
    visited_by: str = Field(min_length=1, max_length=100, description="the partner's salesperson; hidden from others")
    notes: str = Field(default="", max_length=2000, description="only the reporter and staff see it")


class BoardChange(StrEnum):
    PLAN_ADDED = "plan_added"
    VISIT_PLANNED = "visit_planned"
    VISIT_DONE = "visit_done"
    VISIT_CLASH = "visit_clash"
    """a planned visit to a contact another partner visits within the rule's window: both partners hear it"""
    CLASH_VISITED = "clash_visited"
    """a clashing visit happened anyway: a reviewer is asked to look (a task in the inbox)"""


class BoardChanged(Payload):
    """Something new on a shared account's board, in words every entitled partner may read."""

    event_type = "board.changed"

    customer_key: CustomerKey
    change: BoardChange
    partner_id: PartyId = Field(description="the partner whose plan or visit this is")
    subject_id: UUID = Field(description="the plan or visit")
    slice: str | None = None
    product_line: ProductLine
    item: str | None = Field(default=None, description="a plan's what (never its amount)")
    contact: str | None = None
    on: BoundedDate | None = Field(default=None, description="a plan's expected day or a visit's day")
    partners: list[PartyId] = Field(
        default_factory=list, description="every partner a clash concerns; each of them is told"
    )
    other_visits: list[UUID] = Field(default_factory=list, description="the visits a clash collides with")
    review_task_id: str | None = Field(default=None, description="the reviewer task a clash that happened opened")
    rule_set: str
    rule_version: int
    at: BoundedDatetime
