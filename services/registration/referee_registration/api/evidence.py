"""The evidence trail over HTTP, for arbiters: the whole bundle of a customer or lead, and its verification.

Arbitration fetches these with a token of role arbiter (or admin); docs/registration.md gives the
JSON shape and how to verify a bundle independently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.responses import PlainTextResponse

from referee_shared.auth import Role, require

from ..usecases.locks import LeadNotFound
from ..views.evidence import EvidenceBundle, EvidenceQueries, TrailNotFound, VerificationView
from ..views.evidence_text import render_bundle


class BundleFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


def build_router(evidence: EvidenceQueries) -> APIRouter:
    router = APIRouter(prefix="/evidence", tags=["evidence"], dependencies=[Depends(require(Role.ARBITER))])

    def answer(bundle: EvidenceBundle, form: BundleFormat) -> EvidenceBundle | Response:
        if form is BundleFormat.TEXT:
            return PlainTextResponse(render_bundle(bundle))
        return bundle

    @router.get(
        "/customers/{customer_key}",
        response_model=EvidenceBundle,
        summary="The whole evidence bundle of a customer (format=text for a readable rendering)",
    )
    async def customer_bundle(customer_key: str, format: BundleFormat = BundleFormat.JSON) -> EvidenceBundle | Response:
        with _not_found():
            return answer(await evidence.for_customer(customer_key), format)

    @router.get(
        "/leads/{lead_id}",
        response_model=EvidenceBundle,
        summary="The evidence bundle of the customer a lead claims (format=text for a readable rendering)",
    )
    async def lead_bundle(lead_id: UUID, format: BundleFormat = BundleFormat.JSON) -> EvidenceBundle | Response:
        with _not_found():
            return answer(await evidence.for_lead(lead_id), format)

    @router.get("/customers/{customer_key}/verify", summary="Check a customer's chain; names every tampered record")
    async def verify_customer(customer_key: str) -> VerificationView:
        with _not_found():
            return await evidence.verify_customer(customer_key)

    @router.get("/leads/{lead_id}/verify", summary="Check the chain of the customer a lead claims")
    async def verify_lead(lead_id: UUID) -> VerificationView:
        with _not_found():
            return await evidence.verify_lead(lead_id)

    return router


@contextmanager
def _not_found() -> Iterator[None]:
    try:
        yield
    except (TrailNotFound, LeadNotFound) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
