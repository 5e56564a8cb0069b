"""The pages added in the third round (photos, opening a dispute, users and roles), for the app to include."""

from __future__ import annotations

from fastapi import APIRouter

from . import admin_users, company_sign_in, partner_open_dispute, partner_photos


def third_round_routers() -> list[APIRouter]:
    return [partner_photos.router, partner_open_dispute.router, admin_users.router, company_sign_in.router]
