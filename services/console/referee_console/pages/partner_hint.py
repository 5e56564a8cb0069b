"""Before a partner submits: is this customer already protected, and until when — never by whom.

Dedup's dry run says which known customers the typed one would match; the console's own record of
leads.locks says which of them are protected now. Dedup's dry run is a staff read, so the console asks
it as a reviewer of the typed customer's province, and shows the partner only "protected until …"
(or "by you", when the lock is the partner's own): no name, no partner, no score.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from referee_shared.regions import province_of

from ..clients import ServiceRefused
from ..rate_limit import RateLimit
from ..roles import ConsoleRole
from ..users import User
from ..web import console, render
from .notifications import centre
from .partner import Partner

router = APIRouter(prefix="/partner")
MIN_NAME = 4  # fewer characters match too much to say anything useful


def hint_limit(request: Request) -> RateLimit:
    """The app's one limit on hints per user (settings: hints_per_minute)."""
    state = request.app.state
    if not hasattr(state, "hint_limit"):
        per_minute = console(request).settings.hints_per_minute
        state.hint_limit = RateLimit(per_minute, timedelta(minutes=1), lambda: datetime.now(UTC))
    found: RateLimit = state.hint_limit
    return found


def _identity(form: dict[str, str]) -> dict[str, Any]:
    identity: dict[str, Any] = {"name": form["customer_name"].strip()}
    for key in ("address", "province", "city", "department", "uscc"):
        if form.get(key, "").strip():
            identity[key] = form[key].strip()
    return identity


@router.post("/hint", response_class=HTMLResponse)
async def protection_hint(
    request: Request,
    user: Partner,
    customer_name: Annotated[str, Form(max_length=200)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    province: Annotated[str, Form(max_length=40)] = "",
    city: Annotated[str, Form(max_length=40)] = "",
    department: Annotated[str, Form(max_length=100)] = "",
    uscc: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    form = {
        "customer_name": customer_name,
        "address": address,
        "province": province,
        "city": city,
        "department": department,
        "uscc": uscc,
    }
    if len(customer_name.strip()) < MIN_NAME and not uscc.strip():
        return render(request, "partner/_hint.html", user, hint=None)
    if not hint_limit(request).allow(user.username):
        return render(request, "partner/_hint.html", user, hint={"state": "limited"})
    region = province_of(province or address or city)
    asker = User(f"hint:{user.username}", "hint", ConsoleRole.REVIEWER, None, None, (region,) if region else ())
    try:
        matches = await console(request).services.post(asker, "dedup", "/matches", _identity(form))
    except ServiceRefused:
        return render(request, "partner/_hint.html", user, hint=None)  # no hint is better than a wrong one
    certain = [m["customer_key"] for m in matches if m.get("level") == "duplicate"]
    possible = [m["customer_key"] for m in matches if m.get("level") != "duplicate"]
    now = datetime.now(UTC)
    store = centre(request).store
    hint: dict[str, Any] = {"state": "free"}
    for level, keys in (("protected", certain), ("maybe", possible)):
        locks = await store.protections(keys, now)
        if locks:
            hint = {
                "state": level,
                "until": max(lock.expires_at for lock in locks),
                "yours": all(lock.partner_id == user.partner_id for lock in locks),
            }
            break
    return render(request, "partner/_hint.html", user, hint=hint)
