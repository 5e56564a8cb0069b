"""Dedup's HTTP API for reviewers, arbiters and administrators: verdicts with their explanations,
customers as dedup knows them, slice bindings, and a dry-run match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from referee_shared.auth import Principal, Role, require, require_region
from referee_shared.events.checks import DedupOutcome, MatchReason
from referee_shared.events.common import CustomerIdentity, PartyId
from referee_shared.outbox import Transactions
from referee_shared.reasons import statuses
from referee_shared.regions import region_key
from referee_shared.rules.dedup import DedupRules

from .domain.linking import explain
from .domain.matching import Thresholds, find_matches
from .domain.profile import profile
from .index_sync import profile_of, record_of
from .store import CustomerRepository
from .usecases import Dedup
from .usecases.bindings import CustomerNotFound, NoSliceNamed, SliceBindings


class VerdictView(BaseModel):
    lead_id: UUID
    outcome: str = Field(json_schema_extra=statuses(tuple(o.value for o in DedupOutcome), "dedup's verdict"))
    customer_key: str
    matched_customer_key: str | None
    protected_until: datetime | None
    reason_code: str
    reason: str
    explanation: list[MatchReason]
    rule_set: str
    rule_version: int
    tier: str | None
    review_task_id: str | None
    decided_at: datetime


class ClaimView(BaseModel):
    claim_key: str
    slice: str | None
    lead_id: UUID
    partner_id: str
    status: str
    protected_until: datetime


class CustomerView(BaseModel):
    customer_key: str
    name: str
    identity: dict[str, Any]
    normalised: dict[str, Any] = Field(description="what the matcher compares: name core, place, phone, street")
    tags: dict[str, Any]
    merged_into: str | None
    aliases: list[str]
    claims: list[ClaimView]
    slice_bindings: dict[str, str]


class Binding(BaseModel):
    partner_id: PartyId


class MatchView(BaseModel):
    customer_key: str
    name: str
    level: str
    score: float
    reasons: str


# Module level: the route annotations are strings (postponed), resolved against these globals.
READERS = Depends(require(Role.REVIEWER, Role.ARBITER))
ADMIN = Depends(require(Role.ADMIN))


def build_router(transactions: Transactions, dedup: Dedup) -> APIRouter:
    router = APIRouter(tags=["dedup"])
    bindings = SliceBindings(transactions)

    @router.get("/verdicts", summary="Every dedup verdict on a lead, oldest first, with its explanation")
    async def verdicts(lead_id: Annotated[UUID, Query()], who: Annotated[Principal, READERS]) -> list[VerdictView]:
        async with transactions.sessions() as session:
            customers = CustomerRepository(session)
            found = await customers.verdicts(lead_id)
            if not found:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no verdict for this lead")
            if who.regional:
                subject = await customers.get(found[-1].customer_key.split("#", 1)[0])
                require_region(who, subject.region if subject else None)
        return [VerdictView.model_validate(v, from_attributes=True) for v in found]

    @router.get("/customers/{customer_key}", summary="A customer as dedup knows it: identity, claims, slices")
    async def customer(customer_key: str, who: Annotated[Principal, READERS]) -> CustomerView:
        async with transactions.sessions() as session:
            customers = CustomerRepository(session)
            found = await customers.get(customer_key.split("#", 1)[0])
            if found is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such customer")
            require_region(who, found.region)
            known = profile_of(found)
            claims = await customers.claims_of_account(found.customer_key)
            bindings = await customers.bindings(found.customer_key)
            aliases = await customers.aliases_of(found.customer_key)
        return CustomerView(
            customer_key=found.customer_key,
            name=found.name,
            identity=found.identity,
            normalised={
                "core": known.core,
                "full": known.full,
                "place": known.place.describe(),
                "phone": known.phone,
                "street": known.street,
            },
            tags=found.tags or {},
            merged_into=found.merged_into,
            aliases=[a.customer_key for a in aliases],
            claims=[
                ClaimView(
                    claim_key=c.customer_key,
                    slice=c.slice,
                    lead_id=c.lead_id,
                    partner_id=c.partner_id,
                    status=c.status,
                    protected_until=c.protected_until,
                )
                for c in claims
            ],
            slice_bindings={b.slice: b.partner_id for b in bindings},
        )

    @router.put(
        "/customers/{customer_key}/slices/{department}",
        summary="Bind a slice (department, disease area, project) of a large account to a partner",
    )
    async def bind(
        customer_key: str, department: str, binding: Binding, who: Annotated[Principal, ADMIN]
    ) -> dict[str, str]:
        try:
            bound = await bindings.bind(customer_key, department, binding.partner_id, bound_by=who.subject)
        except CustomerNotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such customer") from exc
        except NoSliceNamed as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "name a department to bind") from exc
        return {"claim_key": bound.claim_key, "slice": bound.slice, "partner_id": bound.partner_id}

    @router.post("/matches", summary="Dry run: which known customers a customer would match, and why")
    async def matches(identity: CustomerIdentity, who: Annotated[Principal, READERS]) -> list[MatchView]:
        require_region(who, region_key(identity))
        rules = DedupRules()
        thresholds = Thresholds(rules.duplicate_threshold, rules.possible_threshold)
        async with transactions.sessions() as session:
            await dedup.follower.catch_up(session, transactions.clock.now())
        found = find_matches(dedup.follower.index, profile(record_of("probe", identity)), thresholds)
        return [
            MatchView(
                customer_key=dedup.follower.resolve(c.key),
                name=c.profile.name,
                level=c.level.value,
                score=round(c.score, 4),
                reasons=explain(c, thresholds),
            )
            for c in found.candidates
        ]

    return router
