"""The admin's users and roles: every console user with its role, partner or regions; create one; disable
or enable one. The partner, channel and regions set here are what the services' tokens carry later."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, render

router = APIRouter(prefix="/admin/users")
Admin = Annotated[User, allowed(ConsoleRole.ADMIN)]
CHANNELS = ("dealer", "agent", "direct")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}$")
PARTNER_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")  # the contract's party id
MIN_PASSWORD = 10


async def _page(request: Request, user: User, *, status_code: int = 200, problem: str | None = None) -> Response:
    return render(
        request,
        "admin/users.html",
        user,
        status_code=status_code,
        people=await console(request).users.all(),
        roles=list(ConsoleRole),
        channels=CHANNELS,
        problem=problem,
        min_password=MIN_PASSWORD,
    )


@router.get("", response_class=HTMLResponse)
async def users_and_roles(request: Request, user: Admin) -> Response:
    return await _page(request, user)


def _problem(
    username: str, password: str, role: ConsoleRole, partner_id: str, channel: str, regions: list[str]
) -> str | None:
    """What is wrong with a new user, as the admin should read it; None when nothing is."""
    if not USERNAME.match(username):
        return "username"
    if len(password) < MIN_PASSWORD:
        return "password"
    if role is ConsoleRole.PARTNER and (not PARTNER_ID.match(partner_id) or channel not in CHANNELS):
        return "partner"
    if role is ConsoleRole.REVIEWER and not regions:
        return "regions"
    return None


@router.post("", response_class=HTMLResponse)
async def create_user(
    request: Request,
    user: Admin,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[ConsoleRole, Form()],
    partner_id: Annotated[str, Form(max_length=64)] = "",
    channel: Annotated[str, Form(max_length=16)] = "",
    regions: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    username, partner_id = username.strip().lower(), partner_id.strip()
    region_list = [r for r in re.split(r"[,，、\s]+", regions.strip()) if r]
    problem = _problem(username, password, role, partner_id, channel, region_list)
    if problem is not None:
        return await _page(request, user, status_code=422, problem=problem)
    try:
        await console(request).users.add(
            username,
            password,
            display_name=display_name.strip(),
            role=role,
            partner_id=partner_id or None,
            channel=channel or None,
            regions=region_list,
        )
    except IntegrityError:
        return await _page(request, user, status_code=409, problem="taken")
    return RedirectResponse("/admin/users?created=1", status_code=303)


@router.post("/{username}/disabled", response_class=HTMLResponse)
async def disable_or_enable(
    request: Request, user: Admin, username: str, disabled: Annotated[bool, Form()]
) -> Response:
    if username == user.username and disabled:
        return await _page(request, user, status_code=409, problem="self")
    if not await console(request).users.set_disabled(username, disabled):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    return RedirectResponse("/admin/users?changed=1", status_code=303)
