"""What every page needs: the signed-in user, the reader's language and zone, and rendering a template."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from . import formatting, labels
from .clients import Services
from .i18n import LANGUAGES, choose_language
from .reasons import reason_text
from .roles import ConsoleRole
from .sessions import COOKIE, LANGUAGE_COOKIE, SessionSigner
from .settings import ConsoleSettings
from .task_titles import task_title
from .users import User, Users

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals["task_title"] = task_title
TEMPLATES.env.globals["reason_text"] = reason_text
TEMPLATES.env.globals["role_label"] = lambda code: labels.label(labels.ROLES, code)
TEMPLATES.env.globals["settlement_label"] = lambda code: labels.label(labels.SETTLEMENT_STATES, code)


@dataclass
class Console:
    """Everything the pages share, built once by the app factory and kept in app.state."""

    settings: ConsoleSettings
    users: Users
    services: Services
    signer: SessionSigner
    catalogues: dict[str, gettext.NullTranslations]
    zone: ZoneInfo


def console(request: Request) -> Console:
    found: Console = request.app.state.console
    return found


def language(request: Request) -> str:
    return choose_language(
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
        console(request).settings.default_locale,
    )


class SignInRequired(Exception):
    """Raised when a page needs a user and there is none; the app answers with the sign-in page."""


async def optional_user(request: Request) -> User | None:
    username = console(request).signer.username(request.cookies.get(COOKIE))
    return await console(request).users.get(username) if username else None


async def signed_in(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise SignInRequired()
    return user


def allowed(*roles: ConsoleRole) -> Any:
    """A dependency admitting the given roles; admin is always admitted."""

    async def check(user: Annotated[User, Depends(signed_in)]) -> User:
        if user.role is not ConsoleRole.ADMIN and user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this page is not for your role")
        return user

    return Depends(check)


def render(request: Request, template: str, user: User | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    here = console(request)
    lang = language(request)
    catalogue = here.catalogues[lang]
    now = datetime.now(UTC)
    locale = "zh_CN" if lang == "zh_CN" else "en"
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "lang": lang,
            "languages": LANGUAGES,
            "_": _translator(catalogue),
            "ngettext": catalogue.ngettext,
            "money": lambda amount, currency="CNY": formatting.money(amount, currency, locale),
            "when": lambda moment: formatting.local_time(moment, here.zone),
            "remaining": lambda until: formatting.remaining(until, now),
            "now": now,
            "zone_name": here.settings.time_zone,
            "status_label": lambda code: labels.label(labels.STATUSES, code),
            "product_label": lambda code: labels.label(labels.PRODUCT_LINES, code),
            "kind_label": lambda code: labels.label(labels.TASK_KINDS, code),
            "choice_label": lambda code: labels.label(labels.CHOICES, code),
            "bucket_label": lambda code: labels.label(labels.BUCKETS, code),
            "group_label": lambda code: labels.label(labels.GROUPS, code),
            "uuid": uuid4,
            "details_table": details_table,
            **context,
        },
        status_code=status_code,
    )


def details_table(details: dict[str, Any]) -> Markup:
    """A task's details as a definition list: nested values flattened, everything escaped."""
    rows = []
    for key, value in details.items():
        if isinstance(value, dict):
            shown = "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {}))
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = "" if value is None else str(value)
        if shown:
            rows.append(f"<dt>{escape(key)}</dt><dd>{escape(shown)}</dd>")
    return Markup('<dl class="details">' + "".join(rows) + "</dl>")


def _translator(catalogue: gettext.NullTranslations) -> Any:
    def translate(message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text

    return translate
