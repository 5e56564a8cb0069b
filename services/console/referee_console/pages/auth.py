"""Sign in, sign out, the language switch, and the way to each role's home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..i18n import LANGUAGES
from ..roles import HOME
from ..sessions import COOKIE, LANGUAGE_COOKIE
from ..users import User
from ..web import console, optional_user, render

router = APIRouter()
OptionalUser = Annotated[User | None, Depends(optional_user)]


def _local(path: str | None) -> str:
    """Only a path on this site may be a redirect target (no open redirect)."""
    return path if path and path.startswith("/") and not path.startswith("//") else "/"


@router.get("/", response_class=HTMLResponse)
async def home(user: OptionalUser) -> Response:
    return RedirectResponse(HOME[user.role] if user else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    company = request.app.state.company_sign_in.enabled
    return render(request, "login.html", user, next=_local(next), failed=False, company_sign_in=company)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    here = console(request)
    user = await here.users.authenticate(username.strip(), password)
    if user is None:
        company = request.app.state.company_sign_in.enabled
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            next=_local(next),
            failed=True,
            username=username,
            company_sign_in=company,
        )
    return start_session(request, user, next)


def start_session(request: Request, user: User, next: str) -> Response:
    """Sign the user in: the session cookie, and on to where the user was going (or the role's home)."""
    here = console(request)
    target = _local(next) if _local(next) != "/" else HOME[user.role]
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        here.signer.sign(user.username),
        max_age=here.signer.max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=here.settings.cookie_secure or request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/lang/{code}")
async def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(_local(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response
