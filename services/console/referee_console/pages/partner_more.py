"""The partner's pages beyond registering and following a lead, gathered under one router for the app."""

from __future__ import annotations

from fastapi import APIRouter

from . import partner_disputes, partner_extension, partner_hint, partner_statements

router = APIRouter()
for module in (partner_extension, partner_disputes, partner_statements, partner_hint):
    router.include_router(module.router)
