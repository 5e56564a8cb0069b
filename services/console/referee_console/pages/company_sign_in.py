"""Sign-in through the company's OIDC provider, when one is configured; local passwords stay the default."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from ..oidc import FLOW_COOKIE, FLOW_SECONDS, CompanySignIn, SignInRefused
from ..web import console, render
from .auth import _local, start_session

router = APIRouter(prefix="/login/oidc")
log = logging.getLogger("referee.console.oidc")


def company(request: Request) -> CompanySignIn:
    found: CompanySignIn = request.app.state.company_sign_in
    if not found.enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "sign-in through a company account is not set up")
    return found


@router.get("")
async def begin(request: Request, next: str = "/") -> Response:
    started = await company(request).start(_local(next))
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        started.cookie,
        max_age=FLOW_SECONDS,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET, which Lax lets through
        secure=console(request).settings.cookie_secure or request.url.scheme == "https",
        path="/login/oidc",
    )
    return response


@router.get("/callback")
async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    refused = None
    if error or not code:
        refused = f"the provider answered {error or 'without a code'}"
    else:
        try:
            username, next_path = await company(request).finish(request.cookies.get(FLOW_COOKIE), state, code)
        except SignInRefused as exc:
            refused = str(exc)
    user = None if refused else await console(request).users.get(username)
    if user is None:
        log.warning("company sign-in refused: %s", refused or f"no enabled console user {username!r}")
        page = render(request, "login.html", None, status_code=403, next="/", failed=False, company_refused=True)
        page.delete_cookie(FLOW_COOKIE, path="/login/oidc")
        return page
    response = start_session(request, user, next_path)
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
    return response
