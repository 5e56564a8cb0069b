"""The notification centre's pages: the feed, the live stream (server-sent events), the unread count,
mail settings, and a partner's webhooks."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Depends, Form, Header, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from ..notifications import webhooks
from ..notifications.centre import NotificationCentre
from ..notifications.store import Notification, WebhookRecord
from ..notifications.texts import delivery_label
from ..roles import ConsoleRole
from ..users import User
from ..web import language, render, signed_in

router = APIRouter(prefix="/notifications")
SignedIn = Annotated[User, Depends(signed_in)]


def centre(request: Request) -> NotificationCentre:
    found: NotificationCentre = request.app.state.notifications
    return found


def _item(request: Request, notification: Notification, seen: int) -> dict[str, object]:
    here = centre(request)
    return {
        "seq": notification.seq,
        "text": here.speak(notification, language(request)),
        "link": notification.link,
        "at": notification.created_at.astimezone(here.zone).strftime("%Y-%m-%d %H:%M"),
        "unread": notification.seq > seen,
    }


@router.get("", response_class=HTMLResponse)
async def feed(request: Request, user: SignedIn) -> Response:
    store = centre(request).store
    seen = await store.seen(user.username)
    found = await store.for_user(user, limit=100)
    if found:
        await store.mark_seen(user.username, found[0].seq)
    email, mail_on = await store.mail_setting(user.username)
    return render(
        request,
        "notifications/feed.html",
        user,
        items=[_item(request, n, seen) for n in found],
        email=email,
        mail_on=mail_on,
        mail_configured=bool(centre(request).settings.smtp_host),
        saved=request.query_params.get("saved"),
    )


@router.get("/count", response_class=HTMLResponse)
async def count(request: Request, user: SignedIn) -> Response:
    unread = await centre(request).store.unread(user)
    return HTMLResponse(str(unread) if unread else "")


@router.get("/stream")
async def stream(
    request: Request, user: SignedIn, last_event_id: Annotated[str | None, Header()] = None
) -> StreamingResponse:
    """New notifications for the signed-in user as server-sent events; the browser reconnects by itself
    and names the last one it had (Last-Event-ID), so nothing is missed between two connections."""
    here = centre(request)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else await here.store.latest_seq()
    seen = await here.store.seen(user.username)

    async def events() -> AsyncIterator[str]:
        nonlocal after
        yield "retry: 3000\n\n"
        ends = time.monotonic() + here.settings.live_stream_seconds
        while not here.hub.closing and time.monotonic() < ends and not await request.is_disconnected():
            for notification in reversed(await here.store.for_user(user, after=after, limit=20)):
                after = notification.seq
                data = json.dumps(_item(request, notification, seen), ensure_ascii=False)
                yield f"id: {notification.seq}\nevent: notification\ndata: {data}\n\n"
            yield ": still here\n\n"
            await here.hub.wait(here.settings.live_poll_seconds)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.post("/mail")
async def mail_settings(
    request: Request,
    user: SignedIn,
    email: Annotated[str, Form(max_length=254)] = "",
    enabled: Annotated[str, Form()] = "",
) -> Response:
    address = email.strip()
    if enabled and ("@" not in address or any(c.isspace() for c in address)):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "enter an e-mail address such as name@example.com")
    await centre(request).store.set_mail(user.username, address, bool(enabled and address))
    return RedirectResponse("/notifications?saved=mail", status_code=303)


def _partner(user: User) -> str:
    if user.role is not ConsoleRole.PARTNER or user.partner_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "webhooks are for partner systems")
    return user.partner_id


@router.get("/webhooks", response_class=HTMLResponse)
async def webhook_page(request: Request, user: SignedIn, created: str | None = None) -> Response:
    store = centre(request).store
    hooks = await store.webhooks(_partner(user))
    new_secret = next((h.secret for h in hooks if h.webhook_id == created), None)
    deliveries = {h.webhook_id: await store.deliveries(h.webhook_id) for h in hooks}
    return render(
        request,
        "notifications/webhooks.html",
        user,
        hooks=hooks,
        deliveries=deliveries,
        new_secret=new_secret,
        problem=None,
        delivery_label=delivery_label,
    )


@router.post("/webhooks", response_class=HTMLResponse)
async def add_webhook(request: Request, user: SignedIn, url: Annotated[str, Form(max_length=500)]) -> Response:
    partner_id = _partner(user)
    here = centre(request)
    problem = webhooks.refusal(url.strip(), here.settings.webhook_allow_private)
    if problem:
        hooks = await here.store.webhooks(partner_id)
        deliveries = {h.webhook_id: await here.store.deliveries(h.webhook_id) for h in hooks}
        return render(
            request,
            "notifications/webhooks.html",
            user,
            status_code=422,
            hooks=hooks,
            deliveries=deliveries,
            new_secret=None,
            problem=problem,
            delivery_label=delivery_label,
        )
    hook = WebhookRecord(
        webhook_id=str(uuid4()),
        partner_id=partner_id,
        url=url.strip(),
        secret=webhooks.new_secret(),
        created_by=user.username,
        created_at=datetime.now(UTC),
    )
    await here.store.add_webhook(hook)
    return RedirectResponse(f"/notifications/webhooks?created={hook.webhook_id}", status_code=303)


@router.post("/webhooks/{webhook_id}/delete")
async def remove_webhook(request: Request, user: SignedIn, webhook_id: str) -> Response:
    await centre(request).store.remove_webhook(_partner(user), webhook_id)
    return RedirectResponse("/notifications/webhooks", status_code=303)
